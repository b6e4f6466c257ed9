// host-runofshow.js — the console's run of show: the room's polls and
// quizzes in the order the host runs them, and the steps through them.
//
// The run is every poll by its run order (the poll's `order`, set with
// poll_set; its number while it has none: the order of creation). The
// cursor is the open poll furthest in the run, or, with none open, the
// last poll that is not a draft.
//   next:     closes every open poll and opens the first draft after the
//             cursor (at the end of the run it only closes);
//   previous: closes every open poll and reopens the closed poll before
//             the open one (with none open: the last closed one), its
//             ballots kept.
// Each step is one run_step command, done whole by the server, naming
// the cursor this console saw ("from"): when the run has moved meanwhile
// (another console stepped, or a quiz advanced on its own) the server
// refuses it with conflict, the console says so and does not retry, and
// the press queued behind it is dropped. A moderator may step too, and
// every console and screen follows through the poll events. The console
// steps with the run's buttons, and with PageDown and PageUp (what a
// presenter clicker sends) whenever the focus is not in a text field.
// A draft moves up or down by swapping its run order with its neighbour's
// (two poll_sets; the orders stay distinct, since they start as distinct
// numbers and only ever swap). Duplicate makes a new draft with the same
// content (kind, title, options, correct answers, timer, speed bonus,
// advance pause), at the end of the run.
//
// A timed quiz's item shows and edits its "advance" pause (0: off): after
// its timer closes it, its answer shows and the run steps on by itself.
//
// Test hooks: data-testid run-of-show (the list), run-item (a poll, with
// data-id and aria-current="step" on the cursor's poll when open),
// run-next, run-previous, run-up, run-down, run-advance, poll-duplicate.

import { el, $, clear, announce } from './dom.js';
import { t } from './i18n.js';
import { kindLabel } from './charts.js';

/** runOrder is poll p's place in the run: its order, else its number. */
export function runOrder(p) {
  return p.order > 0 ? p.order : Number(String(p.id).replace(/^p/, '')) || 0;
}

/** runOf returns state's polls in the run's order (ties by number). */
export function runOf(state) {
  return state.pollList().sort((a, b) => runOrder(a) - runOrder(b));
}

/** cursor returns the index in run of the open poll furthest on (open), and of the cursor (at); -1 for none. */
function cursor(run) {
  let open = -1;
  let last = -1;
  run.forEach((p, i) => {
    if (p.state === 'open') open = i;
    if (p.state !== 'draft') last = i;
  });
  return { open, at: open >= 0 ? open : last };
}

let busy = false;
let queued = 0;

/**
 * step runs next (dir 1) or previous (dir -1). A press while a step is
 * under way is kept (the latest one only) and runs once that step is
 * acknowledged, against the state it left: a clicker pressed twice
 * quickly steps twice, and never acts on a run it has not seen. A step
 * the server refused drops the queued press.
 */
export async function step(state, send, dir) {
  if (busy) {
    queued = dir;
    return;
  }
  busy = true;
  try {
    let ok = await stepOnce(state, send, dir);
    while (ok && queued) {
      const next = queued;
      queued = 0;
      ok = await stepOnce(state, send, next);
    }
  } finally {
    busy = false;
    queued = 0;
  }
}

/** stepOnce sends one run_step from the cursor this console sees; false when it was refused. */
async function stepOnce(state, send, dir) {
  const run = runOf(state);
  const { at } = cursor(run);
  const cmd = { type: 'run_step', dir: dir > 0 ? 'next' : 'previous', from: at >= 0 ? run[at].id : '' };
  const ack = await send(cmd, (err) => (err && err.code === 'conflict' ? t('host.run_moved') : ''));
  if (!ack) return false;
  if (ack.poll) await opening(state, ack.poll);
  const opened = ack.poll && state.polls.get(ack.poll);
  if (opened) announce(t('host.run_now', { title: opened.title }));
  else if (!ack.poll) announce(dir > 0 ? t('host.run_end') : t('host.run_start'));
  return true;
}

/**
 * opening resolves once the poll event that opened poll id has reached
 * state (the ack may come first), or after two seconds: a queued press
 * then steps from the cursor the server has.
 */
