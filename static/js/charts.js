// charts.js — poll results, word clouds and quiz leaderboards, drawn from
// data as text and plain elements (never innerHTML), for the host console,
// the projector screen, the audience page and the report.
//
//   import { renderResults, renderLeaderboard } from './charts.js';
//   renderResults(node, poll, results, { large: true });   // any poll kind
//   renderLeaderboard(node, leaderboardEvent.room);
//
// Every figure is also written as text (counts, percentages, the average),
// so nothing is told by a bar's length alone; bars are aria-hidden. Calling
// renderResults again on the same node with the same poll updates the rows
// in place, so the bars glide to their new lengths (no animation when the
// user prefers reduced motion). The module adds its stylesheet
// (/static/charts.css) to the document on first import.
//
// results, per kind (docs/protocol.md "Polls"):
//   single, multi, quiz  {counts:[…], total}
//   rating               {counts:[5 numbers, rating 1 first], total, average}
//   wordcloud            {total, words:{word: count}}
//   text                 {total, answers:[…oldest first]}

import { el, clear } from './dom.js';
import { t, addStrings, formatNumber, locale } from './i18n.js';

/** WORDCLOUD_MAX_WORDS bounds the words a cloud shows (the server sends at most 100). */
export const WORDCLOUD_MAX_WORDS = 60;
/** TEXT_ANSWERS_SHOWN bounds the text answers listed (the newest ones, grouped). */
export const TEXT_ANSWERS_SHOWN = 50;
/** RATING_MAX is the highest rating. */
export const RATING_MAX = 5;

const STYLESHEET = '/static/charts.css';

addStrings({
  en: {
    'chart.results_of': 'Results: {title}',
    'chart.votes': '{n} votes',
    'chart.votes_one': '1 vote',
    'chart.ballots': '{n} responses',
    'chart.ballots_one': '1 response',
    'chart.percent': '{p}%',
    'chart.correct': 'Correct',
    'chart.yours': 'Your answer',
    'chart.no_votes': 'No responses yet',
    'chart.average': 'Average rating',
    'chart.out_of': 'out of {max}',
    'chart.stars': '{n} stars',
    'chart.stars_one': '1 star',
    'chart.word_count': '{word}: {n}',
    'chart.more_answers': 'and {n} earlier answers',
    'chart.answer_count': 'given {n} times',
    'chart.remove': 'Remove “{text}”',
    'chart.hidden': 'Results are hidden until the host reveals them.',
    'lb.title': 'Leaderboard',
    'lb.round': 'This question',
    'lb.overall': 'Overall',
    'lb.points': '{n} pts',
    'lb.rank': 'Rank {n}',
    'lb.empty': 'No points yet',
    'kind.single': 'Single choice',
    'kind.multi': 'Multiple choice',
    'kind.rating': 'Rating',
    'kind.wordcloud': 'Word cloud',
    'kind.text': 'Open text',
    'kind.quiz': 'Quiz',
  },
  zh: {
    'chart.results_of': '结果：{title}',
    'chart.votes': '{n} 票',
    'chart.votes_one': '1 票',
    'chart.ballots': '{n} 份回答',
    'chart.ballots_one': '1 份回答',
    'chart.percent': '{p}%',
    'chart.correct': '正确答案',
    'chart.yours': '你的选择',
    'chart.no_votes': '还没有人回答',
    'chart.average': '平均评分',
    'chart.out_of': '满分 {max}',
    'chart.stars': '{n} 星',
    'chart.stars_one': '1 星',
    'chart.word_count': '{word}：{n}',
    'chart.more_answers': '以及更早的 {n} 条回答',
    'chart.answer_count': '共 {n} 人回答',
    'chart.remove': '移除“{text}”',
    'chart.hidden': '主持人公布之前，结果不可见。',
    'lb.title': '排行榜',
    'lb.round': '本题',
    'lb.overall': '总分',
    'lb.points': '{n} 分',
    'lb.rank': '第 {n} 名',
    'lb.empty': '还没有得分',
    'kind.single': '单选',
    'kind.multi': '多选',
    'kind.rating': '评分',
    'kind.wordcloud': '词云',
    'kind.text': '开放式回答',
    'kind.quiz': '测验',
  },
});

installStylesheet();

function installStylesheet() {
  if (typeof document === 'undefined') return;
  if (document.querySelector(`link[href="${STYLESHEET}"]`)) return;
  document.head.appendChild(el('link', { rel: 'stylesheet', href: STYLESHEET }));
}

/** kindLabel returns the name of a poll kind in the current language. */
export function kindLabel(kind) {
  return t('kind.' + kind);
}

/** percent returns count as a whole percentage of total (0 when total is 0). */
export function percent(count, total) {
  return total > 0 ? Math.round((count / total) * 100) : 0;
}

