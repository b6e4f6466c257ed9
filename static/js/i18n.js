// i18n.js — English and Simplified Chinese strings for every page.
//
// Each page module registers its own strings with addStrings, so no page
// edits another's dictionary:
//
//   addStrings({ en: { greeting: 'Hello, {name}' }, zh: { greeting: '你好，{name}' } });
//   t('greeting', { name: 'Ada' });
//
// Plurals: t('new_questions', { n: 3 }) uses the key 'new_questions_one' when
// n is 1 and that key exists, else 'new_questions'. A missing key falls back
// to English, then to the key itself, so a forgotten string is visible but
// harmless. The language is chosen from localStorage ('hubbub:lang') if the
// user picked one, else from navigator.languages (any zh* → zh), else en.

import { el } from './dom.js';

/** LANGUAGES lists the supported languages with their short names, as the switcher shows them. */
export const LANGUAGES = [
  { code: 'en', name: 'EN' },
  { code: 'zh', name: '中文' },
];

const STORAGE_KEY = 'hubbub:lang';
const dictionaries = { en: {}, zh: {} };
const listeners = new Set();
let lang = detectLanguage();

function supported(code) {
  return LANGUAGES.some((l) => l.code === code);
}

function detectLanguage() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && supported(saved)) return saved;
  } catch { /* storage may be unavailable (private mode); fall through */ }
  const preferred = (navigator.languages && navigator.languages.length) ? navigator.languages : [navigator.language || 'en'];
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (supported(base)) return base;
  }
  return 'en';
}

/** addStrings merges {en: {...}, zh: {...}} into the dictionaries. */
export function addStrings(strings) {
  for (const [code, entries] of Object.entries(strings)) {
    if (!dictionaries[code]) dictionaries[code] = {};
    Object.assign(dictionaries[code], entries);
  }
}

/** t returns the string for key in the current language, with {var} filled from vars. */
export function t(key, vars) {
  let chosen = key;
  if (vars && vars.n === 1 && lookup(key + '_one') !== undefined) chosen = key + '_one';
  let text = lookup(chosen);
  if (text === undefined) text = key;
  if (vars) text = text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
  return text;
}

function lookup(key) {
  const own = dictionaries[lang] && dictionaries[lang][key];
  if (own !== undefined) return own;
  return dictionaries.en[key];
}

/** currentLang returns the current language code ('en' or 'zh'). */
export function currentLang() {
  return lang;
}

/** locale returns a BCP 47 tag for Intl formatting in the current language. */
export function locale() {
  return lang === 'zh' ? 'zh-CN' : 'en';
}

/**
 * setLang switches the language, remembers it, re-applies data-i18n
 * attributes on the whole document and calls every onLangChange listener.
 */
export function setLang(code) {
  if (!supported(code)) return;
  lang = code;
  try { localStorage.setItem(STORAGE_KEY, code); } catch { /* not remembered; still switched */ }
  document.documentElement.lang = locale();
  applyI18n(document);
  for (const fn of listeners) fn(lang);
}

/** onLangChange registers fn(lang), called after every setLang; returns an unsubscribe function. */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * applyI18n fills elements under root from their attributes:
 * data-i18n → text, data-i18n-placeholder → placeholder,
 * data-i18n-aria-label → aria-label, data-i18n-title → title.
 */
export function applyI18n(root = document) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of root.querySelectorAll('[data-i18n-aria-label]')) node.setAttribute('aria-label', t(node.dataset.i18nAriaLabel));
  for (const node of root.querySelectorAll('[data-i18n-title]')) node.title = t(node.dataset.i18nTitle);
  if (root === document) {
    document.documentElement.lang = locale();
    const title = document.querySelector('title[data-i18n]');
    if (title) document.title = t(title.dataset.i18n);
  }
}

/**
 * langSwitch returns a labelled <select data-testid="lang-switch"> that
 * switches the language; it follows later setLang calls too.
 */
export function langSwitch() {
  const select = el('select', { class: 'lang-switch', 'data-testid': 'lang-switch', 'aria-label': 'Language / 语言' },
    LANGUAGES.map((l) => el('option', { value: l.code, selected: l.code === lang }, l.name)));
  select.addEventListener('change', () => setLang(select.value));
  onLangChange((code) => { select.value = code; });
  return select;
}

