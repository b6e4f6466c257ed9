// audience-polls.js — the polls part of the audience page: vote in open polls
// of every kind (single, multi with its maximum, rating 1–5, word cloud,
// free text, quiz with its countdown from closes_at), change a ballot while
// the poll is open, and see results once the host reveals them; the quiz
// leaderboard when one arrives.
//
// What the participant picked but has not sent yet is kept per poll, so a
// poll event (the host revealing results, say) never loses it.
//
// A poll that opens while the page is up is announced (aria-live) and, on
// the Polls tab, scrolled into view unless the reader is typing an answer;
// on another tab the page's alert offers it (ctx.alertPoll). A timed quiz
// with its speed bonus on and one answer to pick is answered in one tap:
// its options are buttons that send the ballot, and it has no Vote button.
// A quiz closed by its timer in a run that advances on its own counts
// down to the next question from its advances_at.
//
// Test hooks (data-testid): polls, poll (data-id, data-kind, data-state),
// poll-option (radio or checkbox, value = option index; a button in a
// one-tap quiz, aria-pressed on the answer sent), rating-1 … rating-5,
// poll-text-input, vote-submit, vote-status, countdown, next-countdown, quiz-verdict,
// results-chart, leaderboard (its row of this participant has class
// is-you and a "You" badge, lb-you-badge), lb-you (this participant's
// rank and points, shown when its row is not in the list).

import { el, clear, toast, keepScroll, announce, prefersReducedMotion } from './dom.js';
import { t, addStrings, errorMessage, formatNumber } from './i18n.js';
import { newCid } from './client.js';
import { idNumber } from './state.js';
import { drawResults, drawLeaderboard, chartsReady } from './results.js';

/** MAX_POLL_TEXT is the longest word-cloud or text answer, in characters. */
const MAX_POLL_TEXT = 100;

addStrings({
  en: {
    'poll.kind.single': 'Poll',
    'poll.kind.multi': 'Poll',
    'poll.kind.rating': 'Rating',
    'poll.kind.wordcloud': 'Word cloud',
    'poll.kind.text': 'Open question',
    'poll.kind.quiz': 'Quiz',
    'poll.open': 'Live',
    'poll.closed': 'Closed',
    'poll.room_closed': 'The room is closed: voting has stopped.',
    'poll.choose_one': 'Choose one',
    'poll.tap_answer': 'Tap your answer: it is sent at once, and faster answers score more.',
    'poll.opened': 'New poll: {title}',
    'poll.quiz_opened': 'Quiz open, {s} seconds: {title}',
    'poll.choose_up_to': 'Choose up to {n}',
    'poll.choose_n': 'Choose {n}',
    'poll.rate': 'Your rating, from 1 (low) to 5 (high)',
    'poll.rating_n': '{n} of 5',
    'poll.words_placeholder': 'Up to 3 words',
    'poll.text_placeholder': 'Your answer',
    'poll.answer_label': 'Your answer',
    'poll.vote': 'Vote',
    'poll.change_vote': 'Change vote',
    'poll.change_answer': 'Change answer',
    'poll.answered': 'Your answer is in. A new one replaces it while the poll is open.',
    'poll.submit_answer': 'Submit',
    'poll.voted': 'Your vote is in. You can change it while the poll is open.',
    'poll.voted_closed': 'You voted.',
    'poll.pick_first': 'Pick an answer first.',
    'poll.too_many': 'Choose at most {n}.',
    'poll.closed_wait': 'Voting has closed. Results will appear if the host shares them.',
    'poll.time_up': 'Time is up',
    'poll.next_in': 'Next question in {s} s',
    'poll.next_now': 'Next question…',
    'poll.seconds_left': '{s} seconds left',
    'poll.correct': 'Correct — well done!',
    'poll.wrong': 'Not this time.',
    'poll.your_answer': 'Your answer: {answer}',
    'poll.leaderboard': 'Leaderboard',
    'poll.results': 'Results',
    'poll.lb_you': 'You',
    'poll.you_standing': 'You: rank {rank}, {points} points',
    'poll.you_standing_one': 'You: rank {rank}, 1 point',
    'poll.you_unranked': 'You: no points yet',
  },
  zh: {
    'poll.kind.single': '投票',
    'poll.kind.multi': '投票',
    'poll.kind.rating': '评分',
    'poll.kind.wordcloud': '词云',
    'poll.kind.text': '开放问题',
    'poll.kind.quiz': '测验',
    'poll.open': '进行中',
    'poll.closed': '已结束',
    'poll.room_closed': '房间已关闭，投票已停止。',
    'poll.choose_one': '单选',
    'poll.tap_answer': '点选答案即提交，答得越快得分越高。',
    'poll.opened': '新投票：{title}',
    'poll.quiz_opened': '测验开始，限时 {s} 秒：{title}',
    'poll.choose_up_to': '最多选 {n} 项',
    'poll.choose_n': '选择 {n} 项',
    'poll.rate': '你的评分，1（低）到 5（高）',
    'poll.rating_n': '{n} 分（满分 5）',
    'poll.words_placeholder': '最多 3 个词',
    'poll.text_placeholder': '你的回答',
    'poll.answer_label': '你的回答',
    'poll.vote': '投票',
    'poll.change_vote': '修改投票',
    'poll.change_answer': '修改回答',
    'poll.answered': '已提交回答。投票结束前可重新提交，新回答会替换旧的。',
    'poll.submit_answer': '提交',
    'poll.voted': '已投票。投票结束前可以修改。',
    'poll.voted_closed': '你已投票。',
    'poll.pick_first': '请先选择。',
    'poll.too_many': '最多选 {n} 项。',
    'poll.closed_wait': '投票已结束。主持人公布后将显示结果。',
    'poll.time_up': '时间到',
    'poll.next_in': '{s} 秒后下一题',
    'poll.next_now': '下一题即将开始…',
    'poll.seconds_left': '剩余 {s} 秒',
    'poll.correct': '回答正确，太棒了！',
    'poll.wrong': '这次没答对。',
    'poll.your_answer': '你的回答：{answer}',
    'poll.leaderboard': '排行榜',
    'poll.results': '结果',
    'poll.lb_you': '你',
    'poll.you_standing': '你：第 {rank} 名，{points} 分',
    'poll.you_standing_one': '你：第 {rank} 名，1 分',
    'poll.you_unranked': '你：暂无得分',
  },
});

