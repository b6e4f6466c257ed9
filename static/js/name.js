// name.js — the display name the audience chose, remembered in localStorage
// for every room ('hubbub:name'), at most 40 characters like the server keeps.

/** NAME_KEY is the localStorage key of the remembered display name. */
export const NAME_KEY = 'hubbub:name';

/** MAX_NAME is the longest name the server keeps, in characters. */
export const MAX_NAME = 40;

/** loadName returns the remembered name, or ''. */
export function loadName() {
  try { return localStorage.getItem(NAME_KEY) || ''; } catch { return ''; }
}

/** saveName remembers name (trimmed, at most MAX_NAME characters; '' forgets it) and returns what was kept. */
export function saveName(name) {
  const clean = [...String(name || '').trim()].slice(0, MAX_NAME).join('');
  try {
    if (clean) localStorage.setItem(NAME_KEY, clean); else localStorage.removeItem(NAME_KEY);
  } catch { /* remembered for this page only */ }
  return clean;
}
