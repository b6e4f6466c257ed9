// audience.js — the audience page /r/CODE: wires the connection, the room
// state and the page's parts (questions, polls, comments, reactions), and
// shows the connection's condition (offline banner, closed room, stopped).
//
// Identity: the participant token is kept per room in localStorage
// ('hubbub:token:CODE', by client.js), the display name for every room in
// 'hubbub:name', so a reload or a reconnect keeps identity, upvotes and
// ballots.
//
// Test hooks (data-testid): skip-reactions, offline-banner, closed-banner, room-title,
// room-code, presence, lang-switch, stopped, tab-questions, tab-polls,
// tab-comments, poll-alert (a poll opened while another tab was shown);
// the parts list theirs in their own files. body[data-conn] is the
// connection's status: connecting, online, offline or stopped.

import { $, el, clear, announce, toast, roomCodeFromPath } from './dom.js';
import { t, addStrings, applyI18n, langSwitch, onLangChange, formatNumber, closeMessage, errorMessage } from './i18n.js';
import { Connection, CLOSE } from './client.js';
import { RoomState } from './state.js';
import { mountQuestions } from './audience-questions.js';
import { mountPolls } from './audience-polls.js';
import { mountComments } from './audience-comments.js';
import { mountReactions } from './audience-reactions.js';
import { loadName } from './name.js';

addStrings({
  en: {
    'aud.doc_title': 'hubbub — audience',
    'aud.doc_title_room': '{title} — hubbub',
    'aud.skip': 'Skip to content',
    'aud.skip_reactions': 'Skip to reactions',
    'aud.closed_banner': 'This room is closed. You can still read everything.',
    'aud.polls_heading': 'Polls',
    'aud.sections': 'Sections',
    'aud.tab_questions': 'Questions',
    'aud.tab_comments': 'Comments',
    'aud.tab_polls': 'Polls',
    'aud.polls_empty': 'No polls right now. They will appear here when the host starts one.',
    'aud.poll_alert': 'New poll: {title}',
    'aud.poll_alert_action': 'Vote now',
    'aud.presence_label': '{n} people in this room',
    'aud.presence_label_one': '1 person in this room',
    'aud.go_home': 'Go to the start page',
    'aud.reload': 'Try again',
    'aud.back_online': 'Back online',
  },
  zh: {
    'aud.doc_title': 'hubbub — 观众',
    'aud.doc_title_room': '{title} — hubbub',
    'aud.skip': '跳到正文',
    'aud.skip_reactions': '跳到互动表情',
    'aud.closed_banner': '此房间已关闭，内容仍可浏览。',
    'aud.polls_heading': '投票',
    'aud.sections': '栏目',
    'aud.tab_questions': '提问',
    'aud.tab_comments': '评论',
    'aud.tab_polls': '投票',
    'aud.polls_empty': '暂时没有投票。主持人发起后会显示在这里。',
    'aud.poll_alert': '新投票：{title}',
    'aud.poll_alert_action': '去投票',
    'aud.presence_label': '此房间有 {n} 人',
    'aud.go_home': '返回首页',
    'aud.reload': '重试',
    'aud.back_online': '已重新连接',
  },
});

function init() {
  const code = roomCodeFromPath();
  $('#lang-slot').appendChild(langSwitch());
  applyI18n(document);
  $('#room-code').textContent = code;

  const conn = new Connection({ room: code, name: loadName() });
  const room = new RoomState().bind(conn);
  const parts = [];
  const tabs = setupTabs(parts);
  const ctx = { conn, room, code, selectTab: tabs.select, currentTab: tabs.current, alertPoll: (poll) => alertPoll(poll, tabs) };
  parts.push(
    mountQuestions(ctx, $('#panel-questions')),
    mountPolls(ctx, $('#poll-list'), $('#leaderboard'), $('#polls-empty')),
    mountComments(ctx, $('#panel-comments')),
    mountReactions(ctx, $('#reactions')),
  );
  const deepLink = { '#polls': 'tab-polls', '#comments': 'tab-comments', '#questions': 'tab-questions' }[location.hash];
  if (deepLink) tabs.select(deepLink, false);
  $('#poll-alert').addEventListener('click', () => { $('#poll-alert').hidden = true; tabs.select('tab-polls', true); });

  room.on('reset', () => {
    $('#loading').hidden = true;
    $('#content').hidden = false;
    $('#main').removeAttribute('aria-busy');
    renderRoom(room);
    renderPresence(room.presence);
  });
  room.on('room', () => renderRoom(room));
  room.on('presence', (kind, count) => renderPresence(count));

  conn.on('error', (ev) => toast(errorMessage(ev)));
  let wasOffline = false;
  conn.onStatus((status) => {
    document.body.dataset.conn = status;
    $('#offline-banner').hidden = status !== 'offline';
    if (status === 'offline') wasOffline = true;
    if (status === 'online' && wasOffline) { wasOffline = false; announce(t('aud.back_online')); }
    if (status === 'stopped') showStopped(conn.closeCode);
  });

  onLangChange(() => {
    renderRoom(room);
    renderPresence(room.presence);
    for (const part of parts) part.render();
    if (conn.status === 'stopped') showStopped(conn.closeCode);
  });
  // The title's room changes with the window, the presence count and the language switch.
  new ResizeObserver(() => fitTitle($('#room-title'))).observe($('.room-heading'));
  conn.connect();
}

