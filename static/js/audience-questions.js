// audience-questions.js — the Q&A part of the audience page: the name field,
// the ask form, the question list (Top / Recent / Answered), upvotes with
// instant feedback, the pinned question, and the participant's own pending
// questions marked as waiting for approval.
//
// The list does not move under the reader: questions from others that arrive
// while the list is on screen are counted on a "N new questions" button
// (data-testid="new-questions"), and vote changes update counts in place; the
// list is re-sorted when the reader asks (that button, the sort buttons), on
// their own new question, or when the list is off screen. The button sits in
// a band of its own at the foot of the sticky header (#new-questions-slot),
// shown on the Questions tab only: it stays in sight wherever the reader is
// in the list and never covers a question (it floated over the first one).
//
// Test hooks (data-testid): name-input, ask-input, ask-anonymous, ask-submit,
// ask-counter, sort-top, sort-recent, sort-answered, new-questions,
// question-list, question (data-id, data-status, data-mine), upvote
// (aria-pressed), vote-count, pending-badge, answered-badge, answer-text,
// question-delete, pinned, qa-off.

import { el, append, clear, $, announce, toast, keepScroll } from './dom.js';
import { t, addStrings, formatTime, errorMessage } from './i18n.js';
import { newCid } from './client.js';
import { sortQuestions } from './state.js';
import { NAME_KEY, saveName } from './name.js';

/** MAX_QUESTION is the longest question the server accepts, in characters. */
const MAX_QUESTION = 300;

addStrings({
  en: {
    'q.ask_label': 'Your question',
    'q.ask_placeholder': 'Ask the speaker anything…',
    'q.name_label': 'Your name',
    'q.name_placeholder': 'Optional',
    'q.anonymous': 'Ask anonymously',
    'q.anonymous_hint': 'The host and moderators see the question, never who asked it. Only the server knows, to enforce a ban.',
    'q.send': 'Send',
    'q.sending': 'Sending…',
    'q.sent': 'Question sent.',
    'q.sent_pending': 'Question sent. It will appear once a moderator approves it.',
    'q.already_asked': 'That question was already asked.',
    'q.upvote_it': 'Upvote it',
    'q.sort_label': 'Order',
    'q.sort_top': 'Top',
    'q.sort_recent': 'Recent',
    'q.sort_answered': 'Answered',
    'q.new': '{n} new questions',
    'q.new_one': '1 new question',
    'q.reorder': 'Update order',
    'q.empty': 'No questions yet. Be the first to ask!',
    'q.empty_answered': 'No answered questions yet.',
    'q.anonymous_author': 'Anonymous',
    'q.you': 'You',
    'q.pending': 'Waiting for approval',
    'q.hidden': 'Hidden by a moderator',
    'q.answered': 'Answered',
    'q.pinned': 'Now answering',
    'q.answer': 'Answer',
    'q.upvote': 'Upvote',
    'q.upvote_label': 'Upvote “{text}”: {n} votes',
    'q.upvote_label_one': 'Upvote “{text}”: 1 vote',
    'q.delete': 'Delete',
    'q.delete_confirm': 'Delete your question?',
    'q.deleted': 'Question deleted.',
    'q.edit': 'Edit',
    'q.edit_label': 'Edit your question',
    'q.save': 'Save',
    'q.cancel': 'Cancel',
    'q.edited': 'edited',
    'q.saved': 'Question changed.',
    'q.your_answered': 'Your question was answered: “{text}”',
    'q.your_answered_badge': 'Your question was answered',
    'q.qa_off': 'Questions are turned off for now.',
    'q.closed': 'The room is closed; no new questions.',
    'q.too_long': 'At most {max} characters.',
    'q.list_label': 'Questions',
  },
  zh: {
    'q.ask_label': '你的问题',
    'q.ask_placeholder': '向讲者提问…',
    'q.name_label': '你的名字',
    'q.name_placeholder': '可不填',
    'q.anonymous': '匿名提问',
    'q.anonymous_hint': '主持人和协管员能看到问题，但看不到是谁问的。只有服务器知道，仅用于执行封禁。',
    'q.send': '发送',
    'q.sending': '正在发送…',
    'q.sent': '问题已发送。',
    'q.sent_pending': '问题已发送，协管员批准后将显示。',
    'q.already_asked': '这个问题已经有人问过了。',
    'q.upvote_it': '为它点赞',
    'q.sort_label': '排序',
    'q.sort_top': '热门',
    'q.sort_recent': '最新',
    'q.sort_answered': '已回答',
    'q.new': '{n} 个新问题',
    'q.reorder': '更新排序',
    'q.empty': '还没有问题，来提第一个吧！',
    'q.empty_answered': '还没有已回答的问题。',
    'q.anonymous_author': '匿名',
    'q.you': '我',
    'q.pending': '等待审核',
    'q.hidden': '已被协管员隐藏',
    'q.answered': '已回答',
    'q.pinned': '正在回答',
    'q.answer': '回答',
    'q.upvote': '点赞',
    'q.upvote_label': '为“{text}”点赞：{n} 票',
    'q.delete': '删除',
    'q.delete_confirm': '删除你的问题？',
    'q.deleted': '问题已删除。',
    'q.edit': '编辑',
    'q.edit_label': '编辑你的问题',
    'q.save': '保存',
    'q.cancel': '取消',
    'q.edited': '已编辑',
    'q.saved': '问题已修改。',
    'q.your_answered': '你的问题已回答：“{text}”',
    'q.your_answered_badge': '你的问题已回答',
    'q.qa_off': '提问功能暂时关闭。',
    'q.closed': '房间已关闭，不能再提问。',
    'q.too_long': '最多 {max} 个字符。',
    'q.list_label': '问题列表',
  },
});

