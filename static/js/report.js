// report.js — the after-event report /report/CODE: headline figures, the
// interactions timeline, the participation funnel, the top questions with
// their answers and every poll with its results; printable.
//
// Data: GET /api/rooms/CODE/stats (hubbub.stats.v1) and
// GET /api/rooms/CODE/export?format=json&part=report, both with the host or moderator
// key as Bearer. The key is found like the host console finds it (the #key=
// fragment, then localStorage 'hubbub:key:CODE', then a form). A server
// without the stats endpoint (404) still gets the report from the export,
// with a clear "statistics unavailable" notice where the figures would be.
//
// Test hooks (data-testid): auth, auth-key, auth-submit, auth-error, report,
// headline, stat-*, timeline, funnel, top-questions, report-poll,
// results-chart, stats-unavailable, print, lang-switch.

import { el, $, clear, roomCodeFromPath } from './dom.js';
import { t, addStrings, applyI18n, langSwitch, onLangChange, formatNumber, locale, errorMessage } from './i18n.js';
import { renderResults, kindLabel, percent } from './charts.js';
import { reportStrings } from './report-strings.js';

/** KEY_STORAGE_PREFIX + CODE is where the console and the report keep the key. */
const KEY_STORAGE_PREFIX = 'hubbub:key:';
/** TOP_QUESTIONS is how many questions the report lists. */
const TOP_QUESTIONS = 10;
/** MAX_TIMELINE_BARS bounds the bars of the timeline; longer events are grouped into wider buckets. */
const MAX_TIMELINE_BARS = 90;
/** TIMELINE_KINDS are the interaction kinds stacked in the timeline, bottom first. */
const TIMELINE_KINDS = ['reactions', 'upvotes', 'ballots', 'comments', 'questions'];
const KIND_COLOURS = { reactions: '#f59e0b', upvotes: '#6366f1', ballots: '#10b981', comments: '#ec4899', questions: '#0ea5e9' };
/** STAFF_IDS are the participant ids of the staff keys, which are not audience. */
const STAFF_IDS = new Set(['host', 'moderator']);

addStrings(reportStrings);

const code = roomCodeFromPath();
const keyStorage = KEY_STORAGE_PREFIX + code;
let data = null; // {stats, exp}

function readKey() {
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, '')).get('key');
  if (fromHash) {
    saveKey(fromHash.trim());
    history.replaceState(null, '', location.pathname + location.search);
    return fromHash.trim();
  }
  try { return localStorage.getItem(keyStorage) || ''; } catch { return ''; }
}

function saveKey(key) {
  try { if (key) localStorage.setItem(keyStorage, key); else localStorage.removeItem(keyStorage); } catch { /* page only */ }
}

function showAuth(message) {
  $('#report').hidden = true;
  $('#loading').hidden = true;
  $('#auth').hidden = false;
  const err = $('#auth-error');
  err.hidden = !message;
  err.textContent = message || '';
}

$('#auth-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const key = $('#auth-key').value.trim();
  if (!/^(hk|mk)_\S+$/.test(key)) { showAuth(t('report.auth_format')); return; }
  saveKey(key);
  $('#auth').hidden = true;
  load(key);
});

$('#print').addEventListener('click', () => window.print());

async function getJSON(path, key) {
  const res = await fetch(path, { headers: { Authorization: 'Bearer ' + key }, cache: 'no-store' });
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  return { status: res.status, body };
}

async function load(key) {
  $('#loading').hidden = false;
  const base = '/api/rooms/' + encodeURIComponent(code);
  try {
    // The report part carries what the report draws, not every ballot and comment; a server
    // without it (400) gets the whole export asked for instead.
    let [exp, stats] = await Promise.all([getJSON(base + '/export?format=json&part=report', key), getJSON(base + '/stats', key)]);
    if (exp.status === 400) exp = await getJSON(base + '/export?format=json', key);
    if (exp.status === 401 || exp.status === 403) { saveKey(''); showAuth(t('report.bad_key')); return; }
    if (exp.status === 404) { showAuth(t('conn.no_room')); $('#auth-form').hidden = true; return; }
    if (exp.status !== 200) throw exp.body || { code: 'unknown' };
    data = { exp: exp.body, stats: stats.status === 200 && stats.body && stats.body.format ? stats.body : null };
    $('#loading').hidden = true;
    render();
  } catch (err) {
    $('#loading').hidden = true;
    showAuth(errorMessage(err));
  }
}

// ---------- rendering ----------