async function opening(state, id) {
  for (let waited = 0; waited < 2000; waited += 50) {
    const p = state.polls.get(id);
    if (p && p.state === 'open') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** duplicate sends a poll_create of a new draft with p's content. */
export function duplicate(p, send) {
  const cmd = { type: 'poll_create', kind: p.kind, title: p.title, state: 'draft' };
  if (['single', 'multi', 'quiz'].includes(p.kind)) cmd.options = [...(p.options || [])];
  if (p.kind === 'multi' && p.max) cmd.max = p.max;
  if (p.kind === 'quiz') {
    cmd.correct = [...(p.correct || [])];
    if (p.seconds) {
      cmd.seconds = p.seconds;
      cmd.speed_bonus = Boolean(p.speed_bonus);
      if (p.advance) cmd.advance = p.advance;
    }
  }
  return send(cmd);
}

/** move swaps the run order of draft p with its neighbour's, up (dir -1) or down (dir 1). */
async function move(state, send, p, dir) {
  const run = runOf(state);
  const i = run.findIndex((q) => q.id === p.id);
  const other = run[i + dir];
  if (i < 0 || !other) return;
  const mine = runOrder(p);
  const theirs = runOrder(other);
  if (await send({ type: 'poll_set', poll: p.id, order: theirs })) await send({ type: 'poll_set', poll: other.id, order: mine });
}

/** renderRunOfShow draws the run into #run-list and enables the steps that would do something. */
export function renderRunOfShow(state, send) {
  const list = $('#run-list');
  const run = runOf(state);
  const { open, at } = cursor(run);
  $('#run-card').hidden = run.length === 0;
  $('#run-next').disabled = !run.slice(at + 1).some((p) => p.state === 'draft') && open < 0;
  $('#run-previous').disabled = !run.slice(0, open >= 0 ? open : at + 1).some((p) => p.state === 'closed') && open < 0;
  // Rebuilt only when something shown changed, so a focused button survives a results tick.
  const sig = JSON.stringify(run.map((p) => [p.id, p.title, p.kind, p.state, p.advance || 0])) + document.documentElement.lang;
  if (list.dataset.sig === sig) return;
  const focused = document.activeElement && list.contains(document.activeElement)
    ? [document.activeElement.closest('[data-id]')?.dataset.id, document.activeElement.dataset.testid] : null;
  list.dataset.sig = sig;
  clear(list);
  run.forEach((p, i) => {
    const state_ = p.state === 'open' ? t('host.state_open') : p.state === 'closed' ? t('host.state_closed') : t('host.state_draft');
    const buttons = [];
    if (p.state === 'draft') {
      buttons.push(el('button', {
        type: 'button', class: 'btn btn-small btn-ghost', 'data-testid': 'run-up', disabled: i === 0,
        'aria-label': t('host.run_up', { title: p.title }), onclick: () => move(state, send, p, -1),
      }, '↑'));
      buttons.push(el('button', {
        type: 'button', class: 'btn btn-small btn-ghost', 'data-testid': 'run-down', disabled: i === run.length - 1,
        'aria-label': t('host.run_down', { title: p.title }), onclick: () => move(state, send, p, 1),
      }, '↓'));
    }
    if (p.kind === 'quiz' && p.seconds > 0) buttons.push(advanceInput(p, send));
    buttons.push(el('button', {
      type: 'button', class: 'btn btn-small btn-ghost', 'data-testid': 'poll-duplicate',
      'aria-label': t('host.duplicate_named', { title: p.title }), onclick: () => duplicate(p, send),
    }, t('host.duplicate')));
    list.appendChild(el('li', {
      class: 'run-item', 'data-testid': 'run-item', 'data-id': p.id, 'data-state': p.state,
      'aria-current': i === open ? 'step' : null,
    },
    el('span', { class: 'run-n mono' }, String(i + 1)),
    el('span', { class: 'run-body' }, el('span', { class: 'run-title' }, p.title),
      el('span', { class: 'run-meta' }, kindLabel(p.kind) + ' · ' + state_ + (p.advance ? ' · ' + t('host.advance_n', { n: p.advance }) : ''))),
    el('span', { class: 'run-actions' }, ...buttons)));
  });
  if (focused) {
    const again = list.querySelector(`[data-id="${CSS.escape(focused[0] || '')}"] [data-testid="${CSS.escape(focused[1] || '')}"]`);
    if (again && !again.disabled) again.focus();
  }
}

/** advanceInput edits quiz p's advance pause (0: off, 3–60 s), sent when it changes. */
function advanceInput(p, send) {
  const input = el('input', {
    type: 'number', class: 'input input-narrow', min: 0, max: 60, 'data-testid': 'run-advance',
    'aria-label': t('host.advance'), title: t('host.advance'), value: String(p.advance || 0),
  });
  input.addEventListener('change', () => {
    const n = Number(input.value || 0);
    if (!Number.isInteger(n) || (n !== 0 && (n < 3 || n > 60))) {
      input.value = String(p.advance || 0);
      announce(t('host.bad_advance'));
      return;
    }
    send({ type: 'poll_set', poll: p.id, advance: n });
  });
  return input;
}

/** isTyping reports whether the keyboard is in a field that takes text (where keys are not steps). */
function isTyping(target) {
  return Boolean(target && target.closest && target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]'));
}

/**
 * setupRunOfShow wires the run's buttons and keys: PageDown next, PageUp
 * previous (no modifier, not while typing, only while there is a run).
 */
export function setupRunOfShow(state, send) {
  $('#run-next').addEventListener('click', () => step(state, send, 1));
  $('#run-previous').addEventListener('click', () => step(state, send, -1));
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.shiftKey || isTyping(e.target) || state.polls.size === 0 || !state.role) return;
    const dir = { PageDown: 1, PageUp: -1 }[e.key];
    if (!dir) return;
    e.preventDefault();
    step(state, send, dir);
  });
}
