// dom.js — tiny helpers for building the page from data without ever parsing
// data as HTML.
//
// el(tag, attrs, ...children) creates an element. attrs keys:
//   class        → className (string)
//   text         → textContent
//   on<event>    → addEventListener(event, fn) when the value is a function
//   style        → an object of CSS properties, or a string
//   hidden, disabled, checked, … (booleans) → set as properties
//   value        → the value property
//   anything else (aria-*, data-*, id, type, role, for, …) → setAttribute
// children: strings and numbers become text nodes, nodes are appended, arrays
// are flattened, null / undefined / false are skipped.
// Nothing here uses innerHTML: text from the network stays text.

const BOOLEAN_PROPERTIES = new Set(['hidden', 'disabled', 'checked', 'selected', 'required', 'readOnly', 'multiple', 'autofocus', 'open']);

/** el creates an element with attributes, handlers and children. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false && !BOOLEAN_PROPERTIES.has(key)) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = String(value);
      else if (key === 'style' && typeof value === 'object') Object.assign(node.style, value);
      else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2).toLowerCase(), value);
      else if (BOOLEAN_PROPERTIES.has(key)) node[key] = Boolean(value);
      else if (key === 'value') node.value = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(node, children);
  return node;
}

/** append adds children (strings → text nodes, arrays flattened) to node. */
export function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
  return node;
}

/** clear removes every child of node and returns it. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** $ returns the first element matching sel under root (default document). */
export function $(sel, root = document) {
  return root.querySelector(sel);
}

/** $$ returns every element matching sel under root as an array. */
export function $$(sel, root = document) {
  return Array.from(root.querySelectorAll(sel));
}

/** setText replaces node's content with text (as text) when it changed. */
export function setText(node, text) {
  const s = String(text ?? '');
  if (node.textContent !== s) node.textContent = s;
  return node;
}

/**
 * announce puts message into the polite live region with id "live" (created
 * on first use), so screen readers read it without moving focus.
 */
export function announce(message) {
  let region = document.getElementById('live');
  if (!region) {
    region = el('div', { id: 'live', class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'true' });
    document.body.appendChild(region);
  }
  region.textContent = '';
  // A fresh text node after a tick makes repeated messages be read again.
  setTimeout(() => { region.textContent = message; }, 30);
}

/** prefersReducedMotion reports the user's "reduce motion" preference. */
export function prefersReducedMotion() {
  return window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/** roomCodeFromPath returns the CODE of /r/CODE, /host/CODE, /screen/CODE. */
export function roomCodeFromPath(path = location.pathname) {
  const parts = path.split('/').filter(Boolean);
  return parts.length >= 2 ? decodeURIComponent(parts[1]).toUpperCase() : '';
}

/** TOAST_MS is how long a toast stays up. */
export const TOAST_MS = 5000;

/**
 * toast shows message briefly in a polite live region at the bottom of the
 * page (data-testid="toast"). action: optional {label, run} adds a button.
 */
export function toast(message, action) {
  let region = document.getElementById('toasts');
  if (!region) {
    region = el('div', { id: 'toasts', class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(region);
  }
  const node = el('div', { class: 'toast', 'data-testid': 'toast' }, el('span', { class: 'spacer' }, message));
  if (action) {
    node.appendChild(el('button', { type: 'button', class: 'btn btn-small', onclick: () => { node.remove(); action.run(); } }, action.label));
  }
  region.appendChild(node);
  while (region.children.length > 3) region.firstChild.remove();
  setTimeout(() => node.remove(), action ? TOAST_MS * 2 : TOAST_MS);
  return node;
}

/**
 * keepScroll runs mutate (which changes container's children) without moving
 * what the reader is looking at: the first child of container that is on
 * screen keeps its position, whatever was inserted or removed above it.
 * Browsers with CSS scroll anchoring already do this; then the correction is 0.
 */
export function keepScroll(container, mutate) {
  let anchor = null;
  let before = 0;
  for (const child of container.children) {
    const rect = child.getBoundingClientRect();
    if (rect.bottom > 0 && rect.height > 0) { anchor = child; before = rect.top; break; }
  }
  mutate();
  if (!anchor || !anchor.isConnected || before > window.innerHeight) return;
  const delta = anchor.getBoundingClientRect().top - before;
  if (Math.abs(delta) >= 1) window.scrollBy(0, delta);
}
