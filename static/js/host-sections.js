// host-sections.js — the host console's collapsible sections.
//
// Every card marked data-section="NAME" in host.html can be collapsed to
// its heading: the heading's text becomes a button (aria-expanded,
// aria-controls) and the rest of the card is wrapped in a body that is
// hidden when collapsed; the heading's row keeps its counts (the waiting
// count, the archive's count) so a collapsed section still says what it
// holds. A <details data-section> (the new-poll form) keeps its own
// disclosure and is remembered the same way.
//
// Which sections are collapsed is kept in this browser
// (localStorage 'hubbub:console:sections', {NAME: true|false}), for every
// room: it is the host's layout, not the room's. Until the host chooses,
// the archive of answered questions starts collapsed and the rest open.
//
// Test hooks: data-section on each card, data-testid section-toggle on
// each heading's button, class is-collapsed on a collapsed card.

import { el } from './dom.js';

/** SECTIONS_KEY is where the console keeps which sections are collapsed. */
export const SECTIONS_KEY = 'hubbub:console:sections';
/** COLLAPSED_BY_DEFAULT are the sections collapsed until the host opens them. */
const COLLAPSED_BY_DEFAULT = new Set(['archive']);

function load() {
  try {
    const v = JSON.parse(localStorage.getItem(SECTIONS_KEY) || '{}');
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

function remember(name, collapsed) {
  const saved = load();
  saved[name] = collapsed;
  try { localStorage.setItem(SECTIONS_KEY, JSON.stringify(saved)); } catch { /* kept for this page only */ }
}

/** isCollapsed reports whether section name is collapsed now. */
export function isCollapsed(name) {
  const card = document.querySelector(`[data-section="${CSS.escape(name)}"]`);
  if (!card) return false;
  return card.tagName === 'DETAILS' ? !card.open : card.classList.contains('is-collapsed');
}

/**
 * setupSections makes every [data-section] under root collapsible, in the
 * state kept for it (or its default), and calls onToggle(name, collapsed)
 * after the host opens or collapses one. Call it once, before the cards'
 * contents are drawn.
 */
export function setupSections(root, onToggle = () => {}) {
  const saved = load();
  for (const card of root.querySelectorAll('[data-section]')) {
    const name = card.dataset.section;
    const collapsed = Object.hasOwn(saved, name) ? Boolean(saved[name]) : COLLAPSED_BY_DEFAULT.has(name);
    if (card.tagName === 'DETAILS') {
      card.open = !collapsed;
      card.addEventListener('toggle', () => { remember(name, !card.open); onToggle(name, !card.open); });
      continue;
    }
    const head = card.querySelector(':scope > .card-head') || card.querySelector(':scope > h2');
    const heading = head && (head.matches('h2') ? head : head.querySelector('h2'));
    if (!heading) continue;
    const body = el('div', { class: 'section-body', id: 'section-' + name });
    for (const node of [...card.children]) if (node !== head) body.appendChild(node);
    card.appendChild(body);
    // The heading's text moves into the button, with its translation key.
    const label = el('span', { 'data-i18n': heading.dataset.i18n }, heading.textContent);
    heading.removeAttribute('data-i18n');
    const button = el('button', {
      type: 'button', class: 'section-toggle', 'data-testid': 'section-toggle', 'aria-controls': body.id,
      onclick: () => {
        const now = !card.classList.contains('is-collapsed');
        set(card, button, now);
        remember(name, now);
        onToggle(name, now);
      },
    }, label);
    heading.replaceChildren(button);
    set(card, button, collapsed);
  }
}

function set(card, button, collapsed) {
  card.classList.toggle('is-collapsed', collapsed);
  button.setAttribute('aria-expanded', String(!collapsed));
}