/**
 * mountQuestions builds the Q&A panel inside panel and keeps it current.
 * Returns {render, shown} for the page.
 */
export function mountQuestions({ conn, room }, panel) {
  let mode = 'top';
  let order = []; // ids in display order
  const nodes = new Map(); // id → <li>
  const waiting = new Set(); // ids from others not yet shown
  const editing = new Map(); // id of the author's question being edited → the text so far
  const statusSeen = new Map(); // id → the status last seen, to tell the author of an answer once
  let stale = false; // counts changed the top order since the last sort
  let justAsked = null;
  let cid = null; // kept until the question is acknowledged, so a resend never duplicates

  // --- ask form ---
  const nameInput = el('input', { id: 'name-input', class: 'input input-small', 'data-testid': 'name-input', maxlength: 40,
    autocomplete: 'nickname', value: conn.name || '' });
  const textarea = el('textarea', { id: 'ask-input', class: 'textarea', 'data-testid': 'ask-input', rows: 3,
    maxlength: MAX_QUESTION + 50, 'aria-describedby': 'ask-counter' });
  const counter = el('span', { id: 'ask-counter', class: 'counter', 'data-testid': 'ask-counter', 'aria-live': 'off' });
  const anonymous = el('input', { type: 'checkbox', id: 'ask-anonymous', 'data-testid': 'ask-anonymous', 'aria-describedby': 'anon-hint' });
  const anonHint = el('p', { id: 'anon-hint', class: 'hint small muted', 'data-testid': 'anon-hint' });
  const submit = el('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'ask-submit' });
  const nameLabel = el('label', { for: 'name-input', class: 'label' });
  const askLabel = el('label', { for: 'ask-input', class: 'sr-only' });
  const anonLabel = el('span');
  const formNotice = el('p', { class: 'notice notice-info', 'data-testid': 'qa-off', hidden: true });
  const form = el('form', { class: 'card ask-card', novalidate: true },
    askLabel, textarea,
    el('div', { class: 'ask-row' },
      el('div', { class: 'name-field' }, nameLabel, nameInput),
      counter),
    el('div', { class: 'ask-row' },
      el('label', { class: 'check' }, anonymous, anonLabel),
      el('span', { class: 'spacer' }),
      submit),
    anonHint);

  // --- list toolbar ---
  const sortButtons = ['top', 'recent', 'answered'].map((m) => el('button', {
    type: 'button', 'data-testid': 'sort-' + m, 'aria-pressed': String(m === mode),
    onclick: () => { mode = m; for (const b of sortButtons) b.setAttribute('aria-pressed', String(b.dataset.testid === 'sort-' + m)); resort(); },
  }));
  const sortGroup = el('div', { class: 'segmented', role: 'group' }, sortButtons);
  const newButton = el('button', { type: 'button', class: 'btn btn-primary btn-small btn-pill new-pill', 'data-testid': 'new-questions', hidden: true,
    onclick: () => { resort(); list.focus({ preventScroll: true }); scrollToList(); } });
  const newRegion = el('div', { class: 'new-pill-wrap' }, newButton); // announced by announce(), once
  const list = el('ol', { class: 'plain question-list', 'data-testid': 'question-list', tabindex: '-1' });
  const empty = el('p', { class: 'empty', hidden: true });

  clear(panel).append(formNotice, form, el('div', { class: 'list-toolbar' }, sortGroup), list, empty);
  const slot = document.getElementById('new-questions-slot');
  if (slot) clear(slot).append(newRegion); else list.before(newRegion);

  nameInput.addEventListener('change', () => {
    const name = saveName(nameInput.value);
    nameInput.value = name;
    if (name !== conn.name) { conn.setName(name); conn.reconnect(); }
  });
  window.addEventListener('storage', (e) => { if (e.key === NAME_KEY) nameInput.value = e.newValue || ''; });
  textarea.addEventListener('input', () => { cid = null; updateCounter(); });
  textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = textarea.value.trim();
    if (!text) { textarea.focus(); return; }
    if ([...text].length > MAX_QUESTION) { toast(t('q.too_long', { max: MAX_QUESTION })); return; }
    if (!cid) cid = newCid();
    submit.disabled = true;
    submit.textContent = t('q.sending');
    try {
      const ack = await conn.send({ type: 'ask', text, anonymous: anonymous.checked, cid });
      cid = null;
      textarea.value = '';
      updateCounter();
      justAsked = ack.question || null;
      const q = justAsked && room.questions.get(justAsked);
      toast((q ? q.status === 'pending' : room.settings.moderation) ? t('q.sent_pending') : t('q.sent'));
      if (q) showJustAsked();
    } catch (err) {
      if (err.code === 'conflict' && err.question) {
        cid = null;
        const existing = err.question;
        toast(t('q.already_asked'), room.questions.has(existing) && !room.upvoted.has(existing)
          ? { label: t('q.upvote_it'), run: () => upvote(existing, true) } : undefined);
      } else {
        toast(errorMessage(err));
      }
    } finally {
      submit.disabled = false;
      submit.textContent = t('q.send');
    }
  });

  function updateCounter() {
    const n = [...textarea.value.trim()].length;
    counter.textContent = n ? `${n}/${MAX_QUESTION}` : '';
    counter.classList.toggle('over', n > MAX_QUESTION);
  }

  async function upvote(id, up) {
    try {
      await room.upvote(conn, id, up);
    } catch (err) {
      toast(errorMessage(err));
    }
  }

  // --- which questions the list shows ---
  function belongs(q) {
    if (mode === 'answered') return q.status === 'answered';
    if (q.status === 'live') return true;
    return room.isMine(q) && (q.status === 'pending' || q.status === 'hidden');
  }

  function computeOrder() {
    const items = room.questionList().filter(belongs);
    return sortQuestions(items, mode === 'answered' ? 'recent' : mode).map((q) => q.id);
  }

  /** resort shows the current questions in order, including the ones waiting. */
  function resort() {
    order = computeOrder();
    waiting.clear();
    stale = false;
    const wanted = new Set(order);
    for (const [id, node] of nodes) if (!wanted.has(id)) { node.remove(); nodes.delete(id); }
    // Moving a node out of the document and back takes the focus from it.
    const focused = list.contains(document.activeElement) ? document.activeElement : null;
    for (const id of order) {
      let node = nodes.get(id);
      if (!node) { node = el('li', { class: 'question', 'data-testid': 'question', 'data-id': id }); nodes.set(id, node); fill(node, room.questions.get(id)); }
      list.appendChild(node); // moves it to the end, in order
    }
    if (focused && focused.isConnected && document.activeElement !== focused) focused.focus({ preventScroll: true });
    renderChrome();
  }

  function listOnScreen() {
    if (panel.hidden || document.hidden) return false;
    const rect = list.getBoundingClientRect();
    return rect.top < window.innerHeight && rect.bottom > 0;
  }

  function scrollToList() {
    const y = list.getBoundingClientRect().top + window.scrollY - 120;
    if (window.scrollY > y) window.scrollTo({ top: Math.max(0, y) });
  }

  function showJustAsked() {
    const id = justAsked;
    justAsked = null;
    if (mode === 'answered') { mode = 'recent'; for (const b of sortButtons) b.setAttribute('aria-pressed', String(b.dataset.testid === 'sort-recent')); }
    resort();
    const node = nodes.get(id);
    if (node) {
      node.classList.add('flash');
      node.scrollIntoView({ block: 'nearest' });
    }
  }

  function renderChrome() {
    const n = waiting.size;
    newButton.hidden = (n === 0 && !stale) || panel.hidden;
    newButton.textContent = n ? '↑ ' + t('q.new', { n }) : '↻ ' + t('q.reorder');
    empty.hidden = order.length > 0;
    empty.textContent = mode === 'answered' ? t('q.empty_answered') : t('q.empty');
    const visible = room.questionList().filter((q) => q.status === 'live' || q.status === 'answered').length;
    $('#count-questions').textContent = visible ? String(visible) : '';
    const s = room.settings;
    const off = s.qa === false;
    const closed = Boolean(s.closed);
    formNotice.hidden = !(off || closed);
    formNotice.textContent = closed ? t('q.closed') : off ? t('q.qa_off') : '';
    form.hidden = off || closed;
  }

  // --- one question ---
  /** shortText is the start of a question, to name the controls that act on it. */
  function shortText(text) {
    const s = String(text || '');
    return s.length > 80 ? s.slice(0, 79) + '…' : s;
  }

  /** fill rebuilds a question's node; a focused control in it keeps the focus. */
  function fill(node, q) {
    if (!q) return;
    const focused = node.contains(document.activeElement) ? document.activeElement.dataset.testid : '';
    fillNode(node, q);
    if (focused) {
      const again = node.querySelector(`[data-testid="${focused}"]`);
      if (again) again.focus({ preventScroll: true });
    }
  }

  function fillNode(node, q) {
    const mine = room.isMine(q);
    const upvoted = room.upvoted.has(q.id);
    const canVote = q.status === 'live' || q.status === 'answered';
    node.dataset.status = q.status;
    node.dataset.mine = String(mine);
    node.classList.toggle('is-answered', q.status === 'answered');
    node.classList.toggle('is-pending', q.status === 'pending' || q.status === 'hidden');
    node.classList.toggle('is-pinned', Boolean(q.pinned));
    const badges = [];
    if (q.pinned) badges.push(el('span', { class: 'badge badge-accent' }, t('q.pinned')));
    if (q.status === 'answered') badges.push(el('span', { class: 'badge badge-success', 'data-testid': 'answered-badge' }, '✓ ' + (mine ? t('q.your_answered_badge') : t('q.answered'))));
    if (q.edited) badges.push(el('span', { class: 'badge', 'data-testid': 'edited-badge' }, t('q.edited')));
    if (mine && q.status === 'pending') badges.push(el('span', { class: 'badge badge-warning', 'data-testid': 'pending-badge' }, '⏳ ' + t('q.pending')));
    if (mine && q.status === 'hidden') badges.push(el('span', { class: 'badge badge-danger', 'data-testid': 'pending-badge' }, t('q.hidden')));
    const author = q.author || t('q.anonymous_author');
    append(clear(node), [
      el('button', {
        type: 'button', class: 'upvote' + (upvoted ? ' is-on' : ''), 'data-testid': 'upvote', 'aria-pressed': String(upvoted),
        'aria-label': t('q.upvote_label', { n: q.votes, text: shortText(q.text) }), disabled: !canVote,
        onclick: (e) => { bump(e.currentTarget); upvote(q.id, !room.upvoted.has(q.id)); },
      }, el('span', { class: 'arrow', 'aria-hidden': 'true' }, '▲'), el('span', { class: 'count', 'data-testid': 'vote-count', 'aria-hidden': 'true' }, String(q.votes))),
      el('div', { class: 'q-body' },
        editing.has(q.id) ? editor(q) : el('p', { class: 'q-text' }, q.text),
        el('div', { class: 'q-meta' },
          el('span', { class: 'q-author' + (q.author ? '' : ' is-anon') }, mine ? `${author} (${t('q.you')})` : author),
          el('span', { 'aria-hidden': 'true' }, '·'),
          el('time', { datetime: new Date(q.at).toISOString() }, formatTime(q.at)),
          badges),
        q.answer ? el('div', { class: 'q-answer', 'data-testid': 'answer-text' }, el('strong', {}, t('q.answer') + ': '), q.answer) : null,
        // While nobody has upvoted it, its author may change or take it back.
        mine && editable(q) && !editing.has(q.id) ? el('div', { class: 'q-own' },
          el('button', { type: 'button', class: 'btn btn-ghost btn-small', 'data-testid': 'question-edit',
            'aria-label': t('q.edit_label'), onclick: () => { editing.set(q.id, q.text); fill(node, q); node.querySelector('[data-testid="question-edit-text"]')?.focus(); } }, t('q.edit')),
          el('button', { type: 'button', class: 'btn btn-ghost btn-small q-delete', 'data-testid': 'question-delete',
            onclick: () => removeOwn(q.id) }, t('q.delete'))) : null),
    ]);
  }

  /** editable: the author may still edit or delete q: nobody upvoted it, not answered. */
  function editable(q) {
    return (q.votes || 0) === 0 && q.status !== 'answered';
  }

  /** editor is the inline form that changes the text of the author's question q. */
  function editor(q) {
    const area = el('textarea', { class: 'input q-edit-text', 'data-testid': 'question-edit-text', rows: 3, maxlength: MAX_QUESTION * 2, 'aria-label': t('q.edit_label') });
    area.textContent = editing.get(q.id); // the default value: the text so far
    area.addEventListener('input', () => editing.set(q.id, area.value));
    const close = () => { editing.delete(q.id); const node = nodes.get(q.id); if (node) { fill(node, room.questions.get(q.id)); node.querySelector('[data-testid="question-edit"]')?.focus(); } };
    const form = el('form', { class: 'q-edit', 'data-testid': 'question-edit-form' }, area,
      el('div', { class: 'row' },
        el('button', { type: 'submit', class: 'btn btn-primary btn-small', 'data-testid': 'question-edit-save' }, t('q.save')),
        el('button', { type: 'button', class: 'btn btn-ghost btn-small', 'data-testid': 'question-edit-cancel', onclick: close }, t('q.cancel'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = area.value.trim();
      if (!text) return;
      if ([...text].length > MAX_QUESTION) { toast(t('q.too_long', { max: MAX_QUESTION })); return; }
      try {
        await conn.send({ type: 'question_edit', question: q.id, text });
        toast(t('q.saved'));
        close();
      } catch (err) {
        toast(errorMessage(err));
      }
    });
    return form;
  }

  function bump(button) {
    button.classList.remove('bump');
    void button.offsetWidth; // restart the animation
    button.classList.add('bump');
  }

  async function removeOwn(id) {
    if (!window.confirm(t('q.delete_confirm'))) return;
    try {
      await conn.send({ type: 'question_delete', question: id });
      toast(t('q.deleted'));
    } catch (err) {
      toast(errorMessage(err));
    }
  }

  // --- the pinned question, above everything ---
  const pinnedBox = $('#pinned');
  function renderPinned() {
    const q = room.pinned();
    pinnedBox.hidden = !q;
    clear(pinnedBox);
    if (!q) return;
    append(pinnedBox, [
      el('p', { class: 'pinned-label', id: 'pinned-label' }, el('span', { class: 'live-dot', 'aria-hidden': 'true' }), t('q.pinned')),
      el('p', { class: 'pinned-text', 'data-testid': 'pinned-text' }, q.text),
      el('p', { class: 'pinned-meta' }, (q.author || t('q.anonymous_author')) + ' · ▲ ' + q.votes),
      q.answer ? el('p', { class: 'q-answer' }, el('strong', {}, t('q.answer') + ': '), q.answer) : null,
    ]);
  }

  /** tellAnswered tells the author, once, that their question q was answered. */
  function tellAnswered(q) {
    const was = statusSeen.get(q.id);
    statusSeen.set(q.id, q.status);
    if (was && was !== 'answered' && q.status === 'answered' && room.isMine(q)) toast(t('q.your_answered', { text: shortText(q.text) }));
  }

  // --- state changes ---
  function onQuestion(detail) {
    if (detail.ids) { // counts
      for (const id of detail.ids) { const node = nodes.get(id); if (node) fill(node, room.questions.get(id)); }
      if (mode === 'top' && !orderIsSorted()) { if (listOnScreen()) stale = true; else resort(); }
      renderPinned();
      renderChrome();
      return;
    }
    const { id } = detail;
    const q = room.questions.get(id);
    if (q) tellAnswered(q);
    renderPinned();
    if (!q || detail.removed) {
      waiting.delete(id);
      const node = nodes.get(id);
      if (node) keepScroll(list, () => { node.remove(); nodes.delete(id); order = order.filter((x) => x !== id); });
      renderChrome();
      return;
    }
    const node = nodes.get(id);
    if (node) {
      fill(node, q); // a changed question stays where it is until the next sort
    } else if (belongs(q)) {
      if (id === justAsked || order.length === 0 || !listOnScreen()) {
        if (id === justAsked) showJustAsked(); else resort();
      } else if (!waiting.has(id)) {
        waiting.add(id);
        announce(t('q.new', { n: waiting.size }));
      }
    }
    renderChrome();
  }

  function orderIsSorted() {
    const sorted = computeOrder();
    return sorted.length === order.length && sorted.every((id, i) => id === order[i]);
  }

  room.on('reset', () => { resort(); renderPinned(); });
  room.on('questions', (kind, detail) => onQuestion(detail));
  room.on('you', () => { for (const id of order) { const node = nodes.get(id); if (node) fill(node, room.questions.get(id)); } });
  room.on('room', () => renderChrome());
  document.addEventListener('visibilitychange', () => { if (!document.hidden && (waiting.size || stale) && !listOnScreen()) resort(); });

  function render() {
    nameLabel.textContent = t('q.name_label');
    nameInput.placeholder = t('q.name_placeholder');
    askLabel.textContent = t('q.ask_label');
    textarea.placeholder = t('q.ask_placeholder');
    anonLabel.textContent = t('q.anonymous');
    anonHint.textContent = t('q.anonymous_hint');
    submit.textContent = t('q.send');
    sortGroup.setAttribute('aria-label', t('q.sort_label'));
    list.setAttribute('aria-label', t('q.list_label'));
    for (const b of sortButtons) b.textContent = t('q.sort_' + b.dataset.testid.slice(5));
    for (const q of room.questionList()) if (!statusSeen.has(q.id)) statusSeen.set(q.id, q.status);
    for (const id of order) fill(nodes.get(id), room.questions.get(id));
    renderPinned();
    renderChrome();
  }
  render();

  return {
    render,
    shown(tabId) { if (tabId === 'tab-questions' && (waiting.size || stale)) resort(); else renderChrome(); },
  };
}