function fmtDateTime(ms) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'long', timeStyle: 'short' }).format(new Date(ms));
}

function fmtTime(ms) {
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
}

function fmtRate(r) {
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 0 }).format(r || 0);
}

function section(id, title, ...children) {
  return el('section', { class: 'card report-section', 'aria-labelledby': id + '-h', 'data-testid': id },
    el('h2', { id: id + '-h' }, title), ...children);
}

function render() {
  const { exp, stats } = data;
  const room = exp.room || {};
  const out = clear($('#report'));
  out.hidden = false;
  document.title = t('report.doc_title_of', { title: room.title || code });
  out.appendChild(el('header', { class: 'report-head' },
    el('p', { class: 'eyebrow' }, t('report.eyebrow')),
    el('h1', {}, room.title || code),
    el('p', { class: 'muted' },
      t('report.room_code'), ' ', el('strong', { class: 'mono' }, room.code || code), ' · ',
      t('report.created', { when: room.created_at_ms ? fmtDateTime(room.created_at_ms) : '—' }), ' · ',
      t('report.generated', { when: fmtDateTime((stats && stats.generated_at_ms) || exp.exported_at_ms || Date.now()) }))));
  if (!stats) {
    out.appendChild(el('p', { class: 'notice notice-info', 'data-testid': 'stats-unavailable', role: 'note' }, t('report.stats_unavailable')));
  }
  out.appendChild(headline(exp, stats));
  if (stats) {
    out.appendChild(section('timeline', t('report.timeline'), timelineChart(stats.timeline || [])));
    out.appendChild(section('funnel', t('report.funnel'), funnel(exp, stats)));
  }
  out.appendChild(section('top-questions', t('report.top_questions'), topQuestions(exp)));
  out.appendChild(polls(exp, stats));
}

function figure(label, value, sub, testid) {
  return el('div', { class: 'figure', 'data-testid': testid },
    el('span', { class: 'figure-value' }, value),
    el('span', { class: 'figure-label' }, label),
    sub ? el('span', { class: 'figure-sub' }, sub) : null);
}

function headline(exp, stats) {
  const s = exp.stats || {};
  const grid = el('div', { class: 'figures' });
  if (stats) {
    const p = stats.participants || {};
    const i = stats.interactions || {};
    grid.append(
      figure(t('report.f_joined'), formatNumber(p.unique || 0), null, 'stat-joined'),
      figure(t('report.f_active'), formatNumber(p.active || 0), t('report.f_rate', { rate: fmtRate(p.participation_rate) }), 'stat-active'),
      figure(t('report.f_peak'), formatNumber(p.peak_connected || 0), p.peak_connected_at_ms ? t('report.at', { time: fmtTime(p.peak_connected_at_ms) }) : null, 'stat-peak'),
      figure(t('report.f_interactions'), formatNumber(i.total || 0), null, 'stat-interactions'),
      figure(t('report.f_questions'), formatNumber((stats.questions && stats.questions.asked) || 0), t('report.f_answered', { n: formatNumber((stats.questions && stats.questions.answered) || 0) }), 'stat-questions'),
      figure(t('report.f_upvotes'), formatNumber(i.upvotes || 0), null, 'stat-upvotes'),
      figure(t('report.f_ballots'), formatNumber(i.ballots || 0), null, 'stat-ballots'),
      figure(t('report.f_reactions'), formatNumber(i.reactions || 0), null, 'stat-reactions'));
  } else {
    grid.append(
      figure(t('report.f_questions'), formatNumber(s.questions || 0), t('report.f_answered', { n: formatNumber(s.answered || 0) }), 'stat-questions'),
      figure(t('report.f_upvotes'), formatNumber(s.upvotes || 0), null, 'stat-upvotes'),
      figure(t('report.f_comments'), formatNumber(s.comments || 0), null, 'stat-comments'),
      figure(t('report.f_reactions'), formatNumber(s.reactions || 0), null, 'stat-reactions'),
      figure(t('report.f_contributors'), formatNumber(s.contributors || 0), null, 'stat-contributors'));
  }
  return el('section', { class: 'report-section figures-wrap', 'aria-label': t('report.headline'), 'data-testid': 'headline' }, grid);
}

