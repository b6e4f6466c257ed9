// host-pollform.js — the host console's "New poll" form (#poll-form).
//
// Contract: after a poll is created the form goes back to its safe
// defaults — a draft, results hidden, no timer, the speed bonus at the
// server's default (on, and only meaningful with a timer) — keeping only
// the kind, so a second create never opens a planned poll or shows live
// tallies because of choices made for the one before. Above the create
// button a preview line (data-testid poll-preview) says what phones will
// see if the poll is sent as it stands.
//
// Test hooks (data-testid): poll-form, poll-kind, poll-title, poll-option,
// poll-add-option, poll-max, poll-correct, poll-seconds, poll-speed, poll-advance,
// poll-open-now, poll-reveal-now, poll-preview, poll-error, poll-create.

import { el, $, $$, clear, announce } from './dom.js';
import { t, errorMessage } from './i18n.js';
import { kindLabel } from './charts.js';

/** MAX_POLL_OPTIONS and MIN_POLL_OPTIONS bound a choice poll's options (docs/protocol.md). */
const MAX_POLL_OPTIONS = 20;
const MIN_POLL_OPTIONS = 2;

/** defaults is a fresh form of kind: every choice that reaches phones off. */
function defaults(kind) {
  return { kind, title: '', options: ['', ''], correct: new Set(), max: '', seconds: '', speed: true, advance: '', openNow: false, revealNow: false };
}

let pollForm = defaults('single');
let sendCommand = null;

/**
 * setupPollForm builds the form and handles its submit; send(cmd) must
 * resolve with the server's ack or reject with its error.
 */
export function setupPollForm(send) {
  sendCommand = send;
  $('#poll-form').addEventListener('submit', submit);
  buildPollForm();
}

/** hasTimer reports whether the form asks for a quiz timer. */
function hasTimer() {
  return pollForm.kind === 'quiz' && Number(pollForm.seconds || 0) > 0;
}

/** previewText says what phones will see if the form is sent as it stands. */
export function previewText() {
  const parts = [
    pollForm.openNow ? t('host.pv_open') : t('host.pv_draft'),
    pollForm.revealNow ? t('host.pv_results_live') : t('host.pv_results_hidden'),
  ];
  if (pollForm.kind === 'quiz') {
    const n = Number(pollForm.seconds || 0);
    if (!(n > 0)) parts.push(t('host.pv_no_timer'));
    else parts.push(t(pollForm.speed ? 'host.pv_timer_speed' : 'host.pv_timer', { n }));
  }
  return t('host.preview', { parts: parts.join(t('host.pv_sep')) });
}

/** updatePreview refreshes the preview line and the speed bonus's availability. */
function updatePreview() {
  const line = $('#poll-preview');
  if (!line) return;
  line.textContent = previewText();
  // Live quiz tallies on phones tell everyone the answer while they vote.
  line.classList.toggle('is-warning', pollForm.kind === 'quiz' && pollForm.revealNow && pollForm.openNow);
  const speed = $('#poll-speed');
  if (speed) speed.disabled = !hasTimer();
  const advance = $('#poll-advance');
  if (advance) advance.disabled = !hasTimer();
}

