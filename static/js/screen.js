// screen.js — the projector screen /screen/CODE: join code and QR code,
// the pinned question, the top questions, the poll on stage with its live
// chart or word cloud, the quiz leaderboard, and floating reactions.
//
// Who it connects as: by default as an ordinary audience member, with no
// key. The screen is public — it may run on a shared laptop in the hall — so
// it must never hold the host's key, and it shows exactly what the audience
// may see: a poll's results appear when the host reveals them, which keeps
// the reveal a deliberate act. A host who wants live tallies on the screen
// before revealing opens /screen/CODE#key=<host or moderator key>; the key
// stays in the address of that window only (never stored), and even then
// the screen shows no pending or hidden question and no draft poll, and a
// quiz's correct answer only once the quiz is closed and revealed.
//
// What is on stage: the poll or question the host touched last. A poll
// takes the stage when it opens, closes or is revealed (while it is open or
// revealed); pinning a question brings the stage back to the questions; a
// poll that is deleted, or closed with its results hidden, leaves it.
//
// Widgets: /screen/CODE?show=WHAT shows one stage element alone, for an
// OBS browser source or a livestream overlay: poll (the poll on stage, its
// chart or word cloud), question (the pinned question), questions (the top
// questions), leaderboard (every ranked player, in rows), podium (the first
// three), code (the join address, code and QR code), reactions (the emoji
// rising over the whole widget). &bg=transparent drops the page's
// background, so the stream shows through around the element. The element
// fills the widget's viewport and is fitted to it as on the stage. A widget
// keeps its element: a pin does not take a poll widget back to questions,
// and a poll widget does not turn into the leaderboard. A widget shows no
// offline banner (the stream's viewers would read it); it resumes by
// itself. The key still goes in the fragment (…?show=poll#key=…).
//
// Stage control: the room's `stage` setting (room_set by the host, in every
// `room` event) holds one element on the whole stage of every screen
// without ?show=, drawn as its widget: question (the pinned question, the
// top questions while none is pinned), poll (the poll on stage, the
// questions while there is none), leaderboard, podium, code, or blank
// (nothing). auto (or no setting) is the stage as described above. The
// screen keeps following polls and pins underneath, so going back to auto
// shows what auto would show. A staged screen still shows its offline
// banner. body[data-stage] says what is on stage (auto or the widget).
//
// Test hooks (data-testid): join-code, qr, presence, pinned, poll,
// results-chart, question-list, question, leaderboard, widget-leaderboard,
// offline-banner, room-title, lang-switch.

import { el, $, clear, setText, prefersReducedMotion, roomCodeFromPath } from './dom.js';
import { t, addStrings, applyI18n, langSwitch, onLangChange, closeMessage, formatNumber } from './i18n.js';
import { Connection } from './client.js';
import { RoomState, sortQuestions, REACTION_KINDS } from './state.js';
import { renderResults, renderLeaderboard, kindLabel } from './charts.js';
import { qrPath, audienceURL, withoutScheme } from './qr.js';

/** TOP_QUESTIONS is how many questions the stage lists (besides the pinned one). */
const TOP_QUESTIONS = 5;
/** MAX_FLOATERS bounds the reaction emoji in flight at once in their lane. */
const MAX_FLOATERS = 14;
/** FLOATERS_PER_KIND bounds the emoji one reactions event sends up per kind; past half of MAX_FLOATERS in flight, one per event. */
const FLOATERS_PER_KIND = 3;
/** FIT_MIN is the smallest scale (--fit) stage content is shrunk to; past it, trailing items are left out. */
const FIT_MIN = 0.5;
/** LB_AFTER_MS: a revealed quiz shows its answer this long before the leaderboard takes the stage. */
const LB_AFTER_MS = 6000;
/** FLOAT_MS is how long one emoji takes to rise. */
const FLOAT_MS = 4200;

const EMOJI = { like: '👍', love: '❤️', clap: '👏', laugh: '😂', wow: '😮' };

