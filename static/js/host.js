// host.js — the host console /host/CODE: moderation queue, live questions,
// comments, polls of every kind with live charts and the quiz leaderboard,
// room settings, live statistics and exports.
//
// Authentication: the host or moderator key. The landing page's links carry
// it in the address fragment (#key=…), which never reaches the server; the
// console moves it to localStorage ('hubbub:key:<CODE>') and removes it from
// the address bar, so a reload or a shared screen does not show it. Without
// a kept key a form asks for one. A key the server refuses (close 4001, or a
// role other than host/moderator) is forgotten and the form shown again.
//
// Test hooks (data-testid): auth, auth-key, auth-submit, auth-error,
// offline-banner, presence, join-code, room-title, moderation-queue,
// queue-count, queue-more, select-pending, question-search, search-status,
// bulk-bar, bulk-approve, bulk-hide, bulk-clear, question-list, question,
// select, count-live, count-answered (the archive's), count-hidden,
// show-more, archive-list, archive-more, apply-changes, approve, hide, answer, answer-input, answer-save,
// answer-text, answered-badge, pin, unpin, restore, reopen, delete, ban,
// comment-list (comments carry data-id), closed-badge, comment,
// comment-delete, poll-form (see host-pollform.js), poll-list, poll,
// poll-open, poll-close, poll-reveal, poll-delete, results-chart,
// leaderboard, qr, screen-link, widget-links, widget-link, report-link, stats, settings,
// setting-<name>, export-json, export-csv, forget-key, lang-switch,
// section-toggle (see host-sections.js).
//
// At volume (see renderQuestions): a search, a page of questions per list
// with "show more", counts per status, selection with bulk approve/hide,
// the waiting count in the tab's title, lists that hold still under the
// pointer or focus (see hold), an archive that answered questions move to
// (collapsed at first), and sections that collapse to their heading
// (host-sections.js).

import { el, $, $$, clear, setText, announce, toast, roomCodeFromPath } from './dom.js';
import { t, addStrings, applyI18n, langSwitch, onLangChange, errorMessage, closeMessage, formatTime, formatNumber } from './i18n.js';
import { Connection } from './client.js';
import { RoomState, sortQuestions } from './state.js';
import { renderResults, renderLeaderboard, kindLabel, percent } from './charts.js';
import { hostStrings } from './host-strings.js';
import { setupPollForm, buildPollForm } from './host-pollform.js';
import { qrPath, audienceURL } from './qr.js';
import { setupSections, isCollapsed } from './host-sections.js';
import { setupStagePreview, showStagePreview, renderStageSwitch, renderBranding } from './host-stage.js';
import { setupRunOfShow, renderRunOfShow, duplicate } from './host-runofshow.js';
import { setupRoomCopy } from './host-copy.js';

/** STATS_REFRESH_MS is how often the live statistics are asked for while visible (the server asks for no more than every 5 s). */
const STATS_REFRESH_MS = 5000;
/** COMMENTS_SHOWN bounds the comments listed, newest first. */
const COMMENTS_SHOWN = 100;
/** KEY_STORAGE_PREFIX + CODE is where the console keeps the key. */
export const KEY_STORAGE_PREFIX = 'hubbub:key:';

addStrings(hostStrings);

const code = roomCodeFromPath();
const keyStorage = KEY_STORAGE_PREFIX + code;
const state = new RoomState();
let conn = null;
let everOnline = false;
/** QUEUE_PAGE and LIST_PAGE are how many questions the queue and the list show at first and per "show more". */
const QUEUE_PAGE = 8;
const LIST_PAGE = 20;
/**
 * view is the console's own state: the tab, the list's filter and sort,
 * the search text, how many questions each list shows (back to a page when
 * the filter, sort or search changes) and the selected question ids.
 */
const view = {
  tab: 'qa', filter: 'live', sort: 'top', pendingSeen: Infinity,
  search: '', queueLimit: QUEUE_PAGE, listLimit: LIST_PAGE, archiveLimit: LIST_PAGE, selected: new Set(),
};

// ---------- key handling ----------

function readKey() {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const fromHash = fragment.get('key');
  if (fromHash) {
    saveKey(fromHash.trim());
    history.replaceState(null, '', location.pathname + location.search);
    return fromHash.trim();
  }
  return storedKey();
}

/** storedKey is the key kept in this browser for the room, or ''. */
function storedKey() {
  try { return localStorage.getItem(keyStorage) || ''; } catch { return ''; }
}

function saveKey(key) {
  try {
    if (key) localStorage.setItem(keyStorage, key); else localStorage.removeItem(keyStorage);
  } catch { /* kept for this page only */ }
}

function showAuth(message) {
  $('#console').hidden = true;
  $('#auth').hidden = false;
  const err = $('#auth-error');
  err.hidden = !message;
  err.textContent = message || '';
  $('#auth-key').focus();
}

$('#auth-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const key = $('#auth-key').value.trim();
  if (!/^(hk|mk)_\S+$/.test(key)) {
    showAuth(t('host.auth_format'));
    return;
  }
  saveKey(key);
  $('#auth').hidden = true;
  start(key);
});

$('#forget-key').addEventListener('click', () => {
  if (!confirm(t('host.forget_confirm'))) return;
  saveKey('');
  if (conn) conn.close();
  conn = null;
  showAuth('');
});

// ---------- connection ----------

function start(key) {
  if (conn) conn.close();
  everOnline = false;
  conn = new Connection({ room: code, token: key, tokenKey: null, rejoinOnBadToken: false });
  conn.on('welcome', (ev) => {
    if (ev.role !== 'host' && ev.role !== 'moderator') {
      saveKey('');
      conn.close();
      showAuth(t('host.not_staff'));
      return;
    }
    state.apply(ev);
    $('#auth').hidden = true;
    $('#console').hidden = false;
    const badge = $('#role-badge');
    badge.hidden = false;
    badge.textContent = ev.role === 'host' ? t('host.role_host') : t('host.role_moderator');
    showIdleWarning(ev.idle_expires_at || 0);
    $('#keys-card').hidden = ev.role !== 'host';
    $('#copy-card').hidden = ev.role !== 'host';
    refreshStats();
  });
  conn.on('*', (ev) => { if (ev.type !== 'welcome') state.apply(ev); });
  conn.on('error', (ev) => toast(errorMessage(ev)));
  conn.onStatus((status, c) => {
    const banner = $('#offline-banner');
    if (status === 'online') everOnline = true;
    banner.hidden = !(everOnline && (status === 'offline' || status === 'connecting'));
    banner.textContent = t('conn.offline');
    if (status === 'stopped' && c.closeCode) {
      if (c.closeCode === 4001 || c.closeCode === 4010) {
        // Forget the key only while it is still the refused one: the tab that
        // replaced the host key keeps the new one in the same storage.
        if (storedKey() === c.token) saveKey('');
        showAuth(t(c.closeCode === 4010 ? 'conn.key_rotated' : 'conn.bad_key'));
      } else {
        $('#console').hidden = true;
        $('#auth').hidden = true;
        $('#stopped').hidden = false;
        setText($('#stopped-text'), closeMessage(c.closeCode));
      }
    }
  });
  conn.connect();
}