function formatPercent(p) {
  return t('chart.percent', { p: formatNumber(p) });
}

/**
 * renderResults draws poll's results into node, replacing what it held
 * (or updating it in place when it already shows the same poll).
 *
 * opts:
 *   correct  option indexes to mark correct (default: poll.correct, which the
 *            server sends only when the receiver may see it)
 *   mine     this participant's ballot (choices array, rating, words or text)
 *   large    projector sizes
 *   caption  false to leave out the total line
 */
export function renderResults(node, poll, results, opts = {}) {
  node.classList.add('chart');
  node.classList.toggle('chart-large', Boolean(opts.large));
  node.setAttribute('data-testid', 'results-chart');
  node.setAttribute('role', 'figure');
  node.setAttribute('aria-label', t('chart.results_of', { title: poll.title || '' }));
  node.dataset.kind = poll.kind;
  const r = results || { counts: [], total: 0 };
  switch (poll.kind) {
    case 'rating':
      renderRating(node, poll, r, opts);
      break;
    case 'wordcloud':
      renderWordCloud(node, r.words || {}, { ...opts, poll: poll.id });
      break;
    case 'text':
      renderTextAnswers(node, r.answers || [], r.total || 0, opts);
      break;
    default:
      renderBars(node, poll, r, opts);
  }
  return node;
}

/** renderBars draws one bar per option: label, count and percentage as text. */
function renderBars(node, poll, r, opts) {
  const options = poll.options || [];
  const counts = options.map((_, i) => Number(r.counts && r.counts[i]) || 0);
  const total = Number(r.total) || 0;
  const correct = new Set(opts.correct || poll.correct || []);
  const mine = new Set(Array.isArray(opts.mine) ? opts.mine : []);
  const most = Math.max(0, ...counts);
  const signature = 'bars:' + poll.id + ':' + options.join('\u0000') + ':' + [...correct].join(',') + ':' + [...mine].join(',') + ':' + currentLangTag();
  let list = node.querySelector(':scope > ol.chart-bars');
  if (node.dataset.signature !== signature || !list) {
    clear(node);
    node.dataset.signature = signature;
    list = el('ol', { class: 'chart-bars' }, options.map((label, i) => {
      const isCorrect = correct.has(i);
      return el('li', { class: 'chart-row' + (isCorrect ? ' is-correct' : '') + (mine.has(i) ? ' is-mine' : ''), 'data-index': i },
        el('div', { class: 'chart-row-head' },
          el('span', { class: 'chart-label' },
            isCorrect ? el('span', { class: 'chart-check', 'aria-hidden': 'true' }, '✓') : null,
            el('span', { class: 'chart-label-text' }, label),
            isCorrect ? el('span', { class: 'badge badge-success chart-tag' }, t('chart.correct')) : null,
            mine.has(i) ? el('span', { class: 'badge badge-accent chart-tag' }, t('chart.yours')) : null),
          el('span', { class: 'chart-value' })),
        el('div', { class: 'chart-track', 'aria-hidden': 'true' }, el('div', { class: 'chart-fill' })));
    }));
    node.appendChild(list);
    if (opts.caption !== false) node.appendChild(el('p', { class: 'chart-total' }));
  }
  list.querySelectorAll(':scope > li').forEach((row, i) => {
    const count = counts[i];
    const p = percent(count, total);
    row.querySelector('.chart-value').textContent = votesText(count) + ' · ' + formatPercent(p);
    // Bars are scaled to the share of people; the leading option is highlighted.
    row.querySelector('.chart-fill').style.width = p + '%';
    row.classList.toggle('is-lead', total > 0 && count === most && most > 0);
  });
  const caption = node.querySelector(':scope > .chart-total');
  if (caption) caption.textContent = total > 0 ? ballotsText(total) : t('chart.no_votes');
}

function votesText(count) {
  return count === 1 ? t('chart.votes_one') : t('chart.votes', { n: formatNumber(count) });
}

function ballotsText(total) {
  return total === 1 ? t('chart.ballots_one') : t('chart.ballots', { n: formatNumber(total) });
}

function currentLangTag() {
  return locale();
}