addStrings({
  en: {
    'screen.doc_title': 'hubbub — screen',
    'screen.closed': 'Room closed',
    'screen.top_questions': 'Top questions',
    'screen.ask_now': 'Ask your questions now',
    'screen.ask_how': 'Scan the code or open the address on the right. Upvote the questions you want answered.',
    'screen.how_to_join': 'How to join',
    'screen.join_at': 'Join at',
    'screen.with_code': 'with the code',
    'screen.here': 'here',
    'screen.reactions': 'Reactions',
    'screen.pinned': 'Now answering',
    'screen.votes': '{n} votes',
    'screen.votes_one': '1 vote',
    'screen.anonymous': 'Anonymous',
    'screen.vote_now': 'Vote now',
    'screen.voting_closed': 'Voting closed',
    'screen.next_in': 'Next question in {s} s',
    'screen.results_hidden': 'Results will appear here when the host reveals them.',
    'screen.answered': 'Answered',
    'screen.qr_alt': 'QR code for {url}',
    'screen.answer_prompt': 'Answer on your phone: scan the code',
  },
  zh: {
    'screen.doc_title': 'hubbub — 大屏幕',
    'screen.closed': '房间已关闭',
    'screen.top_questions': '热门问题',
    'screen.ask_now': '现在就来提问吧',
    'screen.ask_how': '扫描右侧二维码或打开网址，为你想听到回答的问题点赞。',
    'screen.how_to_join': '如何加入',
    'screen.join_at': '打开',
    'screen.with_code': '输入房间号',
    'screen.here': '人在线',
    'screen.reactions': '表情互动',
    'screen.pinned': '正在回答',
    'screen.votes': '{n} 赞',
    'screen.votes_one': '1 赞',
    'screen.anonymous': '匿名',
    'screen.vote_now': '立即投票',
    'screen.voting_closed': '投票已结束',
    'screen.next_in': '{s} 秒后下一题',
    'screen.results_hidden': '主持人公布后，结果将显示在这里。',
    'screen.answered': '已回答',
    'screen.qr_alt': '{url} 的二维码',
    'screen.answer_prompt': '用手机扫码作答',
  },
});

/** WIDGETS are the stage elements ?show= may name, and the element each one shows. */
const WIDGETS = {
  poll: '#poll-view', question: '#pinned', questions: '#qa-view', leaderboard: '#widget-lb',
  podium: '#widget-lb', code: '.rail', reactions: '#floaters',
};
/** STAGED are the values of the room's stage setting that hold one element on stage (blank: none). */
const STAGED = new Set(['question', 'poll', 'leaderboard', 'podium', 'code', 'blank']);
const query = new URLSearchParams(location.search);
/** urlWidget is the element this page shows alone by ?show= (a key of WIDGETS), or '' for the whole stage. */
const urlWidget = Object.hasOwn(WIDGETS, query.get('show') || '') ? query.get('show') : '';
/** widget is the element shown alone now: urlWidget, else what the room's stage setting puts on stage (or 'blank'), else ''. */
let widget = urlWidget;
/** transparent: no page background (?bg=transparent), for compositing over video. */
const transparent = query.get('bg') === 'transparent';
/** followsPolls: the stage may turn to a poll (the whole stage, also when staged, and the poll widget). */
const followsPolls = !urlWidget || urlWidget === 'poll';

const code = roomCodeFromPath();
const state = new RoomState();
/** stage is what the stage shows: {poll: id} or {questions: true}. */
let stage = { questions: true };
let everOnline = false;
let timer = 0;
/** lastPinnedId is the pinned question last seen, to notice a new pin. */
let lastPinnedId = '';
/** lbStage: the quiz whose leaderboard has the stage (after its answer was shown), and the timer that gives it. */
let lbStage = { poll: '', timer: 0 };

/**
 * staffKeyFromFragment reads the key from the address fragment and takes it
 * out of the address bar at once, so that nobody reads it off the projector
 * or the shared laptop's history. The connection keeps it in memory only: a
 * reload shows the audience view until the console opens the screen again.
 */