function renderRoom(room) {
  const s = room.settings;
  const title = s.title || '';
  const heading = $('#room-title');
  if (heading.textContent !== title) {
    heading.textContent = title;
    heading.title = title;
    fitTitle(heading);
  }
  document.title = title ? t('aud.doc_title_room', { title }) : t('aud.doc_title');
  $('#closed-banner').hidden = !s.closed;
  document.body.classList.toggle('room-closed', Boolean(s.closed));
}

/**
 * TITLE_FITS are the room title's font sizes and most lines, tried in
 * order ('' is the stylesheet's size): the header grows by a few pixels
 * only for the third line, at the smallest size.
 */
const TITLE_FITS = [['', 2], ['0.9rem', 2], ['0.8rem', 3]];

/**
 * fitTitle gives the room title the first of TITLE_FITS at which it is
 * whole; a title longer than that keeps the last and ends with "…" (whole
 * in its tooltip, the document's title and to screen readers).
 */
function fitTitle(node) {
  for (const [size, lines] of TITLE_FITS) {
    node.style.fontSize = size;
    node.style.setProperty('-webkit-line-clamp', String(lines));
    if (node.scrollHeight <= node.clientHeight + 1) return;
  }
}

function renderPresence(count) {
  const node = $('#presence');
  node.hidden = !count;
  clear(node).append(el('span', { class: 'dot', 'aria-hidden': 'true' }), el('span', { 'aria-hidden': 'true' }, formatNumber(count)));
  node.setAttribute('aria-label', t('aud.presence_label', { n: count }));
  node.title = t('aud.presence_label', { n: count });
  node.setAttribute('role', 'img');
}

function showStopped(code) {
  for (const id of ['#loading', '#content', '#pinned', '#reactions', '#skip-reactions', '#offline-banner']) $(id).hidden = true;
  const box = clear($('#stopped'));
  box.hidden = false;
  $('#main').removeAttribute('aria-busy');
  const icon = code === CLOSE.BANNED ? '🚫' : code === CLOSE.NO_ROOM ? '🔍' : '⚠️';
  box.append(
    el('span', { class: 'big', 'aria-hidden': 'true' }, icon),
    el('h2', {}, closeMessage(code)),
    code === CLOSE.NO_ROOM || code === CLOSE.BANNED
      ? el('a', { class: 'btn btn-primary', href: '/' }, t('aud.go_home'))
      : el('button', { type: 'button', class: 'btn btn-primary', onclick: () => location.reload() }, t('aud.reload')),
  );
}

/**
 * setupTabs makes the Questions / Polls / Comments tabs work with mouse and
 * arrow keys; returns {select(id, focus), current()}.
 */
function setupTabs(parts) {
  const tabs = [$('#tab-questions'), $('#tab-polls'), $('#tab-comments')];
  let current = tabs[0].id;
  const select = (id, focus) => {
    const tab = tabs.find((x) => x.id === id) || tabs[0];
    current = tab.id;
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute('aria-selected', String(on));
      other.tabIndex = on ? 0 : -1;
      $('#' + other.getAttribute('aria-controls')).hidden = !on;
    }
    if (tab.id === 'tab-polls') $('#poll-alert').hidden = true;
    history.replaceState(null, '', '#' + tab.id.slice(4));
    if (focus) tab.focus();
    for (const part of parts) if (part.shown) part.shown(tab.id);
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => select(tab.id, false));
    tab.addEventListener('keydown', (e) => {
      let next = -1;
      if (e.key === 'ArrowRight') next = (i + 1) % tabs.length;
      else if (e.key === 'ArrowLeft') next = (i + tabs.length - 1) % tabs.length;
      else if (e.key === 'Home') next = 0;
      else if (e.key === 'End') next = tabs.length - 1;
      if (next >= 0) { e.preventDefault(); select(tabs[next].id, true); }
    });
  });
  return { select, current: () => current };
}

/** alertPoll tells a reader on another tab that poll has just opened. */
function alertPoll(poll, tabs) {
  if (tabs.current() === 'tab-polls') return;
  const button = $('#poll-alert');
  clear(button).append(
    el('span', { class: 'poll-alert-icon', 'aria-hidden': 'true' }, '📊'),
    el('span', { class: 'poll-alert-text' }, t('aud.poll_alert', { title: poll.title })),
    el('span', { class: 'poll-alert-action' }, t('aud.poll_alert_action') + ' →'));
  button.hidden = false;
}

init();