/** buildPollForm (re)draws the form from pollForm; call it when the language changes. */
export function buildPollForm() {
  const form = clear($('#poll-form'));
  const kinds = ['single', 'multi', 'rating', 'wordcloud', 'text', 'quiz'];
  const kindSelect = el('select', { id: 'poll-kind', class: 'select', 'data-testid': 'poll-kind' },
    kinds.map((k) => el('option', { value: k, selected: k === pollForm.kind }, kindLabel(k))));
  kindSelect.addEventListener('change', () => { pollForm.kind = kindSelect.value; captureOptions(); buildPollForm(); $('#poll-kind').focus(); });
  const title = el('input', { id: 'poll-title', class: 'input', 'data-testid': 'poll-title', maxlength: 200, autocomplete: 'off', placeholder: t('host.poll_title_ph') });
  title.value = pollForm.title || '';
  title.addEventListener('input', () => { pollForm.title = title.value; });
  form.appendChild(el('div', { class: 'poll-form-top' },
    el('div', { class: 'field' }, el('label', { class: 'label', for: 'poll-kind' }, t('host.poll_kind')), kindSelect),
    el('div', { class: 'field grow' }, el('label', { class: 'label', for: 'poll-title' }, t('host.poll_title')), title)));
  form.appendChild(el('p', { class: 'hint kind-hint' }, t('host.kind_hint_' + pollForm.kind)));

  const hasOptions = ['single', 'multi', 'quiz'].includes(pollForm.kind);
  if (hasOptions) {
    const isQuiz = pollForm.kind === 'quiz';
    const list = el('ol', { class: 'option-list plain', id: 'poll-options' });
    pollForm.options.forEach((value, i) => {
      const id = 'poll-option-' + i;
      const input = el('input', { id, class: 'input', 'data-testid': 'poll-option', maxlength: 100, autocomplete: 'off', placeholder: t('host.option_n', { n: i + 1 }) });
      input.value = value;
      input.addEventListener('input', () => { pollForm.options[i] = input.value; });
      list.appendChild(el('li', { class: 'option-row' },
        el('label', { class: 'sr-only', for: id }, t('host.option_n', { n: i + 1 })),
        isQuiz ? el('label', { class: 'check correct-check', title: t('host.correct') },
          el('input', {
            type: 'checkbox', 'data-testid': 'poll-correct', checked: pollForm.correct.has(i),
            onchange: (e) => { if (e.target.checked) pollForm.correct.add(i); else pollForm.correct.delete(i); },
          }),
          el('span', { class: 'sr-only' }, t('host.correct_n', { n: i + 1 })), el('span', { 'aria-hidden': 'true' }, '✓')) : null,
        input,
        pollForm.options.length > MIN_POLL_OPTIONS ? el('button', {
          type: 'button', class: 'btn btn-small btn-ghost', 'aria-label': t('host.remove_option', { n: i + 1 }),
          onclick: () => { captureOptions(); pollForm.options.splice(i, 1); shiftCorrect(i); buildPollForm(); },
        }, '✕') : null));
    });
    form.appendChild(el('fieldset', { class: 'options-field' },
      el('legend', { class: 'label' }, isQuiz ? t('host.options_quiz') : t('host.options')), list,
      pollForm.options.length < MAX_POLL_OPTIONS ? el('button', {
        type: 'button', class: 'btn btn-small', 'data-testid': 'poll-add-option',
        onclick: () => { captureOptions(); pollForm.options.push(''); buildPollForm(); $('#poll-option-' + (pollForm.options.length - 1)).focus(); },
      }, '+ ', t('host.add_option')) : null));
  }
  const extras = el('div', { class: 'poll-extras' });
  if (pollForm.kind === 'multi') {
    const max = el('input', { id: 'poll-max', class: 'input input-narrow', type: 'number', min: 1, max: MAX_POLL_OPTIONS, 'data-testid': 'poll-max', inputmode: 'numeric', placeholder: t('host.max_all') });
    max.value = pollForm.max || '';
    max.addEventListener('input', () => { pollForm.max = max.value; });
    extras.appendChild(el('div', { class: 'field' }, el('label', { class: 'label', for: 'poll-max' }, t('host.max')), max));
  }
  if (pollForm.kind === 'quiz') {
    const secs = el('input', { id: 'poll-seconds', class: 'input input-narrow', type: 'number', min: 0, max: 3600, 'data-testid': 'poll-seconds', inputmode: 'numeric', placeholder: t('host.no_timer') });
    secs.value = pollForm.seconds || '';
    secs.addEventListener('input', () => { pollForm.seconds = secs.value; updatePreview(); });
    extras.appendChild(el('div', { class: 'field' }, el('label', { class: 'label', for: 'poll-seconds' }, t('host.seconds')), secs));
    extras.appendChild(el('label', { class: 'check' },
      el('input', { id: 'poll-speed', type: 'checkbox', 'data-testid': 'poll-speed', checked: Boolean(pollForm.speed), onchange: (e) => { pollForm.speed = e.target.checked; updatePreview(); } }),
      el('span', {}, t('host.speed_bonus'))));
    const advance = el('input', { id: 'poll-advance', class: 'input input-narrow', type: 'number', min: 0, max: 60, 'data-testid': 'poll-advance', inputmode: 'numeric', placeholder: '0' });
    advance.value = pollForm.advance || '';
    advance.addEventListener('input', () => { pollForm.advance = advance.value; });
    extras.appendChild(el('div', { class: 'field' }, el('label', { class: 'label', for: 'poll-advance' }, t('host.advance')), advance));
  }
  extras.appendChild(el('label', { class: 'check' },
    el('input', { type: 'checkbox', 'data-testid': 'poll-open-now', checked: Boolean(pollForm.openNow), onchange: (e) => { pollForm.openNow = e.target.checked; updatePreview(); } }),
    el('span', {}, t('host.open_now'))));
  extras.appendChild(el('label', { class: 'check' },
    el('input', { type: 'checkbox', 'data-testid': 'poll-reveal-now', checked: Boolean(pollForm.revealNow), onchange: (e) => { pollForm.revealNow = e.target.checked; updatePreview(); } }),
    el('span', {}, t('host.reveal_now'))));
  form.appendChild(extras);
  form.appendChild(el('p', { id: 'poll-preview', class: 'poll-preview', 'data-testid': 'poll-preview' }));
  form.appendChild(el('p', { id: 'poll-error', class: 'field-error', 'data-testid': 'poll-error', role: 'alert', hidden: true }));
  form.appendChild(el('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'poll-create', 'aria-describedby': 'poll-preview' }, t('host.create_poll')));
  updatePreview();
}

function captureOptions() {
  $$('#poll-options input[data-testid="poll-option"]').forEach((input, i) => { pollForm.options[i] = input.value; });
}

function shiftCorrect(removed) {
  const next = new Set();
  for (const i of pollForm.correct) if (i < removed) next.add(i); else if (i > removed) next.add(i - 1);
  pollForm.correct = next;
}

function pollError(message) {
  const p = $('#poll-error');
  p.hidden = !message;
  p.textContent = message || '';
}

/** command turns the form into a poll_create command, or returns an error message. */
function command() {
  const kind = pollForm.kind;
  const title = (pollForm.title || '').trim();
  if (!title) return { error: t('host.need_title'), focus: '#poll-title' };
  const cmd = { type: 'poll_create', kind, title };
  if (['single', 'multi', 'quiz'].includes(kind)) {
    const options = pollForm.options.map((o) => o.trim());
    if (options.filter(Boolean).length < MIN_POLL_OPTIONS || options.some((o) => !o)) return { error: t('host.need_options') };
    if (new Set(options).size !== options.length) return { error: t('host.dup_options') };
    cmd.options = options;
  }
  if (kind === 'multi' && String(pollForm.max || '').trim()) {
    const max = Number(pollForm.max);
    if (!Number.isInteger(max) || max < 1 || max > cmd.options.length) return { error: t('host.bad_max', { n: cmd.options.length }) };
    cmd.max = max;
  }
  if (kind === 'quiz') {
    cmd.correct = [...pollForm.correct].filter((i) => i < cmd.options.length).sort((a, b) => a - b);
    if (!cmd.correct.length) return { error: t('host.need_correct') };
    const seconds = Number(pollForm.seconds || 0);
    if (seconds) {
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) return { error: t('host.bad_seconds') };
      cmd.seconds = seconds;
      cmd.speed_bonus = Boolean(pollForm.speed);
      const advance = Number(pollForm.advance || 0);
      if (advance) {
        if (!Number.isInteger(advance) || advance < 3 || advance > 60) return { error: t('host.bad_advance'), focus: '#poll-advance' };
        cmd.advance = advance;
      }
    }
  }
  // Explicit, so the command says what the preview said.
  cmd.state = pollForm.openNow ? 'open' : 'draft';
  cmd.reveal = Boolean(pollForm.revealNow);
  return { cmd };
}

async function submit(e) {
  e.preventDefault();
  captureOptions();
  const { cmd, error, focus } = command();
  if (error) {
    pollError(error);
    if (focus) $(focus).focus();
    return;
  }
  pollError('');
  const button = $('[data-testid="poll-create"]');
  button.disabled = true;
  try {
    await sendCommand(cmd);
    pollForm = defaults(pollForm.kind);
    buildPollForm();
    announce(t('host.poll_created'));
    $('#poll-title').focus();
  } catch (err) {
    // seconds and speed_bonus land with the quiz timer; a server without it refuses them.
    const refusedTimer = (cmd.seconds || cmd.speed_bonus) && err && err.code === 'bad_request' && /second|speed|timer/i.test(err.message || '');
    pollError(refusedTimer ? t('host.timer_refused', { message: err.message }) : errorMessage(err));
  } finally {
    const b = $('[data-testid="poll-create"]');
    if (b) b.disabled = false;
  }
}