// ---------- keys ----------

/**
 * rotateKey replaces the room's host or moderator key (which) and shows the
 * new link once. A new host key becomes this console's own: it is kept in
 * localStorage and used for reconnects, so only other consoles are closed.
 */
async function rotateKey(which) {
  if (!confirm(t(which === 'host' ? 'host.rotate_host_confirm' : 'host.rotate_moderator_confirm'))) return;
  // No statistics request may go out with the old host key while it is
  // being replaced (the server would answer it 401): wait for the one in
  // flight, and start none until the new key is kept.
  rotating = true;
  let ack;
  try {
    for (let waited = 0; statsBusy && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    ack = await send({ type: 'key_rotate', key: which });
    const newHost = ack && which === 'host' && ack.host_key;
    if (newHost) {
      saveKey(newHost);
      conn.token = newHost;
    }
  } finally {
    rotating = false;
  }
  const key = ack && (which === 'host' ? ack.host_key : ack.moderator_key);
  if (!key) return;
  $('#new-links').hidden = false;
  setText($('#new-link-label'), t(which === 'host' ? 'host.new_host_link' : 'host.new_moderator_link'));
  const link = $('#new-link');
  link.value = location.origin + '/host/' + encodeURIComponent(code) + '#key=' + encodeURIComponent(key);
  link.focus();
  link.select();
}
$('#rotate-moderator').addEventListener('click', () => rotateKey('moderator'));
$('#rotate-host').addEventListener('click', () => rotateKey('host'));

/**
 * send sends a command and shows a refusal as a toast (explain(err), when
 * given, words it); resolves with the ack or undefined.
 */
async function send(cmd, explain) {
  try {
    return await conn.send(cmd);
  } catch (err) {
    toast((explain && explain(err)) || errorMessage(err));
    return undefined;
  }
}

/** IDLE_WARNING_MS is how long before an idle room's deletion the console warns: a week. */
const IDLE_WARNING_MS = 7 * 24 * 3600 * 1000;

/**
 * showIdleWarning warns, from the welcome's idle_expires_at, when the room
 * will be deleted for want of activity within IDLE_WARNING_MS; the host can
 * keep it (any room_set is activity). Anything done in the room hides it.
 */
function showIdleWarning(at) {
  const box = $('#idle-warning');
  const due = at > 0 && at - Date.now() < IDLE_WARNING_MS;
  box.hidden = !due;
  if (!due) return;
  clear(box).appendChild(el('span', {}, t('host.idle_warning', { date: formatDate(at) })));
  if (state.role !== 'host') return;
  box.appendChild(el('button', {
    type: 'button', class: 'btn btn-small', 'data-testid': 'idle-keep',
    onclick: async () => {
      if (await send({ type: 'room_set', title: (state.settings || {}).title || code })) box.hidden = true;
    },
  }, t('host.idle_keep')));
}

/** formatDate is a day and time in the page's language. */
function formatDate(ms) {
  return new Date(ms).toLocaleString(view.lang || undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// ---------- keyed list rendering ----------

/**
 * reconcile makes list hold one node per item, in order, reusing the node of
 * the same key (so focus and open editors survive updates): create(item)
 * makes a node, update(node, item) refreshes it.
 */
function reconcile(list, items, key, create, update) {
  const existing = new Map();
  for (const node of Array.from(list.children)) existing.set(node.dataset.key, node);
  const wanted = new Set(items.map(key));
  for (const [k, node] of existing) if (!wanted.has(k)) node.remove();
  items.forEach((item, i) => {
    const k = key(item);
    let node = existing.get(k);
    if (!node) {
      node = create(item);
      node.dataset.key = k;
    }
    update(node, item);
    if (list.children[i] !== node) list.insertBefore(node, list.children[i] || null);
  });
}

// ---------- questions ----------

/** canBan reports whether item has an audience author to ban: its opaque handle (staff items have none). */
function canBan(item) {
  return typeof item.handle === 'string' && item.handle.startsWith('h_');
}

function questionCard() {
  const select = el('input', {
    type: 'checkbox', class: 'q-select', 'data-testid': 'select',
    onchange: (e) => {
      const id = e.target.closest('.q-card').dataset.id;
      if (e.target.checked) view.selected.add(id); else view.selected.delete(id);
      renderBulkBar();
    },
  });
  return el('li', { class: 'q-card', 'data-testid': 'question' },
    el('div', { class: 'q-votes', 'aria-hidden': 'false' }, select, el('span', { class: 'q-votes-n' }), el('span', { class: 'q-votes-l' })),
    el('div', { class: 'q-body' }, el('div', { class: 'q-main' }), el('div', { class: 'q-actions row wrap' }), el('div', { class: 'q-editor' })));
}

function updateQuestion(node, q) {
  setText(node.querySelector('.q-votes-n'), formatNumber(q.votes || 0));
  setText(node.querySelector('.q-votes-l'), q.votes === 1 ? t('host.upvote_one') : t('host.upvotes'));
  node.dataset.id = q.id;
  node.dataset.status = q.status;
  node.classList.toggle('is-pinned', Boolean(q.pinned));
  const select = node.querySelector('.q-select');
  select.checked = view.selected.has(q.id);
  const sig = [q.text, q.author, q.status, q.pinned, q.answer, q.at, q.edited, view.lang].join('\u0000');
  if (node.dataset.sig === sig) return;
  node.dataset.sig = sig;
  select.setAttribute('aria-label', t('host.select_q', { text: shorten(q.text) }));
  const main = clear(node.querySelector('.q-main'));
  main.appendChild(el('p', { class: 'q-text' }, q.text));
  main.appendChild(el('p', { class: 'q-meta small muted' },
    el('span', {}, q.author || t('host.anonymous')), ' · ', el('time', {}, formatTime(q.at)),
    q.pinned ? el('span', { class: 'badge badge-accent', 'data-testid': 'pinned-badge' }, '📌 ', t('host.pinned')) : null,
    q.status === 'answered' ? el('span', { class: 'badge badge-success', 'data-testid': 'answered-badge' }, t('host.answered')) : null,
    q.status === 'hidden' ? el('span', { class: 'badge' }, t('host.hidden')) : null,
    q.status === 'pending' ? el('span', { class: 'badge badge-warning' }, t('host.pending')) : null,
    // Its author changed the text after asking (question_edit).
    q.edited ? el('span', { class: 'badge', 'data-testid': 'edited-badge' }, t('host.edited')) : null));
  if (q.answer) main.appendChild(el('p', { class: 'q-answer' }, el('strong', {}, t('host.answer_label') + ' '), el('span', { 'data-testid': 'answer-text' }, q.answer)));
  const actions = node.querySelector('.q-actions');
  // The focused action is redrawn too: the focus goes to its successor.
  const focused = actions.contains(document.activeElement) ? document.activeElement.dataset.testid : '';
  clear(actions);
  const btn = (label, testid, onclick, cls = '') => el('button', { type: 'button', class: 'btn btn-small ' + cls, 'data-testid': testid, onclick }, label);
  const set = (fields) => () => send({ type: 'question_set', question: q.id, ...fields });
  if (q.status === 'pending') {
    actions.appendChild(btn(t('host.approve'), 'approve', set({ status: 'live' }), 'btn-primary'));
  }
  if (q.status === 'live' || q.status === 'answered') {
    actions.appendChild(q.pinned
      ? btn(t('host.unpin'), 'unpin', set({ pinned: false }))
      : btn(t('host.pin'), 'pin', set({ pinned: true })));
  }
  // A pending question is approved before it is answered (pending → answered is not a move the server allows).
  if (q.status === 'live' || q.status === 'answered') actions.appendChild(btn(q.status === 'answered' ? t('host.edit_answer') : t('host.answer'), 'answer', () => openAnswerEditor(node, q)));
  if (q.status === 'answered') actions.appendChild(btn(t('host.reopen'), 'reopen', set({ status: 'live' })));
  if (q.status === 'hidden') actions.appendChild(btn(t('host.restore'), 'restore', set({ status: 'live' })));
  else actions.appendChild(btn(t('host.hide'), 'hide', set({ status: 'hidden' })));
  actions.appendChild(btn(t('host.delete'), 'delete', () => {
    if (confirm(t('host.delete_confirm', { text: shorten(q.text) }))) send({ type: 'question_delete', question: q.id });
  }, 'btn-ghost btn-danger'));
  if (canBan(q)) actions.appendChild(banButton(q));
  if (focused) {
    const next = actions.querySelector(`[data-testid="${focused}"]`)
      || actions.querySelector(`[data-testid="${FOCUS_SUCCESSOR[focused]}"]`) || actions.querySelector('button');
    if (next) next.focus();
  }
}

/** FOCUS_SUCCESSOR names the button that takes the focus when a question action's own button goes (Pin → Unpin, …). */
const FOCUS_SUCCESSOR = { pin: 'unpin', unpin: 'pin', hide: 'restore', restore: 'hide', reopen: 'answer', approve: 'pin' };

/** SHORTEN_AT is how many characters of a question, comment or poll a confirm dialog quotes. */
const SHORTEN_AT = 80;

/** shorten is text on one line, cut to SHORTEN_AT characters with an ellipsis. */
function shorten(text) {
  const line = String(text || '').replace(/\s+/g, ' ').trim();
  const chars = Array.from(line);
  return chars.length > SHORTEN_AT ? chars.slice(0, SHORTEN_AT - 1).join('') + '…' : line;
}

/**
 * banButton bans the author of item (a question or comment); its confirm
 * names the person, or quotes the item when its author is anonymous.
 */
function banButton(item) {
  return el('button', {
    type: 'button', class: 'btn btn-small btn-ghost btn-danger', 'data-testid': 'ban',
    onclick: () => openBanDialog(item),
  }, t('host.ban'));
}

/**
 * openBanDialog asks, naming the person (or quoting the item of an
 * anonymous author), whether to ban them and what else to do: hide their
 * questions and comments, and refuse new participants from the address
 * they joined from for the rest of the session.
 */
function openBanDialog(item) {
  const old = $('#ban-dialog');
  if (old) old.remove();
  const question = item.author
    ? t('host.ban_confirm', { name: item.author })
    : t('host.ban_confirm_anon', { text: shorten(item.text) });
  const hide = el('input', { type: 'checkbox', id: 'ban-hide', 'data-testid': 'ban-hide', checked: true });
  const cover = el('input', { type: 'checkbox', id: 'ban-cover', 'data-testid': 'ban-cover' });
  const dialog = el('dialog', { id: 'ban-dialog', class: 'dialog card', 'data-testid': 'ban-dialog', 'aria-labelledby': 'ban-dialog-title' },
    el('form', { method: 'dialog' },
      el('h2', { id: 'ban-dialog-title', class: 'dialog-title' }, question),
      el('div', { class: 'check-row' }, hide, el('label', { for: 'ban-hide' }, t('host.ban_hide'))),
      el('div', { class: 'check-row' }, cover,
        el('label', { for: 'ban-cover' }, t('host.ban_cover'), el('span', { class: 'hint' }, ' ' + t('host.ban_cover_hint')))),
      el('div', { class: 'row dialog-actions' },
        el('button', { type: 'submit', value: 'cancel', class: 'btn btn-ghost', 'data-testid': 'ban-cancel' }, t('host.cancel')),
        el('button', { type: 'submit', value: 'ban', class: 'btn btn-danger', 'data-testid': 'ban-confirm' }, t('host.ban')))));
  dialog.addEventListener('close', async () => {
    const ban = dialog.returnValue === 'ban';
    const opts = { hide_posts: hide.checked, cover_address: cover.checked };
    dialog.remove();
    if (!ban) return;
    // The item's handle, not a person: the server resolves the author.
    const ack = await send({ type: 'ban', handle: item.handle, ...opts });
    if (!ack) return;
    let msg = t('host.banned');
    if (opts.hide_posts) msg += ' ' + t('host.ban_hidden', { n: ack.hidden || 0 });
    if (opts.cover_address) msg += ' ' + t(ack.covered ? 'host.ban_covered' : 'host.ban_not_covered');
    toast(msg);
  });
  document.body.appendChild(dialog);
  dialog.showModal();
}

function openAnswerEditor(node, q) {
  const box = node.querySelector('.q-editor');
  if (box.firstChild) { box.querySelector('textarea').focus(); return; }
  const id = 'answer-' + q.id;
  const input = el('textarea', { id, class: 'textarea', 'data-testid': 'answer-input', maxlength: 2000, rows: 3 });
  input.value = q.answer || '';
  const form = el('form', {
    class: 'answer-form', onsubmit: async (e) => {
      e.preventDefault();
      const ack = await send({ type: 'question_set', question: q.id, status: 'answered', answer: input.value.trim() });
      if (ack) { clear(box); announce(t('host.answer_saved')); }
    },
  },
  el('label', { class: 'label', for: id }, t('host.answer_text')),
  input,
  el('p', { class: 'hint' }, t('host.answer_hint')),
  el('div', { class: 'row wrap' },
    el('button', { type: 'submit', class: 'btn btn-primary btn-small', 'data-testid': 'answer-save' }, t('host.answer_save')),
    el('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: () => clear(box) }, t('host.cancel'))));
  box.appendChild(form);
  input.focus();
}

/**
 * The question list and the archive hold still while the pointer or the
 * keyboard focus is in their cards (#questions-card, #archive-card), so a
 * click or a key press lands on the question it was aimed at: nodes are
 * updated in place (counts, badges, buttons) but none is moved, added or
 * removed — nor in the queue above them, whose growth would push them
 * down. The apply button (data-testid apply-changes) counts the questions
 * that would move, come or go, and all are brought up to date when it is
 * pressed or when the pointer and the focus have left both cards. (In the
 * queue itself new questions come last, so nothing moves under a pointer
 * there.)
 */
const HOLDING_CARDS = ['#questions-card', '#archive-card'];
const hold = { over: new Set() };

function holding() {
  return hold.over.size > 0 || HOLDING_CARDS.some((c) => $(c).contains(document.activeElement));
}

/** holdInPlace updates the nodes of a held list without moving any; a deleted question's node is greyed. */
function holdInPlace(list) {
  for (const node of list.children) {
    const q = state.questions.get(node.dataset.key);
    if (q) updateQuestion(node, q); else markGone(node);
  }
}

/** pendingChanges counts the questions of wanted not at their place in list, plus those that would leave it. */
function pendingChanges(list, wanted) {
  const current = Array.from(list.children, (n) => n.dataset.key);
  const want = new Set(wanted.map((q) => q.id));
  let n = current.filter((k) => !want.has(k)).length;
  wanted.forEach((q, i) => { if (current[i] !== q.id) n++; });
  return n;
}

/** markGone greys out a held node whose question was deleted, its buttons off. */
function markGone(node) {
  if (node.classList.contains('is-gone')) return;
  node.classList.add('is-gone');
  node.dataset.sig = '';
  for (const b of node.querySelectorAll('button')) b.disabled = true;
  node.querySelector('.q-meta').appendChild(el('span', { class: 'badge' }, t('host.deleted')));
}

/** matches reports whether question q has the search text in its text, author or answer. */
function matches(q) {
  if (!view.search) return true;
  return [q.text, q.author, q.answer].some((f) => typeof f === 'string' && f.toLocaleLowerCase().includes(view.search));
}

/** archived reports whether q belongs in the archive: answered, and not pinned (a pinned one is still on stage). */
function archived(q) {
  return q.status === 'answered' && !q.pinned;
}

/** listed reports whether q belongs in the list under the filter: live ones (and a pinned answered one), or hidden ones. */
function listed(q, filter) {
  return filter === 'hidden' ? q.status === 'hidden' : q.status === 'live' || (q.status === 'answered' && Boolean(q.pinned));
}

/**
 * renderQuestions draws the queue, the list and the archive: those
 * matching the search, the first view.queueLimit / view.listLimit /
 * view.archiveLimit of them, with a "show more" button for the rest; the
 * filter buttons and the archive count what each holds. apply brings held
 * lists up to date (see hold).
 */
function renderQuestions(apply = false) {
  const all = state.questionList();
  const allPending = all.filter((q) => q.status === 'pending');
  const found = all.filter(matches);
  const pending = sortQuestions(found.filter((q) => q.status === 'pending'), 'recent').reverse();
  const queueShown = pending.slice(0, view.queueLimit);
  if (state.loaded && allPending.length > view.pendingSeen) announce(t('host.new_pending', { n: allPending.length }));
  view.pendingSeen = allPending.length;
  setText($('#queue-count'), formatNumber(allPending.length));
  setText($('#tab-qa-count'), allPending.length ? '(' + allPending.length + ')' : '');
  updateDocTitle();
  for (const filter of ['live', 'hidden']) {
    setText($('#count-' + filter), formatNumber(found.filter((q) => listed(q, filter)).length));
  }
  const archive = sortQuestions(found.filter(archived), view.sort);
  setText($('#count-answered'), formatNumber(archive.length));
  const archiveShown = archive.slice(0, view.archiveLimit);
  // Selected questions that were deleted are forgotten.
  for (const id of view.selected) if (!state.questions.has(id)) view.selected.delete(id);
  renderBulkBar();
  let shown = found.filter((q) => listed(q, view.filter));
  shown = sortQuestions(shown, view.sort);
  if (view.filter !== 'hidden') shown.sort((a, b) => Number(Boolean(b.pinned)) - Number(Boolean(a.pinned)));
  setText($('#q-search-status'), view.search ? t('host.search_found', { n: found.length, total: all.length }) : '');
  const total = shown.length;
  shown = shown.slice(0, view.listLimit);
  const list = $('#questions');
  const queue = $('#queue');
  const archiveList = $('#archive');
  const changes = pendingChanges(queue, queueShown) + pendingChanges(list, shown) + pendingChanges(archiveList, archiveShown);
  if (!apply && changes && holding()) {
    holdInPlace(queue);
    holdInPlace(list);
    holdInPlace(archiveList);
    showApply(changes);
    return;
  }
  reconcile(queue, queueShown, (q) => q.id, questionCard, updateQuestion);
  showMore($('#queue-more'), pending.length - queueShown.length, QUEUE_PAGE);
  $('#queue-empty').hidden = pending.length > 0;
  const selectPending = $('#select-pending');
  selectPending.hidden = pending.length < 2;
  setText(selectPending, t('host.select_pending', { n: pending.length }));
  reconcile(list, shown, (q) => q.id, questionCard, updateQuestion);
  showMore($('#questions-more'), total - shown.length, LIST_PAGE);
  $('#questions-empty').hidden = shown.length > 0;
  reconcile(archiveList, archiveShown, (q) => q.id, questionCard, updateQuestion);
  showMore($('#archive-more'), archive.length - archiveShown.length, LIST_PAGE);
  $('#archive-empty').hidden = archive.length > 0;
  showApply(0);
}

/** showMore shows button when left questions are not shown, offering the next page of them. */
function showMore(button, left, page) {
  button.hidden = left <= 0;
  if (left > 0) setText(button, t('host.show_more', { n: Math.min(left, page), left }));
}

/** updateDocTitle names the room in the tab's title, after the pending count when some wait: "(3) Town hall — hubbub — host console". */
function updateDocTitle() {
  const s = state.settings || {};
  let pending = 0;
  for (const q of state.questions.values()) if (q.status === 'pending') pending++;
  document.title = (pending ? '(' + pending + ') ' : '') + (s.title ? s.title + ' — ' : '') + t('host.doc_title');
}

/**
 * renderBulkBar fills the bulk bar (always in its place, so nothing moves
 * when it changes): a hint while nothing is selected, else the count and
 * the actions that apply to one of the selected questions.
 */
function renderBulkBar() {
  const picked = [...view.selected].map((id) => state.questions.get(id)).filter(Boolean);
  const bar = $('#bulk-bar');
  bar.classList.toggle('is-active', picked.length > 0);
  setText($('#bulk-count'), picked.length ? t('host.selected_n', { n: picked.length }) : t('host.bulk_hint'));
  $('#bulk-approve').hidden = !picked.some((q) => q.status === 'pending');
  $('#bulk-hide').hidden = !picked.some((q) => q.status !== 'hidden');
  $('#bulk-clear').hidden = picked.length === 0;
}

/** bulkSet sets fields on every selected question that is in one of statuses, then clears the selection. */
async function bulkSet(statuses, fields) {
  const ids = [...view.selected].filter((id) => statuses.includes((state.questions.get(id) || {}).status));
  view.selected.clear();
  const acks = await Promise.all(ids.map((id) => send({ type: 'question_set', question: id, ...fields })));
  // Asked for from the bulk bar, above the lists: shown at once.
  renderQuestions(true);
  announce(t('host.bulk_done', { n: acks.filter(Boolean).length }));
}

$('#bulk-approve').addEventListener('click', () => bulkSet(['pending'], { status: 'live' }));
$('#bulk-hide').addEventListener('click', () => bulkSet(['pending', 'live', 'answered'], { status: 'hidden' }));
$('#bulk-clear').addEventListener('click', () => { view.selected.clear(); renderQuestions(); });
$('#select-pending').addEventListener('click', () => {
  for (const q of state.questionList()) if (q.status === 'pending' && matches(q)) view.selected.add(q.id);
  renderQuestions();
});
$('#queue-more').addEventListener('click', () => { view.queueLimit += QUEUE_PAGE; renderQuestions(true); });
$('#questions-more').addEventListener('click', () => {
  view.listLimit += LIST_PAGE;
  renderQuestions(true);
  if ($('#questions-more').hidden) $('#questions').focus();
});
$('#archive-more').addEventListener('click', () => {
  view.archiveLimit += LIST_PAGE;
  renderQuestions(true);
});
$('#q-search').addEventListener('input', (e) => {
  view.search = e.target.value.trim().toLocaleLowerCase();
  view.queueLimit = QUEUE_PAGE;
  view.listLimit = LIST_PAGE;
  view.archiveLimit = LIST_PAGE;
  renderQuestions(true);
});

/** showApply shows the apply button with the number of held changes, or hides it at 0. */
function showApply(n) {
  const bar = $('#apply-bar');
  bar.hidden = n === 0;
  if (n) setText($('#apply-changes'), t('host.apply_changes', { n }));
}

function releaseHold() {
  if (!holding()) renderQuestions();
}

for (const css of HOLDING_CARDS) {
  const card = $(css);
  card.addEventListener('pointerenter', () => { hold.over.add(css); });
  card.addEventListener('pointerleave', () => { hold.over.delete(css); releaseHold(); });
  // Focus leaving the card: activeElement is settled once focusout is over.
  card.addEventListener('focusout', () => setTimeout(releaseHold, 0));
}
$('#apply-changes').addEventListener('click', () => {
  renderQuestions(true);
  // The button is gone: the focus goes to the list, which is now current.
  $('#questions').focus();
  announce(t('host.applied'));
});

for (const b of $$('[data-filter]')) {
  b.addEventListener('click', () => {
    view.filter = b.dataset.filter;
    view.listLimit = LIST_PAGE;
    for (const o of $$('[data-filter]')) o.setAttribute('aria-pressed', String(o === b));
    renderQuestions(true);
  });
}
for (const b of $$('[data-sort]')) {
  b.addEventListener('click', () => {
    view.sort = b.dataset.sort;
    view.listLimit = LIST_PAGE;
    view.archiveLimit = LIST_PAGE;
    for (const o of $$('[data-sort]')) o.setAttribute('aria-pressed', String(o === b));
    renderQuestions(true);
  });
}

// ---------- comments ----------

function renderComments() {
  const list = state.commentList().slice(-COMMENTS_SHOWN).reverse();
  reconcile($('#comments'), list, (c) => c.id, () => el('li', { class: 'c-item', 'data-testid': 'comment' }), (node, c) => {
    node.dataset.id = c.id;
    const sig = [c.text, c.author, c.at, view.lang].join('\u0000');
    if (node.dataset.sig === sig) return;
    node.dataset.sig = sig;
    clear(node);
    node.appendChild(el('div', { class: 'c-body' },
      el('p', { class: 'c-text' }, c.text),
      el('p', { class: 'small muted' }, (c.author || t('host.anonymous')) + ' · ' + formatTime(c.at))));
    node.appendChild(el('div', { class: 'row' },
      el('button', {
        type: 'button', class: 'btn btn-small btn-ghost btn-danger', 'data-testid': 'comment-delete',
        'aria-label': t('host.delete_comment'),
        onclick: () => { if (confirm(t('host.delete_comment_confirm', { text: shorten(c.text) }))) send({ type: 'comment_delete', comment: c.id }); },
      }, t('host.delete')),
      canBan(c) ? banButton(c) : null));
  });
  setText($('#comments-count'), formatNumber(state.comments.size));
  $('#comments-empty').hidden = list.length > 0;
}

// ---------- polls: list ----------

const timers = new Map(); // poll id → interval

function pollCard() {
  return el('li', { class: 'card poll-card', 'data-testid': 'poll' },
    el('div', { class: 'poll-head' }),
    el('div', { class: 'poll-controls row wrap' }),
    el('div', { class: 'poll-chart' }));
}

function stateBadge(p) {
  if (p.state === 'open') return el('span', { class: 'badge badge-success' }, el('span', { class: 'dot', 'aria-hidden': 'true' }), t('host.state_open'));
  if (p.state === 'closed') return el('span', { class: 'badge' }, t('host.state_closed'));
  return el('span', { class: 'badge badge-warning' }, t('host.state_draft'));
}

function updatePoll(node, p) {
  node.dataset.id = p.id;
  node.dataset.state = p.state;
  const sig = [p.title, p.kind, p.state, p.reveal, p.closes_at, p.seconds, p.speed_bonus, (p.options || []).join('\u0000'), (p.correct || []).join(','), p.max, view.lang].join('|');
  if (node.dataset.sig !== sig) {
    node.dataset.sig = sig;
    const head = clear(node.querySelector('.poll-head'));
    head.appendChild(el('div', { class: 'row wrap poll-badges' },
      el('span', { class: 'badge badge-accent' }, kindLabel(p.kind)), stateBadge(p),
      p.reveal ? el('span', { class: 'badge badge-success' }, '👁 ', t('host.revealed')) : el('span', { class: 'badge' }, t('host.not_revealed')),
      p.kind === 'multi' && p.max ? el('span', { class: 'badge' }, t('host.max_n', { n: p.max })) : null,
      p.seconds ? el('span', { class: 'badge' }, '⏱ ', t('host.seconds_n', { n: p.seconds }), p.speed_bonus ? ' · ' + t('host.speed_short') : '') : null,
      el('span', { class: 'spacer' }),
      el('span', { class: 'poll-timer mono', 'aria-live': 'off' })));
    head.appendChild(el('h3', { class: 'poll-title' }, p.title));
    const controls = clear(node.querySelector('.poll-controls'));
    const set = (fields) => () => send({ type: 'poll_set', poll: p.id, ...fields });
    if (p.state !== 'open') controls.appendChild(el('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-testid': 'poll-open', onclick: set({ state: 'open' }) }, p.state === 'closed' ? t('host.reopen_poll') : t('host.open_poll')));
    if (p.state === 'open') controls.appendChild(el('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'poll-close', onclick: set({ state: 'closed' }) }, t('host.close_poll')));
    controls.appendChild(el('button', {
      type: 'button', class: 'btn btn-small', 'data-testid': 'poll-reveal', 'aria-pressed': String(Boolean(p.reveal)),
      onclick: set({ reveal: !p.reveal }),
    }, p.reveal ? t('host.hide_results') : t('host.reveal_results')));
    controls.appendChild(el('button', {
      type: 'button', class: 'btn btn-small btn-ghost', 'data-testid': 'poll-duplicate',
      'aria-label': t('host.duplicate_named', { title: p.title }), onclick: () => duplicate(p, send),
    }, t('host.duplicate')));
    controls.appendChild(el('button', {
      type: 'button', class: 'btn btn-small btn-ghost btn-danger', 'data-testid': 'poll-delete',
      onclick: () => { if (confirm(t('host.delete_poll_confirm', { title: shorten(p.title) }))) send({ type: 'poll_delete', poll: p.id }); },
    }, t('host.delete')));
    setupTimer(node, p);
  }
  renderResults(node.querySelector('.poll-chart'), p, state.results.get(p.id), chartOptions(p));
}

/**
 * chartOptions are the console's chart options for poll p: its correct
 * answers, and for text and word-cloud polls a remove control on each
 * answer or word, confirmed by name (poll_answer_remove).
 */
function chartOptions(p) {
  const opts = { correct: p.correct };
  if (p.kind === 'text' || p.kind === 'wordcloud') {
    opts.onRemove = (text) => {
      if (confirm(t('host.remove_answer_confirm', { text: shorten(text), title: shorten(p.title) }))) send({ type: 'poll_answer_remove', poll: p.id, text });
    };
  }
  return opts;
}

function setupTimer(node, p) {
  clearInterval(timers.get(p.id));
  timers.delete(p.id);
  const out = node.querySelector('.poll-timer');
  if (!(p.state === 'open' && p.closes_at > 0)) { setText(out, ''); return; }
  const tick = () => {
    const left = Math.max(0, Math.ceil((p.closes_at - Date.now()) / 1000));
    setText(out, '⏱ ' + formatClock(left));
    if (left <= 0) { clearInterval(timers.get(p.id)); timers.delete(p.id); }
  };
  tick();
  timers.set(p.id, setInterval(tick, 250));
}

function formatClock(s) {
  return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
}

function renderPolls() {
  const polls = state.pollList().reverse();
  for (const id of timers.keys()) if (!state.polls.has(id)) { clearInterval(timers.get(id)); timers.delete(id); }
  reconcile($('#polls'), polls, (p) => p.id, pollCard, updatePoll);
  $('#polls-empty').hidden = polls.length > 0;
}

function renderOneResult(id) {
  const node = $('#polls').querySelector(`[data-key="${CSS.escape(id)}"]`);
  const p = state.polls.get(id);
  if (node && p) renderResults(node.querySelector('.poll-chart'), p, state.results.get(id), chartOptions(p));
}

function renderLeaderboardCard() {
  const lb = state.leaderboard;
  const card = $('#leaderboard-card');
  if (!lb || !(Array.isArray(lb.question) || Array.isArray(lb.room))) { card.hidden = true; return; }
  card.hidden = false;
  const quiz = lb.poll && state.polls.get(lb.poll);
  renderLeaderboard($('#lb-round'), lb.question || [], { title: quiz ? t('host.lb_round_of', { title: quiz.title }) : t('lb.round'), testid: 'leaderboard-round' });
  renderLeaderboard($('#lb-overall'), lb.room || [], { title: t('lb.overall'), testid: 'leaderboard' });
}

// ---------- room settings ----------

const TOGGLES = [
  ['moderation', 'host.set_moderation', 'host.set_moderation_hint'],
  ['qa', 'host.set_qa', 'host.set_qa_hint'],
  ['comments', 'host.set_comments', 'host.set_comments_hint'],
  ['reactions', 'host.set_reactions', 'host.set_reactions_hint'],
  ['name_required', 'host.set_name_required', 'host.set_name_required_hint'],
  ['closed', 'host.set_closed', 'host.set_closed_hint'],
];

/** NUMBERS are the room's numeric protections: setting, label, hint, most. 0 turns one off. */
const NUMBERS = [
  ['hold_new_minutes', 'host.set_hold_new', 'host.set_hold_new_hint', 1440],
  ['slow_mode_seconds', 'host.set_slow_mode', 'host.set_slow_mode_hint', 3600],
];

/**
 * renderSettings shows the room's settings. The form is built once per
 * language and role and then updated in place, so a room event does not
 * replace the control being clicked or focused (a click could land on a
 * replaced switch and do nothing; a keyboard user lost the focus), and a
 * title being typed is not overwritten.
 */
function renderSettings() {
  const s = state.settings || {};
  setText($('#room-title'), s.title || '');
  $('#closed-badge').hidden = !s.closed;
  updateDocTitle();
  const form = $('#settings-form');
  const sig = [view.lang, state.role].join('|');
  if (form.dataset.sig !== sig) {
    form.dataset.sig = sig;
    buildSettingsForm(form, state.role === 'host');
  }
  const title = $('#setting-title');
  if (document.activeElement !== title) title.value = s.title || '';
  for (const [name] of TOGGLES) $('#setting-' + name).checked = Boolean(s[name]);
  $('#setting-closed').closest('.switch-row').classList.toggle('is-danger', Boolean(s.closed));
  $('#setting-filter').value = s.filter === 'moderate' ? 'moderate' : 'mask';
  // A number being typed is left alone; a focused field that holds no
  // edit follows the room (a value put back after a refusal must not
  // stay behind a change that arrives later).
  for (const [name] of NUMBERS) {
    const input = $('#setting-' + name);
    if (!input.dataset.editing) input.value = String(s[name] || 0);
  }
}

/** buildSettingsForm draws the settings' controls (values are set by renderSettings). */
function buildSettingsForm(form, isHost) {
  clear(form);
  if (!isHost) form.appendChild(el('p', { class: 'notice notice-info small' }, t('host.settings_host_only')));
  const title = el('input', { id: 'setting-title', class: 'input', 'data-testid': 'setting-title', maxlength: 120, disabled: !isHost });
  form.appendChild(el('div', { class: 'field' },
    el('label', { class: 'label', for: 'setting-title' }, t('host.set_title')),
    el('div', { class: 'row' }, title,
      el('button', {
        type: 'button', class: 'btn', 'data-testid': 'setting-title-save', disabled: !isHost,
        onclick: async () => {
          const v = title.value.trim();
          if (!v) { toast(t('host.need_title')); return; }
          if (await send({ type: 'room_set', title: v })) announce(t('host.saved'));
        },
      }, t('host.save')))));
  for (const [name, label, hint] of TOGGLES) {
    const id = 'setting-' + name;
    form.appendChild(el('div', { class: 'switch-row' },
      el('div', { class: 'switch-text' }, el('label', { for: id, class: 'switch-label' }, t(label)), el('p', { class: 'hint' }, t(hint))),
      el('input', {
        id, type: 'checkbox', role: 'switch', class: 'switch', 'data-testid': id, disabled: !isHost,
        onchange: async (e) => {
          const input = e.target;
          // Closing stops everyone in the audience: asked first, naming the room.
          if (name === 'closed' && input.checked && !confirm(t('host.close_confirm', { title: shorten((state.settings || {}).title || code) }))) {
            input.checked = false;
            return;
          }
          // Not disabled while waiting: that would take the focus from it.
          input.setAttribute('aria-busy', 'true');
          const ack = await send({ type: 'room_set', [name]: input.checked });
          input.removeAttribute('aria-busy');
          if (!ack) input.checked = Boolean(state.settings[name]);
        },
      })));
  }
  const filter = el('select', { id: 'setting-filter', class: 'select', 'data-testid': 'setting-filter', disabled: !isHost },
    el('option', { value: 'mask' }, t('host.filter_mask')),
    el('option', { value: 'moderate' }, t('host.filter_moderate')));
  filter.addEventListener('change', () => send({ type: 'room_set', filter: filter.value }));
  form.appendChild(el('div', { class: 'field' }, el('label', { class: 'label', for: 'setting-filter' }, t('host.set_filter')), filter));
  for (const [name, label, hint, most] of NUMBERS) {
    const id = 'setting-' + name;
    const input = el('input', {
      id, type: 'number', class: 'input input-number', 'data-testid': id, min: 0, max: most, step: 1,
      inputmode: 'numeric', disabled: !isHost, 'aria-describedby': id + '-hint',
    });
    input.addEventListener('input', () => { input.dataset.editing = 'true'; });
    input.addEventListener('blur', () => { delete input.dataset.editing; });
    input.addEventListener('change', async () => {
      delete input.dataset.editing;
      const v = Number(input.value);
      if (!Number.isInteger(v) || v < 0 || v > most) {
        toast(t('host.number_range', { most }));
        input.value = String((state.settings || {})[name] || 0);
        return;
      }
      if (await send({ type: 'room_set', [name]: v })) announce(t('host.saved'));
      else input.value = String((state.settings || {})[name] || 0);
    });
    form.appendChild(el('div', { class: 'field' },
      el('label', { class: 'label', for: id }, t(label)), input,
      el('p', { class: 'hint', id: id + '-hint' }, t(hint))));
  }
}

// ---------- live statistics ----------

let statsTimer = 0;
let statsBusy = false;
/** rotating: a key rotation is under way (rotateKey); no statistics request starts meanwhile. */
let rotating = false;

function statsVisible() {
  if (document.visibilityState !== 'visible' || $('#console').hidden || isCollapsed('stats')) return false;
  const panel = $('#panel-room');
  return getComputedStyle(panel).display !== 'none';
}

async function refreshStats() {
  if (statsBusy || rotating || !statsVisible() || !conn) return;
  statsBusy = true;
  const body = $('#stats-body');
  try {
    const key = currentKey();
    const res = await fetch('/api/rooms/' + encodeURIComponent(code) + '/stats', { headers: { Authorization: 'Bearer ' + key }, cache: 'no-store' });
    if (res.status === 404 || res.status === 405) {
      renderStatsUnavailable(body);
      return;
    }
    if (!res.ok) throw new Error(String(res.status));
    const s = await res.json();
    renderStats(body, s);
    setText($('#stats-updated'), t('host.updated_at', { time: formatTime(Date.now()) }));
  } catch {
    setText($('#stats-updated'), t('host.stats_failed'));
  } finally {
    statsBusy = false;
  }
}

function renderStatsUnavailable(body) {
  if (body.dataset.state === 'unavailable') return;
  body.dataset.state = 'unavailable';
  clear(body).appendChild(el('p', { class: 'notice notice-info small', 'data-testid': 'stats-unavailable' }, t('host.stats_unavailable')));
}

function stat(label, value, testid) {
  return el('div', { class: 'stat', 'data-testid': testid },
    el('span', { class: 'stat-value' }, value), el('span', { class: 'stat-label' }, label));
}

function renderStats(body, s) {
  body.dataset.state = 'ok';
  const p = s.participants || {};
  const i = s.interactions || {};
  const q = s.questions || {};
  clear(body).appendChild(el('div', { class: 'stats-grid' },
    stat(t('host.st_connected'), formatNumber(p.connected || 0), 'stat-connected'),
    stat(t('host.st_peak'), formatNumber(p.peak_connected || 0), 'stat-peak'),
    stat(t('host.st_unique'), formatNumber(p.unique || 0), 'stat-unique'),
    stat(t('host.st_active'), formatNumber(p.active || 0) + ' · ' + percent(p.active || 0, p.unique || 0) + '%', 'stat-active'),
    stat(t('host.st_questions'), formatNumber(q.asked || 0), 'stat-questions'),
    stat(t('host.st_interactions'), formatNumber(i.total || 0), 'stat-interactions')));
}

function currentKey() {
  try { return localStorage.getItem(keyStorage) || (conn && conn.token) || ''; } catch { return (conn && conn.token) || ''; }
}

function scheduleStats() {
  clearInterval(statsTimer);
  statsTimer = setInterval(refreshStats, STATS_REFRESH_MS);
  refreshStats();
}
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') refreshStats(); });

// ---------- exports ----------

async function download(format) {
  const button = $('#export-' + format);
  button.disabled = true;
  try {
    const res = await fetch('/api/rooms/' + encodeURIComponent(code) + '/export?format=' + format, {
      headers: { Authorization: 'Bearer ' + currentKey() }, cache: 'no-store',
    });
    if (!res.ok) {
      let err = { code: 'unknown' };
      try { err = await res.json(); } catch { /* not JSON */ }
      throw err;
    }
    const blob = await res.blob();
    const disposition = res.headers.get('Content-Disposition') || '';
    const match = /filename="([^"]+)"/.exec(disposition);
    const name = match ? match[1] : 'hubbub-' + code + '.' + format;
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: name, hidden: true });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    announce(t('host.downloaded', { name }));
  } catch (err) {
    toast(errorMessage(err));
  } finally {
    button.disabled = false;
  }
}
setupRoomCopy(code, currentKey);
$('#export-json').addEventListener('click', () => download('json'));
$('#export-csv').addEventListener('click', () => download('csv'));

// ---------- tabs (narrow screens) ----------

function selectTab(tab, focus) {
  view.tab = tab;
  for (const b of $$('[role="tab"]')) {
    const on = b.dataset.tab === tab;
    b.setAttribute('aria-selected', String(on));
    b.tabIndex = on ? 0 : -1;
    if (on && focus) b.focus();
  }
  document.body.dataset.tab = tab;
  refreshStats();
}
for (const b of $$('[role="tab"]')) {
  b.addEventListener('click', () => selectTab(b.dataset.tab));
  b.addEventListener('keydown', (e) => {
    const tabs = $$('[role="tab"]');
    const i = tabs.indexOf(b);
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
      selectTab(next.dataset.tab, true);
    }
  });
}

// ---------- wiring ----------

function renderAll() {
  view.lang = document.documentElement.lang;
  setText($('#room-code'), code);
  setText($('#share-code'), code);
  setText($('#presence-count'), formatNumber(state.presence));
  renderSettings();
  renderStageSwitch(state, send);
  renderBranding(state, send);
  renderQuestions();
  renderComments();
  renderPolls();
  renderRunOfShow(state, send);
  renderLeaderboardCard();
}

state.on('*', (kind, detail) => {
  switch (kind) {
    case 'reset': view.pendingSeen = Infinity; renderAll(); renderQuestions(true); break;
    case 'room': renderSettings(); renderStageSwitch(state, send); renderBranding(state, send); break;
    case 'questions': renderQuestions(); break;
    case 'comments': renderComments(); break;
    case 'polls': renderPolls(); renderRunOfShow(state, send); renderLeaderboardCard(); break;
    case 'results': renderOneResult(detail.id); break;
    case 'presence': setText($('#presence-count'), formatNumber(state.presence)); break;
    case 'leaderboard': renderLeaderboardCard(); break;
    default: break;
  }
});

/** WIDGET_LINKS are the screen's widgets (?show=) the share card links to, with their names. */
const WIDGET_LINKS = [['poll', 'host.w_poll'], ['question', 'host.w_question'], ['questions', 'host.w_questions'],
  ['leaderboard', 'host.w_leaderboard'], ['podium', 'host.w_podium'], ['code', 'host.w_code'], ['reactions', 'host.w_reactions']];

function init() {
  // Before anything is drawn in them; opened statistics are fetched at once.
  setupSections($('#console'), (name, collapsed) => {
    if (name === 'stats' && !collapsed) refreshStats();
    if (name === 'stage') showStagePreview(!collapsed);
  });
  $('#lang-slot').appendChild(langSwitch());
  applyI18n(document);
  document.body.dataset.tab = view.tab;
  const base = location.origin;
  // The audience address as the server encodes it in the QR code (its -public-url).
  let audience = base + '/r/' + code;
  const showAudience = () => {
    $('#link-audience').href = audience;
    $('#qr').alt = t('host.qr_alt', { url: audience });
  };
  $('#link-screen').href = base + '/screen/' + code;
  // The screen's widgets (screen.js), on a transparent page, for OBS browser sources.
  for (const [show, label] of WIDGET_LINKS) {
    $('#widget-list').appendChild(el('li', {}, el('a', {
      href: base + '/screen/' + code + '?show=' + show + '&bg=transparent', target: '_blank', rel: 'noopener',
      'data-testid': 'widget-link', 'data-i18n': label,
    }, t(label))));
  }
  $('#link-report').href = base + '/report/' + code;
  $('#qr').src = qrPath(code);
  showAudience();
  audienceURL(code).then((url) => { audience = url; showAudience(); });
  $('#copy-audience').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(audience);
      toast(t('host.copied'));
    } catch {
      toast(audience);
    }
  });
  setText($('#room-code'), code);
  setupPollForm((cmd) => conn.send(cmd));
  setupRunOfShow(state, send);
  onLangChange(() => {
    showAudience();
    buildPollForm();
    if ($('#role-badge').textContent) $('#role-badge').textContent = state.role === 'host' ? t('host.role_host') : t('host.role_moderator');
    $('#stats-body').dataset.state = '';
    renderAll();
    refreshStats();
  });
  if (!/^[A-Z2-9]{6}$/.test(code)) {
    $('#stopped').hidden = false;
    setText($('#stopped-text'), t('conn.no_room'));
    return;
  }
  const key = readKey();
  if (!key) showAuth('');
  else start(key);
  setupStagePreview(code, !isCollapsed('stage'));
  scheduleStats();
}

init();
