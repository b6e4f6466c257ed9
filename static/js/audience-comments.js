// audience-comments.js — the comments part of the audience page: a chat-like
// list, newest at the bottom, and a form to comment (as the remembered name,
// or anonymous without one).
//
// The list only follows new comments when the reader is already at its
// bottom; otherwise they are counted on a "N new comments" button
// (data-testid="new-comments") and the view stays where it is.
//
// Test hooks (data-testid): comment-list, comment (data-id, data-mine),
// comment-input, comment-submit, comment-delete, new-comments, comments-off.

import { el, clear, $, toast } from './dom.js';
import { t, addStrings, formatTime, errorMessage } from './i18n.js';
import { newCid } from './client.js';

/** MAX_COMMENT is the longest comment the server accepts, in characters. */
const MAX_COMMENT = 500;
/** NEAR_BOTTOM_PX is how close to the bottom counts as "reading the newest". */
const NEAR_BOTTOM_PX = 48;

addStrings({
  en: {
    'c.label': 'Comment',
    'c.placeholder': 'Say something…',
    'c.send': 'Send',
    'c.empty': 'No comments yet. Start the conversation!',
    'c.new': '{n} new comments',
    'c.new_one': '1 new comment',
    'c.anonymous': 'Anonymous',
    'c.you': 'You',
    'c.delete': 'Delete',
    'c.off': 'Comments are turned off.',
    'c.closed': 'The room is closed; no new comments.',
    'c.list_label': 'Comments',
  },
  zh: {
    'c.label': '评论',
    'c.placeholder': '说点什么…',
    'c.send': '发送',
    'c.empty': '还没有评论，来说第一句吧！',
    'c.new': '{n} 条新评论',
    'c.anonymous': '匿名',
    'c.you': '我',
    'c.delete': '删除',
    'c.off': '评论功能已关闭。',
    'c.closed': '房间已关闭，不能再评论。',
    'c.list_label': '评论列表',
  },
});

/** mountComments builds the comments panel inside panel. Returns {render, shown}. */
export function mountComments({ conn, room }, panel) {
  const nodes = new Map();
  let unseen = 0;
  let cid = null;

  const list = el('ol', { class: 'plain comment-list', 'data-testid': 'comment-list', tabindex: '0' });
  const empty = el('p', { class: 'empty' });
  const newButton = el('button', { type: 'button', class: 'btn btn-primary btn-small btn-pill new-pill', 'data-testid': 'new-comments', hidden: true,
    onclick: () => toBottom() });
  const input = el('input', { id: 'comment-input', class: 'input', 'data-testid': 'comment-input', maxlength: MAX_COMMENT, autocomplete: 'off', enterkeyhint: 'send' });
  const label = el('label', { for: 'comment-input', class: 'sr-only' });
  const submit = el('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'comment-submit' });
  const notice = el('p', { class: 'notice notice-info', 'data-testid': 'comments-off', hidden: true });
  const form = el('form', { class: 'comment-form', novalidate: true }, label, input, submit);
  clear(panel).append(el('div', { class: 'card comment-card' },
    el('div', { class: 'comment-scroll' }, list, empty),
    el('div', { class: 'new-pill-wrap bottom', 'aria-live': 'polite' }, newButton),
    notice, form));

  input.addEventListener('input', () => { cid = null; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) { input.focus(); return; }
    if (!cid) cid = newCid();
    submit.disabled = true;
    try {
      await conn.send({ type: 'comment', text, cid });
      cid = null;
      input.value = '';
      toBottom();
    } catch (err) {
      toast(errorMessage(err));
    } finally {
      submit.disabled = false;
      input.focus();
    }
  });
  list.parentElement.addEventListener('scroll', () => { if (atBottom()) { unseen = 0; renderChrome(); } });

  function scroller() { return list.parentElement; }
  function atBottom() {
    const s = scroller();
    return s.scrollHeight - s.scrollTop - s.clientHeight <= NEAR_BOTTOM_PX;
  }
  function toBottom() {
    const s = scroller();
    s.scrollTop = s.scrollHeight;
    unseen = 0;
    renderChrome();
  }

  function item(c) {
    const mine = room.isMine(c);
    const author = c.author || t('c.anonymous');
    return el('li', { class: 'comment' + (mine ? ' is-mine' : ''), 'data-testid': 'comment', 'data-id': c.id, 'data-mine': String(mine) },
      el('div', { class: 'comment-meta' },
        el('span', { class: 'comment-author' + (c.author ? '' : ' is-anon') }, mine ? `${author} (${t('c.you')})` : author),
        el('time', { datetime: new Date(c.at).toISOString() }, formatTime(c.at)),
        mine ? el('button', { type: 'button', class: 'btn btn-ghost btn-small comment-delete', 'data-testid': 'comment-delete',
          onclick: () => conn.send({ type: 'comment_delete', comment: c.id }).catch((err) => toast(errorMessage(err))) }, t('c.delete')) : null),
      el('p', { class: 'comment-text' }, c.text));
  }

  function renderAll() {
    clear(list);
    nodes.clear();
    for (const c of room.commentList()) { const node = item(c); nodes.set(c.id, node); list.appendChild(node); }
    unseen = 0;
    renderChrome();
    requestAnimationFrame(toBottom);
  }

  function renderChrome() {
    empty.hidden = nodes.size > 0;
    empty.textContent = t('c.empty');
    newButton.hidden = unseen === 0;
    newButton.textContent = '↓ ' + t('c.new', { n: unseen });
    $('#count-comments').textContent = nodes.size ? String(nodes.size) : '';
    const s = room.settings;
    const off = s.comments === false;
    notice.hidden = !(off || s.closed);
    notice.textContent = s.closed ? t('c.closed') : off ? t('c.off') : '';
    form.hidden = off || Boolean(s.closed);
  }

  function onComment({ id, added, removed }) {
    const c = room.comments.get(id);
    const node = nodes.get(id);
    if (removed || !c) {
      if (node) { node.remove(); nodes.delete(id); }
      // comments dropped from the front (memory bound) are not announced
    } else if (node) {
      node.replaceWith(nodes.set(id, item(c)).get(id));
    } else if (added) {
      const follow = atBottom() || room.isMine(c);
      const fresh = item(c);
      nodes.set(id, fresh);
      list.appendChild(fresh);
      if (follow) toBottom(); else unseen++;
    }
    for (const [oldId, oldNode] of nodes) if (!room.comments.has(oldId)) { oldNode.remove(); nodes.delete(oldId); }
    renderChrome();
  }

  room.on('reset', renderAll);
  room.on('comments', (kind, detail) => onComment(detail));
  room.on('room', renderChrome);

  function render() {
    label.textContent = t('c.label');
    input.placeholder = t('c.placeholder');
    submit.textContent = t('c.send');
    list.setAttribute('aria-label', t('c.list_label'));
    if (room.loaded) renderAll(); else renderChrome();
  }
  render();
  return { render, shown(tabId) { if (tabId === 'tab-comments' && unseen === 0) requestAnimationFrame(toBottom); } };
}