/** renderRating draws the average as a number and stars, and the distribution as bars (5 stars first). */
function renderRating(node, poll, r, opts) {
  const counts = Array.from({ length: RATING_MAX }, (_, i) => Number(r.counts && r.counts[i]) || 0);
  const total = Number(r.total) || 0;
  const average = Number(r.average) || 0;
  const signature = 'rating:' + poll.id + ':' + (opts.mine || '') + ':' + currentLangTag();
  if (node.dataset.signature !== signature || !node.querySelector(':scope > .rating-summary')) {
    clear(node);
    node.dataset.signature = signature;
    node.appendChild(el('div', { class: 'rating-summary' },
      el('div', { class: 'rating-average' },
        el('span', { class: 'rating-number' }),
        el('span', { class: 'rating-outof' }, t('chart.out_of', { max: RATING_MAX }))),
      el('div', { class: 'rating-stars', 'aria-hidden': 'true' },
        Array.from({ length: RATING_MAX }, () => el('span', { class: 'avg-star' }, el('span', { class: 'avg-star-fill' }, '★'), '★'))),
      el('span', { class: 'sr-only rating-sr' })));
    node.appendChild(el('ol', { class: 'chart-bars rating-bars' },
      counts.map((_, k) => {
        const stars = RATING_MAX - k;
        return el('li', { class: 'chart-row' + (Number(opts.mine) === stars ? ' is-mine' : ''), 'data-rating': stars },
          el('div', { class: 'chart-row-head' },
            el('span', { class: 'chart-label' }, el('span', { class: 'chart-label-text' }, stars === 1 ? t('chart.stars_one') : t('chart.stars', { n: stars })),
              Number(opts.mine) === stars ? el('span', { class: 'badge badge-accent chart-tag' }, t('chart.yours')) : null),
            el('span', { class: 'chart-value' })),
          el('div', { class: 'chart-track', 'aria-hidden': 'true' }, el('div', { class: 'chart-fill' })));
      })));
    if (opts.caption !== false) node.appendChild(el('p', { class: 'chart-total' }));
  }
  const shown = average.toLocaleString(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 2 });
  node.querySelector('.rating-number').textContent = total > 0 ? shown : '–';
  node.querySelector('.rating-sr').textContent = t('chart.average') + ': ' + (total > 0 ? shown : '–') + ' ' + t('chart.out_of', { max: RATING_MAX });
  node.querySelectorAll('.rating-stars .avg-star-fill').forEach((star, i) => {
    star.style.width = Math.round(Math.max(0, Math.min(1, average - i)) * 100) + '%';
  });
  node.querySelectorAll('.rating-bars > li').forEach((row) => {
    const stars = Number(row.dataset.rating);
    const count = counts[stars - 1];
    const p = percent(count, total);
    row.querySelector('.chart-value').textContent = votesText(count) + ' · ' + formatPercent(p);
    row.querySelector('.chart-fill').style.width = p + '%';
  });
  const caption = node.querySelector(':scope > .chart-total');
  if (caption) caption.textContent = total > 0 ? ballotsText(total) : t('chart.no_votes');
}

/**
 * cloudLayout orders and sizes words for a cloud, deterministically (the
 * same words and counts always give the same picture): the most frequent
 * words (ties by the word) are sized by the square root of their share of
 * the range between the least and the most frequent, and placed from the
 * centre outwards, alternating right and left, so the biggest words sit in
 * the middle. Returns [{word, count, size (0–1), tone (0–5)}] in display order.
 */
export function cloudLayout(words, max = WORDCLOUD_MAX_WORDS) {
  // The wire sends {word: count}; the export [{word, count}].
  const pairs = Array.isArray(words) ? words.map((w) => [String(w && w.word), w && w.count]) : Object.entries(words || {});
  const entries = pairs
    .map(([word, count]) => ({ word, count: Number(count) || 0 }))
    .filter((e) => e.count > 0)
    .sort((a, b) => (b.count - a.count) || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0))
    .slice(0, max);
  if (!entries.length) return [];
  const hi = entries[0].count;
  const lo = entries[entries.length - 1].count;
  const ordered = [];
  entries.forEach((e, i) => {
    const size = hi === lo ? 1 : Math.sqrt((e.count - lo) / (hi - lo));
    const item = { ...e, size, tone: (hashWord(e.word) >>> 7) % 6 };
    if (i % 2 === 0) ordered.push(item); else ordered.unshift(item);
  });
  return ordered;
}