/** formatTime formats Unix milliseconds as a short local time ("14:05"). */
export function formatTime(ms) {
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
}

/** formatNumber formats n for the current language (thousands separators). */
export function formatNumber(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

document.documentElement.lang = locale();

// Strings every page shares: connection status, close reasons, error codes.
addStrings({
  en: {
    'conn.connecting': 'Connecting…',
    'conn.offline': 'Offline — reconnecting…',
    'conn.online': 'Connected',
    'conn.banned': 'You have been removed from this room.',
    'conn.no_room': 'There is no room with this code.',
    'conn.bad_key': 'This key is not valid for this room.',
    'conn.key_rotated': 'The host replaced this key. Ask the host for the new link.',
    'conn.stopped': 'Disconnected. Reload the page to try again.',
    'err.bad_request': 'That was not accepted: {message}',
    'err.unauthorized': 'Not authorized.',
    'err.forbidden': 'Not allowed here.',
    'err.not_found': 'It no longer exists.',
    'err.rate_limited': 'Slow down a little — try again in a moment.',
    'err.rate_limited_wait': 'Many posts are arriving at once — try again in {seconds} s.',
    'err.too_large': 'That is too long.',
    'err.closed': 'This room is closed.',
    'err.conflict': 'That conflicts with the current state.',
    'err.unavailable': 'The server is busy — try again shortly.',
    'err.name_required': 'This room needs your name on every question and comment. Set a name first.',
    'err.slow_mode': 'Slow mode is on: you can post again in {seconds} s.',
    'err.too_new': 'You joined just now: you can comment in {seconds} s. Your questions wait for a moderator until then.',
    'err.room_full': 'This room is full: {message}',
    'err.offline': 'You are offline; try again when reconnected.',
    'err.unknown': 'Something went wrong.',
    'lang.label': 'Language',
  },
  zh: {
    'conn.connecting': '正在连接…',
    'conn.offline': '已离线 — 正在重新连接…',
    'conn.online': '已连接',
    'conn.banned': '你已被移出此房间。',
    'conn.no_room': '没有这个房间号。',
    'conn.bad_key': '此密钥对该房间无效。',
    'conn.key_rotated': '主持人已更换此密钥。请向主持人索取新链接。',
    'conn.stopped': '连接已断开。请刷新页面重试。',
    'err.bad_request': '未被接受：{message}',
    'err.unauthorized': '未授权。',
    'err.forbidden': '此处不允许该操作。',
    'err.not_found': '该内容已不存在。',
    'err.rate_limited': '操作太频繁，请稍后再试。',
    'err.rate_limited_wait': '此刻发言的人很多，请 {seconds} 秒后再试。',
    'err.too_large': '内容太长。',
    'err.closed': '此房间已关闭。',
    'err.conflict': '与当前状态冲突。',
    'err.unavailable': '服务器繁忙，请稍后再试。',
    'err.name_required': '此房间要求每个提问和评论都署名。请先设置名字。',
    'err.slow_mode': '慢速模式已开启：{seconds} 秒后可再次发言。',
    'err.too_new': '你刚加入：{seconds} 秒后可以评论。在此之前你的提问需等待主持人审核。',
    'err.room_full': '此房间已满：{message}',
    'err.offline': '你已离线，请在重新连接后再试。',
    'err.unknown': '出了点问题。',
    'lang.label': '语言',
  },
});

/** errorMessage returns a user-facing sentence for an error event ({code, message}). */
export function errorMessage(err) {
  const code = err && err.code;
  const key = 'err.' + code;
  // retry_at (slow_mode, too_new, and rate_limited by the room's or the
  // network's allowance rather than the person's own pace) is when the
  // command may succeed.
  const seconds = err && err.retry_at ? Math.max(1, Math.ceil((err.retry_at - Date.now()) / 1000)) : 0;
  if (code === 'rate_limited' && seconds) return t('err.rate_limited_wait', { seconds });
  if (code && lookup(key) !== undefined) return t(key, { message: err.message || '', seconds });
  return (err && err.message) || t('err.unknown');
}

/** closeMessage returns a user-facing sentence for a connection that stopped with close code. */
export function closeMessage(code) {
  if (code === 4003) return t('conn.banned');
  if (code === 4004) return t('conn.no_room');
  if (code === 4001) return t('conn.bad_key');
  if (code === 4010) return t('conn.key_rotated');
  return t('conn.stopped');
}
