// landing.js — the landing page: join a room by its code, or create one and
// show its host and moderator links once.
//
// Test hooks (data-testid): join-input, join-submit, join-error, create-title,
// create-moderation, create-submit, create-error, created, created-code,
// created-audience-link, created-host-link, created-moderator-link,
// created-screen-link, open-console, lang-switch.

import { el, $, clear } from './dom.js';
import { t, addStrings, applyI18n, langSwitch, onLangChange, errorMessage } from './i18n.js';

/** CODE_ALPHABET is every character a room code may use. */
const CODE_ALPHABET = /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{6}$/;

addStrings({
  en: {
    'landing.doc_title': 'hubbub — live Q&A and polls',
    'landing.skip': 'Skip to content',
    'landing.headline': 'Questions, polls and reactions, live.',
    'landing.tagline': 'Your audience joins from any phone with a short code. No app, no account.',
    'landing.join_heading': 'Join a room',
    'landing.code_label': 'Room code',
    'landing.join': 'Join',
    'landing.create_heading': 'Host an event',
    'landing.title_label': 'Event title',
    'landing.title_placeholder': 'Friday all-hands',
    'landing.moderation_label': 'Review questions before they appear',
    'landing.moderation_hint': 'New questions wait until you or a moderator approve them.',
    'landing.create': 'Create room',
    'landing.creating': 'Creating…',
    'landing.footer': 'hubbub — self-hosted live audience interaction.',
    'landing.code_empty': 'Enter the 6-character code shown by the host.',
    'landing.code_invalid': 'A room code has 6 letters and digits, like K7QX2M.',
    'landing.code_unknown': 'There is no room with code {code}. Check it and try again.',
    'landing.too_many': 'Too many tries from your network. Wait a minute and try again.',
    'landing.checking': 'Checking…',
    'landing.network': 'Could not reach the server. Check your connection and try again.',
    'landing.created': 'Your room is ready',
    'landing.created_code': 'Room code',
    'landing.keep_warning': 'Save these links now — they are shown only once. Anyone with the host link controls the room; anyone with the moderator link can moderate it.',
    'landing.link_audience': 'Audience link',
    'landing.link_audience_desc': 'Share this (or the code) with your audience.',
    'landing.link_host': 'Host console',
    'landing.link_host_desc': 'For you. Opens the console with full control. Keep it private.',
    'landing.link_moderator': 'Moderator link',
    'landing.link_moderator_desc': 'For helpers who approve and answer questions. Keep it private.',
    'landing.link_screen': 'Projector screen',
    'landing.link_screen_desc': 'Show this on the big screen.',
    'landing.copy': 'Copy',
    'landing.copied': 'Copied',
    'landing.open_console': 'Open host console',
    'landing.open_audience': 'Open audience view',
    'landing.create_another': 'Create another room',
  },
  zh: {
    'landing.doc_title': 'hubbub — 实时问答与投票',
    'landing.skip': '跳到正文',
    'landing.headline': '实时提问、投票与互动。',
    'landing.tagline': '观众用手机输入短码即可加入，无需安装应用，无需注册。',
    'landing.join_heading': '加入房间',
    'landing.code_label': '房间号',
    'landing.join': '加入',
    'landing.create_heading': '主持活动',
    'landing.title_label': '活动名称',
    'landing.title_placeholder': '周五全员大会',
    'landing.moderation_label': '问题需审核后才显示',
    'landing.moderation_hint': '新问题会等待你或协管员批准。',
    'landing.create': '创建房间',
    'landing.creating': '正在创建…',
    'landing.footer': 'hubbub — 自托管的现场观众互动。',
    'landing.code_empty': '请输入主持人展示的 6 位房间号。',
    'landing.code_invalid': '房间号由 6 个字母和数字组成，例如 K7QX2M。',
    'landing.code_unknown': '没有房间号为 {code} 的房间，请检查后重试。',
    'landing.too_many': '您的网络尝试次数过多，请稍等一分钟再试。',
    'landing.checking': '正在检查…',
    'landing.network': '无法连接服务器，请检查网络后重试。',
    'landing.created': '房间已创建',
    'landing.created_code': '房间号',
    'landing.keep_warning': '请立即保存这些链接 — 它们只显示这一次。持有主持人链接的人可以控制房间；持有协管员链接的人可以管理问题。',
    'landing.link_audience': '观众链接',
    'landing.link_audience_desc': '把它（或房间号）分享给观众。',
    'landing.link_host': '主持人控制台',
    'landing.link_host_desc': '给你自己用，拥有全部控制权。请勿外传。',
    'landing.link_moderator': '协管员链接',
    'landing.link_moderator_desc': '给帮忙审核和回答问题的人。请勿外传。',
    'landing.link_screen': '大屏幕',
    'landing.link_screen_desc': '投放到现场大屏幕上。',
    'landing.copy': '复制',
    'landing.copied': '已复制',
    'landing.open_console': '打开主持人控制台',
    'landing.open_audience': '打开观众页面',
    'landing.create_another': '再创建一个房间',
  },
});

/** normalizeCode upper-cases a typed code and drops spaces and dashes. */
export function normalizeCode(raw) {
  return String(raw || '').toUpperCase().replace(/[\s-]/g, '');
}

function showError(node, message) {
  node.textContent = message;
  node.hidden = !message;
}