/** hashWord is a small stable hash (FNV-1a) choosing a word's colour. */
function hashWord(word) {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    h ^= word.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** renderWordCloud draws words ({word: count}) as a cloud of text sized by count. */
export function renderWordCloud(node, words, opts = {}) {
  const layout = cloudLayout(words, opts.max || WORDCLOUD_MAX_WORDS);
  const signature = 'cloud:' + layout.map((w) => w.word + '=' + w.count).join(',') + ':' + currentLangTag() + (opts.onRemove ? ':rm' : '');
  if (node.dataset.signature === signature) return node;
  clear(node);
  node.dataset.signature = signature;
  node.classList.add('chart');
  if (!layout.length) {
    node.appendChild(el('p', { class: 'chart-empty' }, t('chart.no_votes')));
    return node;
  }
  const [minRem, maxRem] = opts.large ? [1.4, 6] : [0.95, 3];
  node.appendChild(el('ul', { class: 'cloud' }, layout.map((w) => el('li', {
    class: 'cloud-word tone-' + w.tone,
    // --fit: the screen shrinks a crowded cloud to fit its stage (1 elsewhere).
    style: { fontSize: 'calc(var(--fit, 1) * ' + (minRem + (maxRem - minRem) * w.size).toFixed(2) + 'rem)', fontWeight: String(500 + Math.round(w.size * 3) * 100) },
    title: t('chart.word_count', { word: w.word, n: w.count }),
  }, w.word, el('span', { class: 'sr-only' }, ' (' + formatNumber(w.count) + ')'), removeButton(w.word, opts)))));
  return node;
}

/**
 * groupAnswers folds identical answers (ignoring case, width and spacing)
 * into one entry with its count: the most given first, then the newest.
 * answers are oldest first; returns [{text, count}], text as last written.
 */
export function groupAnswers(answers) {
  const groups = new Map();
  answers.forEach((a, i) => {
    const key = String(a).normalize('NFKC').toLocaleLowerCase().replace(/\s+/g, ' ').trim();
    const g = groups.get(key);
    if (g) { g.count++; g.last = i; g.text = a; } else groups.set(key, { text: a, count: 1, last: i });
  });
  return [...groups.values()].sort((a, b) => (b.count - a.count) || (b.last - a.last));
}

/**
 * removeButton is the console's control that takes answer text (a text
 * answer or a word) out of the results: opts.onRemove(text), or nothing
 * where the chart has no onRemove (the screen, the phones, the report).
 */
function removeButton(text, opts) {
  if (!opts.onRemove) return null;
  return el('button', {
    type: 'button', class: 'answer-remove', 'data-testid': 'answer-remove', 'aria-label': t('chart.remove', { text }),
    title: t('chart.remove', { text }), onclick: () => opts.onRemove(text),
  }, '×');
}

/** renderTextAnswers lists text answers, identical ones grouped with their count, most given first. */
function renderTextAnswers(node, answers, total, opts) {
  const recent = answers.slice(-TEXT_ANSWERS_SHOWN);
  // Every answer, not only the last: a removed answer changes the list in the middle.
  const signature = 'text:' + total + ':' + answers.join('\u0000') + ':' + currentLangTag() + (opts.onRemove ? ':rm' : '');
  if (node.dataset.signature === signature) return;
  clear(node);
  node.dataset.signature = signature;
  if (!recent.length) {
    node.appendChild(el('p', { class: 'chart-empty' }, t('chart.no_votes')));
    return;
  }
  const groups = groupAnswers(recent);
  node.appendChild(el('ol', { class: 'answers' }, groups.map((g) => el('li', { class: 'answer-item' + (opts.mine === g.text ? ' is-mine' : '') },
    el('span', { class: 'answer-text' }, g.text),
    g.count > 1 ? el('span', { class: 'answer-count', 'aria-label': t('chart.answer_count', { n: g.count }) }, '×' + formatNumber(g.count)) : null,
    removeButton(g.text, opts)))));
  const more = Math.max(0, total - recent.length);
  if (more > 0) node.appendChild(el('p', { class: 'chart-total' }, t('chart.more_answers', { n: formatNumber(more) })));
  else if (opts.caption !== false) node.appendChild(el('p', { class: 'chart-total' }, ballotsText(total)));
}

/**
 * renderLeaderboard draws leaderboard entries ([{rank, name, points}]) as an
 * ordered list with medals for the first three. opts.title: a heading text.
 */
export function renderLeaderboard(node, entries, opts = {}) {
  clear(node);
  node.classList.add('leaderboard');
  node.classList.toggle('leaderboard-large', Boolean(opts.large));
  node.setAttribute('data-testid', opts.testid || 'leaderboard');
  if (opts.title) node.appendChild(el('h3', { class: 'leaderboard-title' }, opts.title));
  const list = (entries || []).filter((e) => e && typeof e === 'object');
  if (!list.length) {
    node.appendChild(el('p', { class: 'chart-empty' }, t('lb.empty')));
    return node;
  }
  const top = Math.max(1, ...list.map((e) => Number(e.points) || 0));
  node.appendChild(el('ol', { class: 'lb-list' }, list.map((e, i) => {
    const rank = Number(e.rank) || i + 1;
    const points = Number(e.points) || 0;
    return el('li', { class: 'lb-row' + (rank <= 3 ? ' lb-medal-' + rank : '') },
      el('span', { class: 'lb-rank', 'aria-label': t('lb.rank', { n: rank }) }, String(rank)),
      el('span', { class: 'lb-name' }, String(e.name || e.author || e.participant || '—')),
      el('span', { class: 'lb-points' }, t('lb.points', { n: formatNumber(points) })),
      el('span', { class: 'lb-bar', 'aria-hidden': 'true', style: { width: Math.round((points / top) * 100) + '%' } }));
  })));
  return node;
}