/** bucketTimeline groups minutes into buckets so that at most MAX_TIMELINE_BARS remain. */
function bucketTimeline(minutes) {
  const size = Math.max(1, Math.ceil(minutes.length / MAX_TIMELINE_BARS));
  const out = [];
  for (let i = 0; i < minutes.length; i += size) {
    const group = minutes.slice(i, i + size);
    const b = { minute_ms: group[0].minute_ms, minutes: group.length, connected: 0, joined: 0 };
    for (const k of TIMELINE_KINDS) b[k] = 0;
    for (const m of group) {
      for (const k of TIMELINE_KINDS) b[k] += Number(m[k]) || 0;
      b.joined += Number(m.joined) || 0;
      b.connected = Math.max(b.connected, Number(m.connected) || 0);
    }
    out.push(b);
  }
  return { buckets: out, size };
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}

function niceMax(v) {
  if (v <= 5) return 5;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** timelineChart draws interactions per minute as stacked bars and people connected as a line, with a data table beside it. */
function timelineChart(minutes) {
  const wrap = el('div', { class: 'timeline' });
  if (!minutes.length) {
    wrap.appendChild(el('p', { class: 'muted' }, t('report.no_timeline')));
    return wrap;
  }
  const { buckets, size } = bucketTimeline(minutes);
  const W = 960; const H = 300; const L = 44; const R = 44; const T = 14; const B = 34;
  const plotW = W - L - R; const plotH = H - T - B;
  const totals = buckets.map((b) => TIMELINE_KINDS.reduce((s, k) => s + b[k], 0));
  const yMax = niceMax(Math.max(1, ...totals));
  const cMax = niceMax(Math.max(1, ...buckets.map((b) => b.connected)));
  const step = plotW / buckets.length;
  const barW = Math.max(1, step * 0.72);
  const title = t('report.timeline_title', { minutes: minutes.length });
  const desc = t('report.timeline_desc', { peak: formatNumber(Math.max(...totals)), size });
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'timeline-svg', role: 'img', 'aria-labelledby': 'tl-title tl-desc', preserveAspectRatio: 'none' },
    svg('title', { id: 'tl-title' }, title), svg('desc', { id: 'tl-desc' }, desc));
  for (let g = 0; g <= 4; g++) {
    const y = T + plotH - (plotH * g) / 4;
    chart.appendChild(svg('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'grid' }));
    chart.appendChild(svg('text', { x: L - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, formatNumber(Math.round((yMax * g) / 4))));
    chart.appendChild(svg('text', { x: W - R + 6, y: y + 4, class: 'axis axis-right' }, formatNumber(Math.round((cMax * g) / 4))));
  }
  buckets.forEach((b, i) => {
    let y = T + plotH;
    const x = L + i * step + (step - barW) / 2;
    for (const k of TIMELINE_KINDS) {
      if (!b[k]) continue;
      const h = (b[k] / yMax) * plotH;
      y -= h;
      chart.appendChild(svg('rect', { x: x.toFixed(1), y: y.toFixed(1), width: barW.toFixed(1), height: Math.max(0.5, h).toFixed(1), fill: KIND_COLOURS[k] },
        svg('title', {}, fmtTime(b.minute_ms) + ' — ' + t('report.k_' + k) + ': ' + formatNumber(b[k]))));
    }
  });
  const points = buckets.map((b, i) => `${(L + i * step + step / 2).toFixed(1)},${(T + plotH - (b.connected / cMax) * plotH).toFixed(1)}`).join(' ');
  chart.appendChild(svg('polyline', { points, class: 'connected-line' }));
  const labels = Math.min(6, buckets.length);
  for (let j = 0; j < labels; j++) {
    const i = Math.round((j * (buckets.length - 1)) / Math.max(1, labels - 1));
    chart.appendChild(svg('text', { x: (L + i * step + step / 2).toFixed(1), y: H - 10, class: 'axis', 'text-anchor': 'middle' }, fmtTime(buckets[i].minute_ms)));
  }
  wrap.appendChild(el('div', { class: 'timeline-chart' }, chart));
  wrap.appendChild(el('ul', { class: 'legend plain', 'aria-hidden': 'true' },
    TIMELINE_KINDS.slice().reverse().map((k) => el('li', {}, el('span', { class: 'swatch', style: { background: KIND_COLOURS[k] } }), t('report.k_' + k))),
    el('li', {}, el('span', { class: 'swatch swatch-line' }), t('report.k_connected'))));
  const table = el('table', { class: 'data-table' },
    el('caption', { class: 'sr-only' }, title),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('report.time')), TIMELINE_KINDS.map((k) => el('th', { scope: 'col' }, t('report.k_' + k))), el('th', { scope: 'col' }, t('report.k_connected')))),
    el('tbody', {}, buckets.filter((b, i) => totals[i] > 0 || b.connected > 0).map((b) => el('tr', {},
      el('th', { scope: 'row' }, fmtTime(b.minute_ms)), TIMELINE_KINDS.map((k) => el('td', {}, formatNumber(b[k]))), el('td', {}, formatNumber(b.connected))))));
  wrap.appendChild(el('details', { class: 'no-print table-details' }, el('summary', {}, t('report.show_table')), table));
  return wrap;
}