async function join(event) {
  event.preventDefault();
  const input = $('#join-code');
  const error = $('#join-error');
  const button = $('[data-testid="join-submit"]');
  const code = normalizeCode(input.value);
  input.value = code;
  if (!code) return fail(t('landing.code_empty'));
  if (!CODE_ALPHABET.test(code)) return fail(t('landing.code_invalid'));
  showError(error, '');
  button.disabled = true;
  button.textContent = t('landing.checking');
  try {
    const res = await fetch('/api/rooms/' + encodeURIComponent(code), { headers: { Accept: 'application/json' } });
    if (res.status === 404) return fail(t('landing.code_unknown', { code }));
    if (res.status === 429) return fail(t('landing.too_many'));
    if (!res.ok) return fail(t('landing.network'));
    location.assign('/r/' + encodeURIComponent(code));
  } catch {
    fail(t('landing.network'));
  } finally {
    button.disabled = false;
    button.textContent = t('landing.join');
  }

  function fail(message) {
    showError(error, message);
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

async function create(event) {
  event.preventDefault();
  const button = $('[data-testid="create-submit"]');
  const error = $('#create-error');
  showError(error, '');
  button.disabled = true;
  button.textContent = t('landing.creating');
  try {
    const res = await fetch('/api/rooms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ title: $('#create-title').value.trim(), moderation: $('#create-moderation').checked }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      showError(error, errorMessage(body));
      return;
    }
    showCreated(body);
  } catch {
    showError(error, t('landing.network'));
  } finally {
    button.disabled = false;
    button.textContent = t('landing.create');
  }
}

let created = null;

/** links returns the absolute links of a created room; keys travel in the fragment, never to the server. */
function links(room) {
  const origin = location.origin;
  const urls = room.urls || {};
  const host = origin + (urls.host || '/host/' + room.code);
  return {
    audience: origin + (urls.audience || '/r/' + room.code),
    host: host + '#key=' + encodeURIComponent(room.host_key),
    moderator: host + '#key=' + encodeURIComponent(room.moderator_key),
    screen: origin + (urls.screen || '/screen/' + room.code),
  };
}

function showCreated(room) {
  created = room;
  $('#create-form').hidden = true;
  renderCreated();
  const panel = $('#created');
  panel.hidden = false;
  panel.focus();
}

function renderCreated() {
  const panel = clear($('#created'));
  if (!created) return;
  const l = links(created);
  panel.append(
    el('h3', { id: 'created-heading' }, el('span', { class: 'badge badge-success', 'aria-hidden': 'true' }, '✓'), t('landing.created')),
    el('p', { class: 'label' }, t('landing.created_code')),
    el('div', { class: 'code-big', 'data-testid': 'created-code' }, created.code),
    el('p', { class: 'notice notice-warning', role: 'note' }, t('landing.keep_warning')),
    linkRow('audience', t('landing.link_audience'), t('landing.link_audience_desc'), l.audience, false),
    linkRow('host', t('landing.link_host'), t('landing.link_host_desc'), l.host, true),
    linkRow('moderator', t('landing.link_moderator'), t('landing.link_moderator_desc'), l.moderator, true),
    linkRow('screen', t('landing.link_screen'), t('landing.link_screen_desc'), l.screen, false),
    el('div', { class: 'actions' },
      el('a', { class: 'btn btn-primary', href: l.host, 'data-testid': 'open-console' }, t('landing.open_console')),
      el('a', { class: 'btn', href: l.audience, target: '_blank', rel: 'noopener' }, t('landing.open_audience'))),
    el('p', { class: 'small', style: { marginTop: 'var(--space-4)', textAlign: 'center' } },
      el('a', { href: '/', onclick: (e) => { e.preventDefault(); resetCreate(); } }, t('landing.create_another'))),
  );
}

function linkRow(kind, name, desc, url, secret) {
  const id = 'created-' + kind + '-link';
  const input = el('input', { id, class: 'input', readonly: true, value: url, 'data-testid': id, 'aria-describedby': id + '-desc',
    onfocus: (e) => e.target.select() });
  const copy = el('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('landing.copy') + ': ' + name },
    t('landing.copy'));
  copy.addEventListener('click', async () => {
    await copyText(input);
    copy.textContent = t('landing.copied');
    setTimeout(() => { copy.textContent = t('landing.copy'); }, 1500);
  });
  return el('div', { class: 'link-row' + (secret ? ' secret' : '') },
    el('label', { class: 'link-name', for: id }, name),
    el('p', { class: 'link-desc', id: id + '-desc' }, desc),
    el('div', { class: 'link-value' }, input, copy));
}

async function copyText(input) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select();
    document.execCommand('copy');
  }
}

function resetCreate() {
  created = null;
  clear($('#created')).hidden = true;
  $('#create-form').hidden = false;
  $('#create-title').value = '';
  $('#create-title').focus();
}

function init() {
  $('#lang-slot').appendChild(langSwitch());
  applyI18n(document);
  onLangChange(() => renderCreated());
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (code) $('#join-code').value = normalizeCode(code);
  $('#join-code').addEventListener('input', (e) => {
    e.target.removeAttribute('aria-invalid');
    showError($('#join-error'), '');
  });
  $('#join-form').addEventListener('submit', join);
  $('#create-form').addEventListener('submit', create);
}

init();
