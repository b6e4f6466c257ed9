// audience-reactions.js — the reaction bar of the audience page: five
// reactions with the room's totals; a tap sends one and lets its emoji float
// up (others' reactions float too, a few at a time). With "reduce motion"
// nothing floats; the count just highlights.
//
// The page's first link, "Skip to reactions" (#skip-reactions, visually
// hidden until focused), moves the keyboard focus to the reactions' group
// (named "Reactions"; Tab then reaches each reaction). Not to a reaction
// itself: the Enter that followed the link would then also send it. The
// link is shown whenever the bar is.
//
// Test hooks (data-testid): reactions, reaction-group, react-like, react-love, react-clap,
// react-laugh, react-wow, reaction-count (inside each button).

import { el, clear, toast, prefersReducedMotion } from './dom.js';
import { t, addStrings, formatNumber, errorMessage } from './i18n.js';
import { REACTION_KINDS } from './state.js';

/** EMOJI maps each reaction kind to what the button shows. */
export const EMOJI = { like: '👍', love: '❤️', clap: '👏', laugh: '😂', wow: '😮' };
/** MAX_FLOATING bounds the emojis in flight at once, so a busy room stays light. */
const MAX_FLOATING = 12;
/** OTHERS_PER_EVENT bounds the floats started by one reactions event from others. */
const OTHERS_PER_EVENT = 3;

addStrings({
  en: { 'r.label': 'Reactions', 'r.like': 'Like', 'r.love': 'Love', 'r.clap': 'Applause', 'r.laugh': 'Funny', 'r.wow': 'Wow',
    'r.button': '{name} ({n})' },
  zh: { 'r.label': '互动表情', 'r.like': '赞', 'r.love': '喜欢', 'r.clap': '鼓掌', 'r.laugh': '好笑', 'r.wow': '惊讶',
    'r.button': '{name}（{n}）' },
});

/** mountReactions builds the reaction bar in bar. Returns {render}. */
export function mountReactions({ conn, room }, bar) {
  const buttons = new Map();
  const counts = new Map();
  const layer = el('div', { class: 'float-layer', 'aria-hidden': 'true' });
  const group = el('div', { class: 'reaction-group', role: 'group', tabindex: '-1', 'data-testid': 'reaction-group' });
  let mine = Object.fromEntries(REACTION_KINDS.map((k) => [k, 0])); // sent and not yet in a reactions event
  clear(bar).append(layer, group);
  document.body.appendChild(layer);

  for (const kind of REACTION_KINDS) {
    const count = el('span', { class: 'reaction-count', 'data-testid': 'reaction-count' });
    const button = el('button', { type: 'button', class: 'reaction', 'data-testid': 'react-' + kind, 'data-kind': kind },
      el('span', { class: 'reaction-emoji', 'aria-hidden': 'true' }, EMOJI[kind]), count);
    button.addEventListener('click', () => react(kind, button));
    buttons.set(kind, button);
    counts.set(kind, count);
    group.appendChild(button);
  }

  const skip = document.getElementById('skip-reactions');
  if (skip) {
    skip.addEventListener('click', (e) => {
      e.preventDefault();
      group.focus();
    });
  }

  function react(kind, button) {
    if (conn.status !== 'online') return; // a reaction is of the moment: never queued for later
    mine[kind]++;
    float(kind, button, true);
    pulse(kind);
    conn.send({ type: 'react', kind }).catch((err) => { if (err.code !== 'offline') toast(errorMessage(err)); });
  }

  function float(kind, from, own) {
    if (prefersReducedMotion() || layer.childElementCount >= MAX_FLOATING) return;
    const rect = from.getBoundingClientRect();
    const jitter = (Math.random() - 0.5) * (own ? 16 : rect.width);
    const node = el('span', { class: 'floater' + (own ? ' own' : ''), style: {
      left: `${rect.left + rect.width / 2 + jitter}px`, top: `${rect.top}px`, '--drift': `${(Math.random() - 0.5) * 60}px` } }, EMOJI[kind]);
    node.addEventListener('animationend', () => node.remove());
    layer.appendChild(node);
    setTimeout(() => node.remove(), 2500);
  }

  function pulse(kind) {
    const count = counts.get(kind);
    count.classList.remove('pulse');
    void count.offsetWidth;
    count.classList.add('pulse');
  }

  function renderCounts() {
    for (const kind of REACTION_KINDS) {
      const n = room.reactions[kind] || 0;
      counts.get(kind).textContent = n ? compact(n) : '';
      buttons.get(kind).setAttribute('aria-label', t('r.button', { name: t('r.' + kind), n: formatNumber(n) }));
    }
  }

  function renderVisibility() {
    const s = room.settings;
    bar.hidden = !room.loaded || s.reactions === false || Boolean(s.closed);
    if (skip) skip.hidden = bar.hidden;
    document.body.classList.toggle('has-reaction-bar', !bar.hidden);
  }

  room.on('reset', () => { mine = Object.fromEntries(REACTION_KINDS.map((k) => [k, 0])); renderCounts(); renderVisibility(); });
  room.on('room', renderVisibility);
  room.on('reactions', (kind, ev) => {
    renderCounts();
    for (const [k, n] of Object.entries(ev.delta || {})) {
      const others = Math.max(0, n - (mine[k] || 0));
      mine[k] = Math.max(0, (mine[k] || 0) - n);
      if (others > 0) {
        pulse(k);
        if (!document.hidden) for (let i = 0; i < Math.min(others, OTHERS_PER_EVENT); i++) setTimeout(() => float(k, buttons.get(k), false), i * 120);
      }
    }
  });

  function render() {
    group.setAttribute('aria-label', t('r.label'));
    renderCounts();
    renderVisibility();
  }
  render();
  return { render };
}

/** compact shortens big counts: 1234 → 1.2k. */
function compact(n) {
  if (n < 1000) return String(n);
  if (n < 10000) return (n / 1000).toFixed(1).replace(/\.0$/, '') + 'k';
  if (n < 1000000) return Math.round(n / 1000) + 'k';
  return (n / 1000000).toFixed(1).replace(/\.0$/, '') + 'M';
}