function staffKeyFromFragment() {
  const key = new URLSearchParams(location.hash.replace(/^#/, '')).get('key');
  if (key !== null) history.replaceState(null, '', location.pathname + location.search);
  return key ? key.trim() : '';
}

/** visibleQuestion: only what the audience sees, even on a screen opened with a key. */
function visibleQuestion(q) {
  return q.status === 'live' || q.status === 'answered';
}

/** stageable reports whether poll p may be on stage: open, or revealed and not a draft. */
function stageable(p) {
  return Boolean(p) && (p.state === 'open' || (p.reveal && p.state !== 'draft'));
}

function pickInitialStage() {
  const open = followsPolls ? state.pollList().filter((p) => p.state === 'open') : [];
  stage = open.length ? { poll: open[open.length - 1].id } : { questions: true };
}

/**
 * stagedWidget is the widget the room's stage setting puts on this screen:
 * urlWidget on a ?show= page whatever the setting; '' for auto.
 */
function stagedWidget() {
  if (urlWidget) return urlWidget;
  const choice = (state.settings && state.settings.stage) || 'auto';
  if (!STAGED.has(choice)) return '';
  if (choice === 'question') {
    const q = state.pinned();
    return q && visibleQuestion(q) ? 'question' : 'questions';
  }
  if (choice === 'poll') {
    if (!(stage.poll && stageable(state.polls.get(stage.poll)))) {
      const ready = state.pollList().filter(stageable);
      const open = ready.filter((p) => p.state === 'open');
      const pick = open.length ? open[open.length - 1] : ready[ready.length - 1];
      if (pick) stage = { poll: pick.id };
    }
    return stage.poll ? 'poll' : 'questions';
  }
  return choice;
}

/**
 * setWidget shows next alone ('' for the whole stage): body.widget and
 * widget-NEXT (staged too when it comes from the room's setting), and
 * .widget-target on its element and the blocks around it, which
 * screen.css keeps while it hides everything else. Reports a change.
 */
function setWidget(next) {
  if (document.body.dataset.stage === (next || 'auto')) return false;
  document.body.classList.remove('widget', 'staged', 'widget-' + widget);
  for (const n of document.querySelectorAll('.widget-target')) n.classList.remove('widget-target');
  widget = next;
  document.body.dataset.stage = widget || 'auto';
  if (!widget) return true;
  document.body.classList.add('widget', 'widget-' + widget);
  if (!urlWidget) document.body.classList.add('staged');
  for (let n = WIDGETS[widget] ? $(WIDGETS[widget]) : null; n && n !== document.body; n = n.parentElement) n.classList.add('widget-target');
  return true;
}

/** restage follows the room's stage setting: a new element on stage is drawn and fitted afresh. */
function restage() {
  if (!setWidget(stagedWidget())) return;
  $('#poll-view').dataset.sig = '';
  $('#widget-lb').dataset.sig = '';
  renderStage();
  requestAnimationFrame(() => fitStage());
}

// ---------- fitting the stage ----------

/**
 * overflows reports whether box's content is taller or wider than box.
 * scrollHeight is rounded to whole pixels, so the content's own boxes (two
 * levels down: the lists and their rows) are also measured: a row that
 * spills by a pixel and a half is cut off on the projector too.
 */
function overflows(box) {
  if (box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1) return true;
  const b = box.getBoundingClientRect();
  for (const e of box.querySelectorAll(':scope > *, :scope > * > *')) {
    const r = e.getBoundingClientRect();
    if (r.height && (r.bottom > b.bottom + 0.5 || r.right > b.right + 0.5)) return true;
  }
  return false;
}

/**
 * fit scales box's content (the --fit variable its CSS multiplies sizes
 * by) to the largest value from 1 down to FIT_MIN at which nothing
 * overflows, and when even FIT_MIN overflows, hides the last items of the
 * list trim (a selector inside box) until the rest fits. force: measure
 * again even when the content fits at its current scale (new content, new
 * window size); otherwise only an overflow is corrected.
 */
function fit(box, trim, force = true) {
  if (!box || box.hidden || !box.isConnected) return;
  if (!force && !overflows(box)) return;
  // A poll's title shrinks with its chart (a little), so the chart keeps more room.
  const scaled = box.id === 'poll-chart' ? $('#poll-view') : box;
  const items = trim ? [...box.querySelectorAll(trim)] : [];
  for (const item of items) item.hidden = false;
  scaled.style.setProperty('--fit', '1');
  if (!overflows(box)) return;
  let lo = FIT_MIN;
  let hi = 1;
  for (let i = 0; i < 7; i++) {
    const mid = (lo + hi) / 2;
    scaled.style.setProperty('--fit', mid.toFixed(3));
    if (overflows(box)) hi = mid; else lo = mid;
  }
  scaled.style.setProperty('--fit', lo.toFixed(3));
  for (let n = items.length - 1; n > 0 && overflows(box); n--) items[n].hidden = true;
}

/** fitStage fits whatever the stage shows. */
function fitStage(force = true) {
  fit($('#qa-view'), '.top-q', force);
  fit($('#poll-chart'), '.answer-item, .cloud-word, .option-preview li', force);
  fit($('#poll-lb'), '.podium-row', force);
  fit($('#widget-lb'), '.podium-row', force);
}

// ---------- rendering ----------

function renderRoom() {
  const s = state.settings || {};
  setText($('#room-title'), s.title || '');
  document.title = (s.title ? s.title + ' — ' : '') + 'hubbub';
  $('#closed-badge').hidden = !s.closed;
  renderBranding(s);
}

/**
 * renderBranding dresses the stage in the room's branding: the accent
 * colour (bars, highlights), the light or dark ground, and the logo beside
 * the title and in the join corner.
 */
function renderBranding(s) {
  const body = document.body;
  const accent = /^#[0-9a-f]{6}$/i.test(s.accent || '') ? s.accent : '';
  if (accent) {
    body.style.setProperty('--accent', accent);
    body.style.setProperty('--accent-soft', 'color-mix(in srgb, ' + accent + ' 24%, var(--bg))');
    body.style.setProperty('--accent-soft-ink', 'color-mix(in srgb, ' + accent + ' 45%, var(--text))');
  } else {
    for (const v of ['--accent', '--accent-soft', '--accent-soft-ink']) body.style.removeProperty(v);
  }
  body.classList.toggle('theme-light', s.theme === 'light');
  const logo = /^data:image\/(png|jpeg|webp|gif);base64,/.test(s.logo || '') ? s.logo : '';
  for (const img of [$('#room-logo'), $('#corner-logo')]) {
    if ((img.getAttribute('src') || '') !== logo) {
      if (logo) img.src = logo; else img.removeAttribute('src');
    }
    img.hidden = !logo;
  }
}

function votesText(n) {
  return n === 1 ? t('screen.votes_one') : t('screen.votes', { n: formatNumber(n) });
}

function renderPinned() {
  const q = state.pinned();
  const box = $('#pinned');
  const show = q && visibleQuestion(q);
  box.hidden = !show;
  if (!show) { clear(box); return; }
  const sig = [q.id, q.text, q.author, q.votes, q.answer, q.status, document.documentElement.lang].join('\u0000');
  if (box.dataset.sig === sig) return;
  box.dataset.sig = sig;
  clear(box);
  box.classList.toggle('compact', Boolean(stage.poll) && !widget);
  box.appendChild(el('p', { class: 'pinned-label' }, '📌 ', t('screen.pinned')));
  box.appendChild(el('p', { class: 'pinned-text' }, q.text));
  box.appendChild(el('p', { class: 'pinned-meta' }, (q.author || t('screen.anonymous')) + ' · ' + votesText(q.votes || 0)));
  if (q.answer) box.appendChild(el('p', { class: 'pinned-answer' }, q.answer));
}

function renderQuestions() {
  const pinned = state.pinned();
  const list = sortQuestions(state.questionList().filter((q) => visibleQuestion(q) && q !== pinned && q.status === 'live'), 'top').slice(0, TOP_QUESTIONS);
  const ol = clear($('#top-questions'));
  for (const q of list) {
    ol.appendChild(el('li', { class: 'top-q', 'data-testid': 'question' },
      el('span', { class: 'top-q-votes' }, el('span', { class: 'top-q-n' }, formatNumber(q.votes || 0)), el('span', { class: 'sr-only' }, ' ' + votesText(q.votes || 0))),
      el('span', { class: 'top-q-body' }, el('span', { class: 'top-q-text' }, q.text), el('span', { class: 'top-q-author' }, q.author || t('screen.anonymous')))));
  }
  $('#qa-empty').hidden = list.length > 0 || Boolean(pinned && visibleQuestion(pinned));
  $('#top-questions').hidden = list.length === 0;
  document.querySelector('.qa-view .section-label').hidden = list.length === 0;
  fit($('#qa-view'), '.top-q');
}

function renderPollView() {
  const view = $('#poll-view');
  const p = stage.poll && state.polls.get(stage.poll);
  if (!p) { view.hidden = true; clear(view); delete view.dataset.sig; return; }
  view.hidden = false;
  // A closed room takes no ballot: its open polls say so, not "Vote now".
  const voting = p.state === 'open' && !state.settings.closed;
  const sig = [p.id, p.title, p.kind, p.state, voting, p.reveal, p.closes_at, p.advances_at || 0, (p.options || []).join('\u0000'), document.documentElement.lang].join('|');
  if (view.dataset.sig !== sig) {
    view.dataset.sig = sig;
    clear(view);
    view.appendChild(el('div', { class: 'poll-top' },
      el('span', { class: 'poll-kind' }, kindLabel(p.kind)),
      el('span', { class: 'poll-state ' + (voting ? 'is-open' : '') }, voting ? t('screen.vote_now') : t('screen.voting_closed')),
      el('span', { class: 'poll-countdown mono', id: 'countdown' })));
    view.appendChild(el('h2', { class: 'poll-title' }, p.title));
    view.appendChild(el('div', { class: 'poll-body' }, el('div', { class: 'poll-chart', id: 'poll-chart' }), el('div', { class: 'poll-lb', id: 'poll-lb', hidden: true })));
    setupCountdown(p);
  }
  renderPollChart(p);
  renderPollLeaderboard(p);
}

function renderPollChart(p) {
  const box = $('#poll-chart');
  if (!box) return;
  const results = state.results.get(p.id);
  // A quiz's answer only when the quiz is closed and revealed, even for a staff key.
  const showCorrect = p.kind === 'quiz' && p.state === 'closed' && p.reveal;
  if (!results) {
    if (box.dataset.waiting === '1') return;
    clear(box);
    delete box.dataset.signature;
    box.className = 'poll-chart';
    box.dataset.waiting = '1';
    if (p.options && p.options.length) {
      box.appendChild(el('ol', { class: 'option-preview' }, p.options.map((o, i) => el('li', {}, el('span', { class: 'opt-letter' }, String.fromCharCode(65 + i)), el('span', {}, o)))));
    }
    if (p.state === 'open') box.appendChild(el('p', { class: 'answer-prompt' }, t('screen.answer_prompt'), el('span', { class: 'arrow', 'aria-hidden': 'true' }, ' →')));
    box.appendChild(el('p', { class: 'results-hidden' }, t('screen.results_hidden')));
    fit(box, '.option-preview li');
    return;
  }
  if (box.dataset.waiting === '1') { clear(box); delete box.dataset.waiting; }
  renderResults(box, p, results, { large: true, correct: showCorrect ? p.correct || [] : [] });
  // New content (options, words, answers) is fitted afresh; new counts only when they overflow.
  const fresh = box.dataset.fitted !== box.dataset.signature;
  box.dataset.fitted = box.dataset.signature || '';
  fit(box, '.answer-item, .cloud-word', fresh);
}

/**
 * renderPollLeaderboard: a closed, revealed quiz shows its answer for
 * LB_AFTER_MS, then its leaderboard takes the whole stage (a podium and the
 * next places) until another poll or question does. The key L switches
 * between the two.
 */
function renderPollLeaderboard(p) {
  const box = $('#poll-lb');
  if (!box) return;
  const lb = state.leaderboard;
  // The poll widget keeps the answer: the leaderboard is a widget of its own.
  const ready = !widget && boardReady(p, lb);
  if (!ready) {
    box.hidden = true;
    $('#poll-view').classList.remove('show-lb');
    document.body.classList.remove('lb-stage');
    if (lbStage.poll === p.id) {
      clearTimeout(lbStage.timer);
      lbStage = { poll: '', timer: 0 };
    }
    return;
  }
  box.hidden = false;
  renderPodium(box, lb.room);
  if (lbStage.poll !== p.id) {
    clearTimeout(lbStage.timer);
    lbStage = { poll: p.id, timer: setTimeout(() => showLeaderboard(p.id, true), LB_AFTER_MS) };
  } else if ($('#poll-view').classList.contains('show-lb')) {
    fit(box, '.podium-row');
  }
}

/** boardReady reports whether lb is the leaderboard of quiz p, closed and revealed, with players ranked. */
function boardReady(p, lb) {
  return Boolean(p) && p.kind === 'quiz' && p.state === 'closed' && p.reveal && Boolean(lb) && lb.poll === p.id &&
    Array.isArray(lb.room) && lb.room.length > 0;
}

/**
 * renderWidgetBoard draws the leaderboard and podium widgets: the room's
 * standings after the last quiz closed and revealed, at once (no answer
 * shown first); nothing before.
 */
function renderWidgetBoard() {
  const box = $('#widget-lb');
  if (widget !== 'leaderboard' && widget !== 'podium') {
    if (!box.hidden) { box.hidden = true; clear(box); delete box.dataset.sig; }
    return;
  }
  const lb = state.leaderboard;
  const ready = Boolean(lb) && boardReady(state.polls.get(lb.poll), lb);
  box.hidden = !ready;
  if (!ready) { clear(box); delete box.dataset.sig; return; }
  renderPodium(box, lb.room, widget);
  fit(box, '.podium-row');
}

/** showLeaderboard gives the stage to quiz id's leaderboard (on) or to its answer. */
function showLeaderboard(id, on) {
  const view = $('#poll-view');
  if (stage.poll !== id || $('#poll-lb').hidden) return;
  view.classList.toggle('show-lb', on);
  document.body.classList.toggle('lb-stage', on);
  if (on) fit($('#poll-lb'), '.podium-row'); else fit($('#poll-chart'), '.answer-item, .cloud-word');
}

/**
 * renderPodium draws leaderboard entries ([{rank, name, points}]): the
 * first three on a podium, the next in two columns. mode 'podium' draws the
 * podium alone, 'leaderboard' every entry in rows (the widgets).
 */
function renderPodium(box, entries, mode = '') {
  const list = entries.filter((e) => e && typeof e === 'object');
  const sig = JSON.stringify(list) + document.documentElement.lang + mode;
  if (box.dataset.sig === sig) return;
  box.dataset.sig = sig;
  clear(box);
  if (!box.dataset.testid) box.setAttribute('data-testid', 'leaderboard');
  const name = (e) => String(e.name || '—');
  const points = (e) => t('lb.points', { n: formatNumber(Number(e.points) || 0) });
  box.appendChild(el('h2', { class: 'podium-title' }, t('lb.title')));
  const onPodium = mode === 'leaderboard' ? 0 : 3;
  if (onPodium) box.appendChild(el('ol', { class: 'podium' }, list.slice(0, 3).map((e, i) => el('li', { class: 'podium-place place-' + (i + 1), 'data-testid': 'lb-entry' },
    el('span', { class: 'podium-name' }, name(e)),
    el('span', { class: 'podium-points' }, points(e)),
    el('span', { class: 'podium-block', 'aria-label': t('lb.rank', { n: Number(e.rank) || i + 1 }) }, String(Number(e.rank) || i + 1))))));
  const rest = mode === 'podium' ? [] : list.slice(onPodium);
  if (rest.length) {
    const ol = el('ol', { class: 'podium-rest', start: onPodium + 1 }, rest.map((e, i) => el('li', { class: 'podium-row', 'data-testid': 'lb-entry' },
      el('span', { class: 'podium-rank' }, String(Number(e.rank) || i + onPodium + 1)),
      el('span', { class: 'podium-name' }, name(e)),
      el('span', { class: 'podium-points' }, points(e)))));
    ol.style.setProperty('--rows', String(Math.ceil(rest.length / 2)));
    box.appendChild(ol);
  }
}

function setupCountdown(p) {
  clearInterval(timer);
  const out = $('#countdown');
  if (p.state === 'closed' && p.advances_at > 0) {
    // The run steps on by itself after this quiz: count down to the next question.
    out.dataset.testid = 'next-countdown';
    const next = () => {
      const left = Math.max(0, Math.ceil((p.advances_at - Date.now()) / 1000));
      setText(out, t('screen.next_in', { s: left }));
      if (left <= 0) clearInterval(timer);
    };
    next();
    timer = setInterval(next, 250);
    return;
  }
  if (!(p.state === 'open' && p.closes_at > 0)) return;
  const tick = () => {
    const left = Math.max(0, Math.ceil((p.closes_at - Date.now()) / 1000));
    setText(out, '⏱ ' + Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0'));
    out.classList.toggle('urgent', left <= 5);
    if (left <= 0) clearInterval(timer);
  };
  tick();
  timer = setInterval(tick, 250);
}

function renderStage() {
  const onPoll = Boolean(stage.poll && state.polls.get(stage.poll));
  if (!onPoll) {
    stage = { questions: true };
    document.body.classList.remove('lb-stage');
  }
  // A staged questions list shows even while a poll would have the stage.
  $('#qa-view').hidden = onPoll && widget !== 'questions';
  document.body.classList.toggle('on-poll', onPoll);
  renderPollView();
  $('#pinned').dataset.sig = '';
  renderPinned();
  renderQuestions();
  renderWidgetBoard();
}

function renderReactionTotals() {
  const box = clear($('#reaction-totals'));
  for (const k of REACTION_KINDS) {
    const n = state.reactions[k] || 0;
    if (!n) continue;
    box.appendChild(el('span', { class: 'rt' }, el('span', { 'aria-hidden': 'true' }, EMOJI[k]), el('span', { class: 'sr-only' }, k), ' ', formatNumber(n)));
  }
}

/**
 * float sends a reactions event's delta up the reactions' lane: up to
 * FLOATERS_PER_KIND emoji per kind, one per kind once the lane is half
 * full, none past MAX_FLOATERS (the totals on the rail count them all), and
 * none with reduced motion.
 */
function float(delta) {
  if (prefersReducedMotion() || document.visibilityState !== 'visible') return;
  const layer = $('#floaters');
  for (const [kind, n] of Object.entries(delta || {})) {
    if (!EMOJI[kind]) continue;
    const dense = layer.childElementCount >= MAX_FLOATERS / 2;
    for (let i = 0; i < Math.min(n, dense ? 1 : FLOATERS_PER_KIND); i++) {
      if (layer.childElementCount >= MAX_FLOATERS) return;
      const node = el('span', {
        class: 'floater',
        style: {
          // The reactions widget spreads them over its whole width.
          ...(widget === 'reactions' ? { left: (8 + Math.random() * 84).toFixed(1) + '%' } : {}),
          animationDelay: Math.round(Math.random() * 600) + 'ms',
          animationDuration: Math.round(FLOAT_MS * (0.8 + Math.random() * 0.4)) + 'ms',
          fontSize: (1.8 + Math.random() * 0.8).toFixed(2) + 'rem',
        },
      }, EMOJI[kind]);
      node.style.setProperty('--drift', Math.round(Math.random() * 24 - 12) + 'px');
      node.addEventListener('animationend', () => node.remove());
      layer.appendChild(node);
    }
  }
}

// ---------- events ----------

state.on('*', (kind, detail) => {
  switch (kind) {
    case 'reset': {
      const pinned = state.pinned();
      lastPinnedId = pinned && visibleQuestion(pinned) ? pinned.id : '';
      pickInitialStage();
      renderRoom();
      setWidget(stagedWidget());
      renderStage();
      renderReactionTotals();
      setText($('#presence-count'), formatNumber(state.presence));
      break;
    }
    case 'room': renderRoom(); renderPollView(); restage(); break;
    case 'questions': {
      // A question that becomes pinned takes the stage back from a poll.
      const pinned = state.pinned();
      const pinnedId = pinned && visibleQuestion(pinned) ? pinned.id : '';
      const newlyPinned = pinnedId && pinnedId !== lastPinnedId;
      lastPinnedId = pinnedId;
      if (newlyPinned && stage.poll && widget !== 'poll') { stage = { questions: true }; renderStage(); restage(); break; }
      renderPinned();
      renderQuestions();
      restage();
      break;
    }
    case 'polls': {
      const p = state.polls.get(detail.id);
      if (stageable(p) && followsPolls) stage = { poll: p.id };
      else if (stage.poll === detail.id) stage = { questions: true };
      renderStage();
      restage();
      break;
    }
    case 'results':
      if (stage.poll === detail.id) renderPollChart(state.polls.get(detail.id));
      break;
    case 'leaderboard': {
      const p = stage.poll && state.polls.get(stage.poll);
      if (p) renderPollLeaderboard(p);
      renderWidgetBoard();
      break;
    }
    case 'reactions':
      renderReactionTotals();
      float(detail && detail.delta);
      break;
    case 'presence': setText($('#presence-count'), formatNumber(state.presence)); break;
    default: break;
  }
});

/** setupWidget marks the page for ?show= and ?bg= (setWidget). */
function setupWidget() {
  document.documentElement.classList.toggle('bg-transparent', transparent);
  setWidget(urlWidget);
}

function init() {
  setupWidget();
  $('#lang-slot').appendChild(langSwitch());
  applyI18n(document);
  // The address as the server encodes it (its -public-url), not this page's: a
  // projector laptop may open the screen on localhost.
  let joinURL = location.origin + '/r/' + code;
  const showJoin = () => {
    setText($('#join-url'), withoutScheme(joinURL).replace(/\/[A-Z0-9]+$/, ''));
    qr.alt = t('screen.qr_alt', { url: joinURL });
  };
  setText($('#join-code'), code);
  setText($('#corner-code'), code);
  $('#corner-qr').src = qrPath(code);
  const qr = $('#qr');
  qr.src = qrPath(code);
  showJoin();
  audienceURL(code).then((url) => { joinURL = url; showJoin(); });
  // A new window size or the web fonts arriving change what fits.
  window.addEventListener('resize', () => fitStage());
  if (document.fonts) document.fonts.ready.then(() => fitStage());
  // L switches a revealed quiz between its answer and its leaderboard.
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || !stage.poll || widget) return;
    if (e.key === 'l' || e.key === 'L') showLeaderboard(stage.poll, !$('#poll-view').classList.contains('show-lb'));
  });
  onLangChange(() => {
    showJoin();
    $('#poll-view').dataset.sig = '';
    renderStage();
  });
  if (!/^[A-Z2-9]{6}$/.test(code)) {
    $('#stopped').hidden = false;
    setText($('#stopped-text'), t('conn.no_room'));
    return;
  }
  const key = staffKeyFromFragment();
  // A display: the screen is not one of the people present.
  const conn = key
    ? new Connection({ room: code, token: key, tokenKey: null, rejoinOnBadToken: false, display: true })
    : new Connection({ room: code, tokenKey: 'hubbub:screen:' + code, display: true });
  state.bind(conn);
  conn.onStatus((status, c) => {
    if (status === 'online') everOnline = true;
    const banner = $('#offline-banner');
    const offline = !urlWidget && everOnline && (status === 'offline' || status === 'connecting');
    banner.textContent = t('conn.offline');
    if (banner.hidden === offline) {
      banner.hidden = !offline;
      // The banner takes a row of its own: the stage below it shrinks, and is refitted.
      document.body.classList.toggle('is-offline', offline);
      if (offline) document.body.style.setProperty('--banner-h', banner.offsetHeight + 'px');
      fitStage();
    }
    if (status === 'stopped') {
      $('#stopped').hidden = false;
      setText($('#stopped-text'), closeMessage(c.closeCode));
    }
  });
  conn.connect();
}

init();
