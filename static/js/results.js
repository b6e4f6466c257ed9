// results.js — draws poll results and the quiz leaderboard on the audience
// page with charts.js (the shared charts module) once it has loaded, and with
// a plain fallback until then or if it is missing, so results always show.
//
//   drawResults(node, poll, results, {mine});   // data-testid="results-chart"
//   drawLeaderboard(node, entries, {title});    // data-testid="leaderboard"
//   chartsReady.then(() => redraw());           // draw again with charts.js

import { el, clear } from './dom.js';
import { t, addStrings, formatNumber } from './i18n.js';

addStrings({
  en: { 'res.total': '{n} responses', 'res.total_one': '1 response', 'res.average': 'Average {avg} / 5', 'res.empty': 'No responses yet', 'res.points': '{n} pts' },
  zh: { 'res.total': '{n} 人作答', 'res.average': '平均 {avg} / 5', 'res.empty': '还没有人作答', 'res.points': '{n} 分' },
});

let charts = null;

/** chartsReady resolves once charts.js has loaded (true) or failed to (false). */
export const chartsReady = import('./charts.js')
  .then((m) => { if (typeof m.renderResults === 'function') charts = m; return Boolean(charts); })
  .catch(() => false);

/** drawResults shows results of poll in node; opts.mine marks this participant's ballot. */
export function drawResults(node, poll, results, opts = {}) {
  if (charts) {
    if (node.classList.contains('fallback-chart')) {
      clear(node); // charts.js updates its own drawing in place, not the fallback's
      node.classList.remove('fallback-chart');
    }
    charts.renderResults(node, poll, results, opts);
    return node;
  }
  clear(node);
  node.classList.add('fallback-chart'); // keeps the classes the page finds the box by
  node.setAttribute('data-testid', 'results-chart');
  const r = results || {};
  const total = Number(r.total) || 0;
  if (poll.kind === 'wordcloud') {
    const words = Object.entries(r.words || {});
    const top = Math.max(1, ...words.map(([, n]) => n));
    node.append(el('p', { class: 'fb-cloud' }, words.map(([w, n]) => el('span', { style: { fontSize: (0.9 + 1.4 * n / top).toFixed(2) + 'rem' } }, w, ' '))));
  } else if (poll.kind === 'text') {
    node.append(el('ul', { class: 'fb-answers' }, (r.answers || []).slice(-30).reverse().map((a) => el('li', {}, a))));
  } else {
    const labels = poll.kind === 'rating' ? ['1 ★', '2 ★', '3 ★', '4 ★', '5 ★'] : (poll.options || []);
    const counts = r.counts || [];
    const sum = Math.max(1, poll.kind === 'rating' ? total : counts.reduce((a, b) => a + (Number(b) || 0), 0));
    const correct = new Set(poll.correct || []);
    node.append(el('ol', { class: 'plain fb-bars' }, labels.map((label, i) => {
      const n = Number(counts[i]) || 0;
      const pct = Math.round((n / sum) * 100);
      return el('li', { class: correct.has(i) ? 'is-correct' : '' },
        el('div', { class: 'fb-label' }, el('span', {}, (correct.has(i) ? '✓ ' : '') + label), el('span', {}, `${pct}% · ${formatNumber(n)}`)),
        el('div', { class: 'fb-track', 'aria-hidden': 'true' }, el('div', { class: 'fb-fill', style: { width: pct + '%' } })));
    })));
    if (poll.kind === 'rating' && r.average !== undefined) node.append(el('p', { class: 'fb-total' }, t('res.average', { avg: r.average })));
  }
  node.append(el('p', { class: 'fb-total' }, total ? t('res.total', { n: formatNumber(total) }) : t('res.empty')));
  return node;
}

/** drawLeaderboard shows leaderboard entries ([{rank, name, points}]) in node. */
export function drawLeaderboard(node, entries, opts = {}) {
  if (charts && typeof charts.renderLeaderboard === 'function') {
    charts.renderLeaderboard(node, entries, opts);
    return node;
  }
  clear(node);
  node.setAttribute('data-testid', 'leaderboard');
  if (opts.title) node.append(el('h3', {}, opts.title));
  node.append(el('ol', { class: 'fb-leaderboard' }, (entries || []).map((e) =>
    el('li', {}, String(e.name || e.author || '—'), ' — ', t('res.points', { n: formatNumber(Number(e.points) || 0) })))));
  return node;
}