/** funnel shows joined → took part → asked a question, each as a share of those who joined. */
function funnel(exp, stats) {
  const p = stats.participants || {};
  const askers = exp.stats && typeof exp.stats.askers === 'number' ? exp.stats.askers
    : new Set((exp.questions || []).map((q) => q.participant).filter((id) => id && !STAFF_IDS.has(id))).size;
  const steps = [
    [t('report.fu_joined'), p.unique || 0],
    [t('report.fu_active'), p.active || 0],
    [t('report.fu_asked'), askers],
  ];
  const top = Math.max(1, steps[0][1]);
  return el('ol', { class: 'funnel plain' }, steps.map(([label, n], i) => el('li', { class: 'funnel-step' },
    el('div', { class: 'funnel-head' }, el('span', { class: 'funnel-label' }, label),
      el('span', { class: 'funnel-value' }, formatNumber(n), i > 0 ? ' · ' + percent(n, steps[0][1]) + '%' : '')),
    el('div', { class: 'funnel-track', 'aria-hidden': 'true' }, el('div', { class: 'funnel-fill', style: { width: Math.round((n / top) * 100) + '%' } })))));
}

function topQuestions(exp) {
  const qs = (exp.questions || []).slice().sort((a, b) => (b.votes - a.votes) || ((a.asked_at_ms || 0) - (b.asked_at_ms || 0))).slice(0, TOP_QUESTIONS);
  if (!qs.length) return el('p', { class: 'muted' }, t('report.no_questions'));
  return el('ol', { class: 'rq-list plain' }, qs.map((q, i) => el('li', { class: 'rq' },
    el('span', { class: 'rq-rank' }, String(i + 1)),
    el('div', { class: 'rq-body' },
      el('p', { class: 'rq-text' }, q.text),
      el('p', { class: 'rq-meta small muted' },
        (q.anonymous ? t('report.anonymous') : q.author) + ' · ' + t('report.votes', { n: formatNumber(q.votes || 0) }) + ' · ' + t('report.status_' + q.status)),
      q.answer ? el('p', { class: 'rq-answer' }, el('strong', {}, t('report.answer') + ' '), q.answer) : null))));
}

function polls(exp, stats) {
  let list = (exp.polls || []).filter((p) => p.state !== 'draft');
  // An export without polls (a server before polls were exported) still gets the stats' summary of each.
  if (!list.length && stats && Array.isArray(stats.polls)) list = stats.polls.map((p) => ({ ...p, options: [], summaryOnly: true }));
  const rates = new Map(((stats && stats.polls) || []).map((p) => [p.id, p]));
  const box = el('section', { class: 'report-section', 'aria-labelledby': 'polls-h' }, el('h2', { id: 'polls-h', class: 'section-title' }, t('report.polls')));
  if (!list.length) {
    box.appendChild(el('p', { class: 'card muted' }, t('report.no_polls')));
    return box;
  }
  for (const p of list) {
    const r = rates.get(p.id);
    const chart = el('div');
    if (!p.summaryOnly) renderResults(chart, p, p.results || { counts: [], total: 0 }, { correct: p.correct });
    box.appendChild(el('article', { class: 'card report-poll', 'data-testid': 'report-poll' },
      el('p', { class: 'eyebrow' }, kindLabel(p.kind)),
      el('h3', {}, p.title),
      r ? el('p', { class: 'muted small', 'data-testid': 'response-rate' }, t('report.response_rate', {
        responses: t('report.responses', { n: r.ballots || 0, count: formatNumber(r.ballots || 0) }),
        present: t('report.present', { n: r.present || 0, count: formatNumber(r.present || 0) }),
        rate: fmtRate(r.response_rate),
      })) : null,
      chart));
  }
  return box;
}

function init() {
  $('#lang-slot').appendChild(langSwitch());
  applyI18n(document);
  onLangChange(() => { if (data) render(); });
  if (!/^[A-Z2-9]{6}$/.test(code)) { showAuth(t('conn.no_room')); $('#auth-form').hidden = true; return; }
  const key = readKey();
  if (key) load(key); else showAuth('');
}

init();