/** secondsLeft returns the whole seconds until closesAt (Unix ms), 0 when past or unset. */
export function secondsLeft(closesAt, now = Date.now()) {
  return closesAt > 0 ? Math.max(0, Math.ceil((closesAt - now) / 1000)) : 0;
}

function formatCountdown(s) {
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** ballotText renders a kept ballot (choices, rating, words or text) for poll as text. */
function ballotText(poll, ballot) {
  if (Array.isArray(ballot)) {
    if (poll.kind === 'wordcloud') return ballot.join(', ');
    return ballot.map((i) => (poll.options || [])[i]).filter((x) => x !== undefined).join(', ');
  }
  if (poll.kind === 'rating') return '★'.repeat(Number(ballot) || 0);
  return String(ballot ?? '');
}

/** optionLetter is the letter of option i (A, B, C …), as the screen shows it. */
export function optionLetter(i) {
  return String.fromCharCode(65 + i);
}

/**
 * answers reports whether a ballot in poll is an answer (text, word cloud,
 * quiz) rather than a vote, for the wording of its buttons and status.
 */
function answers(poll) {
  return poll.kind === 'text' || poll.kind === 'wordcloud' || poll.kind === 'quiz';
}

/**
 * oneTap reports whether poll is answered by tapping an option, with no
 * Vote button: an open timed quiz with its speed bonus on and a single
 * answer to pick, where every second spent on a second tap costs points.
 */
export function oneTap(poll) {
  return poll.kind === 'quiz' && Boolean(poll.speed_bonus) && poll.closes_at > 0 && (poll.max || 1) === 1;
}

/**
 * mountPolls keeps the poll cards in list (emptyNote shown when there is
 * nothing to show) and the leaderboard in board. A poll that opens after
 * the page loaded is announced and brought into view on the Polls tab
 * (ctx.currentTab() === 'tab-polls'); on another tab ctx.alertPoll(poll)
 * is called. Returns {render}.
 */
export function mountPolls({ conn, room, alertPoll, currentTab }, list, board, emptyNote) {
  const seenOpen = new Set(); // polls known to be open, to notice newly opened ones
  const cards = new Map(); // poll id → card element
  const drafts = new Map(); // poll id → {choices: Set, rating, text}

  function draftOf(poll) {
    if (!drafts.has(poll.id)) {
      const mine = room.votes[poll.id];
      drafts.set(poll.id, {
        choices: new Set(Array.isArray(mine) && poll.kind !== 'wordcloud' ? mine : []),
        rating: poll.kind === 'rating' ? Number(mine) || 0 : 0,
        text: typeof mine === 'string' ? mine : Array.isArray(mine) && poll.kind === 'wordcloud' ? mine.join(' ') : '',
      });
    }
    return drafts.get(poll.id);
  }

  function ordered() {
    const polls = room.pollList().filter((p) => p.state === 'open' || p.state === 'closed');
    const open = polls.filter((p) => p.state === 'open').sort((a, b) => idNumber(b.id) - idNumber(a.id));
    const closed = polls.filter((p) => p.state === 'closed').sort((a, b) => idNumber(b.id) - idNumber(a.id));
    return [...open, ...closed];
  }

  function renderAll() {
    keepScroll(list, renderCards);
  }

  function renderCards() {
    const polls = ordered();
    const keep = new Set(polls.map((p) => p.id));
    for (const [id, card] of cards) if (!keep.has(id)) { card.remove(); cards.delete(id); }
    for (const poll of polls) {
      let card = cards.get(poll.id);
      if (!card || card.dataset.signature !== signature(poll)) {
        const fresh = buildCard(poll);
        if (card) card.replaceWith(fresh);
        card = fresh;
        cards.set(poll.id, card);
      }
      list.appendChild(card);
    }
    renderCount(polls);
  }

  /** renderCount shows on the tab how many open polls still wait for this participant's ballot. */
  function renderCount(polls) {
    emptyNote.hidden = polls.length > 0 || !board.hidden;
    const waitingForMe = polls.filter((p) => p.state === 'open' && room.votes[p.id] === undefined).length;
    const node = document.getElementById('count-polls');
    if (node) {
      node.textContent = waitingForMe ? String(waitingForMe) : '';
      node.classList.toggle('is-hot', waitingForMe > 0);
    }
  }

  /**
   * noticeOpened returns the polls that opened since the last look and
   * still wait for this participant's ballot (none when quiet).
   */
  function noticeOpened(quiet) {
    const fresh = [];
    for (const poll of room.polls.values()) {
      const open = poll.state === 'open';
      if (open && !seenOpen.has(poll.id) && !quiet && room.votes[poll.id] === undefined) fresh.push(poll);
      if (open) seenOpen.add(poll.id); else seenOpen.delete(poll.id);
    }
    return fresh;
  }

  /**
   * present tells the participant that poll has just opened: on the Polls
   * tab it is announced and scrolled into view (title first, below the
   * sticky header: see scroll-padding-top), unless a text field has the
   * focus (someone typing an answer keeps their place); on another tab the
   * page's alert offers it.
   */
  function present(poll) {
    const card = cards.get(poll.id);
    if (!card) return;
    if (currentTab && currentTab() !== 'tab-polls') {
      if (alertPoll) alertPoll(poll);
      return;
    }
    announce(poll.kind === 'quiz' && poll.closes_at > 0
      ? t('poll.quiz_opened', { title: poll.title, s: poll.seconds || secondsLeft(poll.closes_at) })
      : t('poll.opened', { title: poll.title }));
    const focus = document.activeElement;
    const typing = focus && (focus.tagName === 'TEXTAREA' || (focus.tagName === 'INPUT' && !['radio', 'checkbox'].includes(focus.type)));
    if (!typing) card.scrollIntoView({ block: 'start', behavior: prefersReducedMotion() ? 'auto' : 'smooth' });
  }

  /** signature changes when a card must be rebuilt (not for new tallies or ballots). */
  function signature(poll) {
    return [poll.state, Boolean(room.settings.closed), poll.reveal, poll.title, (poll.options || []).join('\u0000'), poll.max, poll.closes_at, poll.advances_at || 0, Boolean(poll.speed_bonus), (poll.correct || []).join(',')].join('|');
  }

  function buildCard(poll) {
    // In a closed room the server takes no ballot: no form, and say why.
    const open = poll.state === 'open' && !room.settings.closed;
    const card = el('article', { class: 'card poll' + (open ? ' is-open' : ' is-closed'), 'data-testid': 'poll', 'data-id': poll.id,
      'data-kind': poll.kind, 'data-state': poll.state, 'aria-labelledby': 'poll-title-' + poll.id });
    card.dataset.signature = signature(poll);
    const head = el('div', { class: 'poll-head' },
      el('span', { class: 'badge' + (poll.kind === 'quiz' ? ' badge-accent' : '') }, t('poll.kind.' + poll.kind)),
      el('span', { class: 'badge ' + (open ? 'badge-success' : '') }, open ? '● ' + t('poll.open') : t('poll.closed')),
      el('span', { class: 'spacer' }));
    if (open && poll.closes_at > 0) {
      head.append(el('span', { class: 'countdown', 'data-testid': 'countdown', 'data-closes-at': String(poll.closes_at), role: 'timer' }));
    }
    if (poll.state === 'closed' && poll.advances_at > 0) {
      // The run steps on by itself: say when the next question comes.
      head.append(el('span', { class: 'countdown', 'data-testid': 'next-countdown', 'data-advances-at': String(poll.advances_at), role: 'timer' }));
    }
    card.append(head, el('h3', { class: 'poll-title', id: 'poll-title-' + poll.id }, poll.title));
    if (open) card.append(buildForm(poll));
    else if (poll.state === 'open') card.append(el('p', { class: 'muted', 'data-testid': 'poll-room-closed' }, t('poll.room_closed')));
    const status = el('p', { class: 'vote-status', 'data-testid': 'vote-status', 'aria-live': 'polite' });
    card.append(status);
    const results = el('div', { class: 'poll-results' });
    card.append(results);
    updateCard(card, poll);
    tick(card);
    return card;
  }

  function buildForm(poll) {
    const draft = draftOf(poll);
    const name = 'poll-' + poll.id;
    const hintId = 'poll-hint-' + poll.id;
    const fields = [];
    let hint = '';
    if (oneTap(poll)) {
      hint = t('poll.tap_answer');
      const buttons = (poll.options || []).map((label, i) => {
        const button = el('button', { type: 'button', class: 'option option-tap', 'data-testid': 'poll-option', value: String(i),
          'aria-pressed': String(draft.choices.has(i)) },
        el('span', { class: 'option-mark option-letter' }, optionLetter(i)), el('span', { class: 'option-text' }, label));
        button.addEventListener('click', () => tap(poll.id, i, buttons));
        return button;
      });
      fields.push(...buttons);
    } else if (poll.kind === 'single' || poll.kind === 'multi' || poll.kind === 'quiz') {
      const max = poll.kind === 'single' ? 1 : (poll.max || (poll.options || []).length);
      const multiple = max > 1;
      hint = !multiple ? t('poll.choose_one') : poll.kind === 'quiz' ? t('poll.choose_n', { n: max }) : t('poll.choose_up_to', { n: max });
      const inputs = [];
      const sync = () => {
        for (const input of inputs) {
          input.disabled = multiple && !input.checked && draft.choices.size >= max;
          input.closest('.option').classList.toggle('is-checked', input.checked);
        }
      };
      (poll.options || []).forEach((label, i) => {
        const input = el('input', { type: multiple ? 'checkbox' : 'radio', name, value: String(i), 'data-testid': 'poll-option',
          checked: draft.choices.has(i) });
        input.addEventListener('change', () => {
          if (!multiple) draft.choices.clear();
          if (input.checked) draft.choices.add(i); else draft.choices.delete(i);
          sync();
        });
        inputs.push(input);
        fields.push(el('label', { class: 'option' }, input, el('span', { class: 'option-mark option-letter' }, optionLetter(i)), el('span', { class: 'option-text' }, label)));
      });
      queueMicrotask(sync);
    } else if (poll.kind === 'rating') {
      hint = t('poll.rate');
      const stars = [];
      for (let n = 1; n <= 5; n++) {
        const input = el('input', { type: 'radio', name, value: String(n), 'data-testid': 'rating-' + n, checked: draft.rating === n,
          'aria-label': t('poll.rating_n', { n }) });
        input.addEventListener('change', () => { draft.rating = n; paint(); });
        stars.push(el('label', { class: 'star' }, input, el('span', { 'aria-hidden': 'true', class: 'star-glyph' }, '★'), el('span', { class: 'star-n', 'aria-hidden': 'true' }, String(n))));
      }
      const paint = () => stars.forEach((s, i) => s.classList.toggle('is-lit', i < draft.rating));
      paint();
      fields.push(el('div', { class: 'stars' }, stars));
    } else {
      const wordcloud = poll.kind === 'wordcloud';
      const input = el(wordcloud ? 'input' : 'textarea', { class: wordcloud ? 'input' : 'textarea', 'data-testid': 'poll-text-input',
        maxlength: MAX_POLL_TEXT, rows: 2, value: draft.text, 'aria-label': t('poll.answer_label'),
        placeholder: wordcloud ? t('poll.words_placeholder') : t('poll.text_placeholder') });
      if (!wordcloud) input.value = draft.text;
      input.addEventListener('input', () => { draft.text = input.value; });
      fields.push(input);
    }
    const submit = oneTap(poll) ? null : el('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'vote-submit' },
      room.votes[poll.id] !== undefined ? changeLabel(poll) : (poll.kind === 'text' || poll.kind === 'wordcloud' ? t('poll.submit_answer') : t('poll.vote')));
    const form = el('form', { class: 'poll-form', novalidate: true },
      el('fieldset', { 'aria-describedby': hintId },
        el('legend', { class: 'sr-only' }, poll.title),
        hint ? el('p', { class: 'hint poll-hint', id: hintId }, hint) : null,
        el('div', { class: 'options' + (poll.kind === 'rating' ? ' is-rating' : '') }, fields)),
      submit ? el('div', { class: 'poll-actions' }, submit) : null);
    form.addEventListener('submit', (e) => { e.preventDefault(); if (submit) vote(poll.id, submit); });
    return form;
  }

  /**
   * tap sends option i as the ballot of one-tap quiz id at once and marks
   * it pressed (buttons: the quiz's option buttons, in order); a refused
   * ballot puts the mark back on the ballot the server holds. Taps while a
   * ballot is on its way are ignored, without disabling the buttons (a
   * disabled button would lose the keyboard focus).
   */
  async function tap(id, i, buttons) {
    const poll = room.polls.get(id);
    if (!poll || buttons.sending) return;
    const draft = draftOf(poll);
    const paint = () => buttons.forEach((b, j) => b.setAttribute('aria-pressed', String(draft.choices.has(j))));
    draft.choices = new Set([i]);
    paint();
    buttons.sending = true;
    try {
      await conn.send({ type: 'vote', poll: id, cid: newCid(), choices: [i] });
      room.recordBallot(id, [i]);
    } catch (err) {
      toast(errorMessage(err));
      const mine = room.votes[id];
      draft.choices = new Set(Array.isArray(mine) ? mine : []);
      paint();
    } finally {
      buttons.sending = false;
    }
  }

  /** changeLabel is the submit button's text once a ballot is in: a new ballot replaces it. */
  function changeLabel(poll) {
    return t(answers(poll) ? 'poll.change_answer' : 'poll.change_vote');
  }

  async function vote(id, submit) {
    const poll = room.polls.get(id);
    if (!poll) return;
    const draft = draftOf(poll);
    const cmd = { type: 'vote', poll: id, cid: newCid() };
    let kept;
    if (poll.kind === 'rating') {
      if (!draft.rating) { toast(t('poll.pick_first')); return; }
      cmd.rating = kept = draft.rating;
    } else if (poll.kind === 'wordcloud' || poll.kind === 'text') {
      const text = draft.text.trim();
      if (!text) { toast(t('poll.pick_first')); return; }
      cmd.text = kept = text;
    } else {
      if (!draft.choices.size) { toast(t('poll.pick_first')); return; }
      cmd.choices = kept = [...draft.choices].sort((a, b) => a - b);
    }
    submit.disabled = true;
    try {
      await conn.send(cmd);
      room.recordBallot(id, kept);
      submit.textContent = changeLabel(poll);
    } catch (err) {
      toast(errorMessage(err));
    } finally {
      submit.disabled = false;
    }
  }

  /** updateCard refreshes what changes without a rebuild: the ballot line, results, quiz verdict. */
  function updateCard(card, poll) {
    const mine = room.votes[poll.id];
    const voted = mine !== undefined;
    const status = card.querySelector('.vote-status');
    const open = poll.state === 'open';
    const lines = [];
    if (open && voted) lines.push('✓ ' + t(answers(poll) ? 'poll.answered' : 'poll.voted'));
    if (!open && voted) lines.push(t('poll.your_answer', { answer: ballotText(poll, mine) }));
    if (!open && !room.results.has(poll.id)) lines.push(t('poll.closed_wait'));
    status.textContent = lines.join(' ');
    status.hidden = lines.length === 0;
    let verdict = card.querySelector('[data-testid="quiz-verdict"]');
    if (poll.kind === 'quiz' && !open && Array.isArray(poll.correct) && Array.isArray(mine)) {
      const right = poll.correct.length === mine.length && poll.correct.every((i) => mine.includes(i));
      if (!verdict) { verdict = el('p', { 'data-testid': 'quiz-verdict' }); status.after(verdict); }
      verdict.className = 'quiz-verdict ' + (right ? 'is-right' : 'is-wrong');
      verdict.textContent = right ? '🎉 ' + t('poll.correct') : t('poll.wrong');
    } else if (verdict) verdict.remove();
    const box = card.querySelector('.poll-results');
    const results = room.results.get(poll.id);
    box.hidden = !results;
    if (results) drawResults(box, poll, results, { mine });
  }

  function tick(card) {
    const next = card.querySelector('[data-advances-at]');
    if (next) {
      const s = secondsLeft(Number(next.dataset.advancesAt));
      next.textContent = s > 0 ? t('poll.next_in', { s }) : t('poll.next_now');
    }
    const node = card.querySelector('[data-closes-at]');
    if (!node) return;
    const s = secondsLeft(Number(node.dataset.closesAt));
    node.textContent = s > 0 ? '⏱ ' + formatCountdown(s) : t('poll.time_up');
    node.setAttribute('aria-label', s > 0 ? t('poll.seconds_left', { s }) : t('poll.time_up'));
    node.classList.toggle('is-urgent', s > 0 && s <= 5);
    if (s === 0) {
      for (const button of card.querySelectorAll('[data-testid="vote-submit"], button.option-tap')) button.disabled = true;
      card.classList.add('is-expired');
    }
  }
  setInterval(() => { for (const card of cards.values()) tick(card); }, 250);

  function renderBoard() {
    const ev = room.leaderboard;
    const entries = ev && ['room', 'overall', 'entries', 'top', 'leaders', 'leaderboard'].map((k) => ev[k]).find(Array.isArray);
    board.hidden = !entries;
    if (entries) {
      drawLeaderboard(board, entries, { title: t('poll.leaderboard') });
      markYou(ev, entries.filter((e) => e && typeof e === 'object'));
    }
    renderCount(ordered());
  }

  /**
   * markYou marks this participant's row in the drawn leaderboard (rows
   * in the order of entries), or, when it is not in the list, adds a line
   * with its rank and points from the event's "you" (docs/protocol.md,
   * "Quiz").
   */
  function markYou(ev, entries) {
    // Lines carry handles, not participant ids: "you" names this participant's.
    const me = ev.you && typeof ev.you === 'object' ? ev.you.handle : '';
    const rows = board.querySelectorAll('ol > li');
    const i = me ? entries.findIndex((e) => e.handle === me) : -1;
    if (i >= 0 && rows[i]) {
      const row = rows[i];
      row.classList.add('is-you');
      const badge = el('span', { class: 'badge badge-accent lb-you-badge', 'data-testid': 'lb-you-badge' }, t('poll.lb_you'));
      const name = row.querySelector('.lb-name');
      if (name) name.after(badge); else row.append(' ', badge);
      return;
    }
    const you = ev.you;
    if (!you || typeof you !== 'object') return;
    const rank = Number(you.rank) || 0;
    const points = Number(you.points) || 0;
    board.append(el('p', { class: 'lb-you', 'data-testid': 'lb-you' }, rank > 0
      ? t(points === 1 ? 'poll.you_standing_one' : 'poll.you_standing', { rank: formatNumber(rank), points: formatNumber(points) })
      : t('poll.you_unranked')));
  }

  room.on('reset', () => { drafts.clear(); noticeOpened(true); renderAll(); renderBoard(); });
  room.on('polls', (kind, detail) => {
    if (detail.removed) drafts.delete(detail.id);
    const fresh = noticeOpened(false);
    renderAll();
    // The newest poll first: it is the one at the top of the list.
    if (fresh.length) present(fresh.sort((a, b) => idNumber(b.id) - idNumber(a.id))[0]);
  });
  room.on('results', (kind, { id }) => { const card = cards.get(id); const poll = room.polls.get(id); if (card && poll) updateCard(card, poll); });
  room.on('you', () => { for (const [id, card] of cards) { const poll = room.polls.get(id); if (poll) updateCard(card, poll); } renderCount(ordered()); });
  room.on('leaderboard', renderBoard);
  room.on('room', renderAll);
  chartsReady.then((loaded) => { if (loaded) for (const [id, card] of cards) { const p = room.polls.get(id); if (p) updateCard(card, p); } });

  function render() {
    for (const card of cards.values()) card.dataset.signature = ''; // rebuild in the new language
    renderAll();
    renderBoard();
  }
  return { render };
}
