// state.js — the room as a page sees it, built from a snapshot and the
// events that follow (docs/protocol.md).
//
//   const room = new RoomState();
//   room.bind(conn);                        // apply every event of a Connection
//   room.on('questions', () => render());   // or '*' for any change
//
// Change kinds passed to listeners (kind, detail):
//   'reset'       a snapshot replaced everything (render all)
//   'room'        room settings changed (room.settings)
//   'questions'   detail: {id, added?, removed?} or {ids} for vote counts
//   'polls'       detail: {id, added?, removed?}
//   'results'     detail: {id}
//   'comments'    detail: {id, added?, removed?}
//   'reactions'   detail: the reactions event ({counts, delta})
//   'presence'    detail: the count
//   'leaderboard' detail: the leaderboard event, as sent
//   'you'         the participant's upvotes or ballots changed
//
// Questions are kept by id; the page decides what to show and in which order
// (sortQuestions). Vote counts of a question with an upvote in flight are
// not overwritten by `votes` events until the ack (which carries the count)
// arrives, so optimistic feedback never flickers.

/** REACTION_KINDS are the reaction kinds, in display order. */
export const REACTION_KINDS = ['like', 'love', 'clap', 'laugh', 'wow'];

/** MAX_COMMENTS bounds the comments kept in memory (oldest dropped first). */
export const MAX_COMMENTS = 500;

/** RoomState is the client-side model of one room. */
export class RoomState {
  constructor() {
    this.listeners = new Map();
    this.#resetFields();
    this.participant = '';
    this.role = '';
  }

  #resetFields() {
    /** settings is the room object: code, title, moderation, comments, reactions, qa, closed, … */
    this.settings = {};
    /** questions maps id → question (as on the wire). */
    this.questions = new Map();
    /** polls maps id → poll (as on the wire, without results). */
    this.polls = new Map();
    /** results maps poll id → {counts, total, words?, average?, answers?}. */
    this.results = new Map();
    /** comments maps id → comment, in arrival order (oldest first). */
    this.comments = new Map();
    this.reactions = Object.fromEntries(REACTION_KINDS.map((k) => [k, 0]));
    this.presence = 0;
    /** upvoted holds the ids of questions this participant upvoted. */
    this.upvoted = new Set();
    /** votes maps poll id → this participant's ballot (choices array, rating, words or text). */
    this.votes = {};
    this.leaderboard = null;
    this.inflightUpvotes = new Map(); // question id → count of commands in flight
    this.loaded = false;
  }

  /** on registers fn(kind, detail, state) for a change kind ('*': all); returns an unsubscribe function. */
  on(kind, fn) {
    if (!this.listeners.has(kind)) this.listeners.set(kind, new Set());
    this.listeners.get(kind).add(fn);
    return () => this.listeners.get(kind).delete(fn);
  }

  #emit(kind, detail) {
    for (const key of [kind, '*']) {
      const set = this.listeners.get(key);
      if (!set) continue;
      for (const fn of set) {
        try { fn(kind, detail, this); } catch (err) { console.error('hubbub state listener failed on', kind, err); }
      }
    }
  }

  /** bind applies every event of conn to this state. */
  bind(conn) {
    conn.on('*', (ev) => this.apply(ev, conn));
    return this;
  }

  /** isMine reports whether a question or comment was written by this participant. */
  isMine(item) {
    return Boolean(item && this.participant && item.participant === this.participant);
  }

  /** isStaff reports whether this connection is the host or a moderator. */
  isStaff() {
    return this.role === 'host' || this.role === 'moderator';
  }

  /** apply applies one server event. */
  apply(ev) {
    switch (ev.type) {
      case 'welcome':
        this.participant = ev.participant || '';
        this.role = ev.role || '';
        this.#emit('you');
        break;
      case 'snapshot':
        this.#applySnapshot(ev);
        break;
      case 'room': {
        const { type, seq, ...settings } = ev;
        this.settings = settings;
        this.#emit('room', settings);
        break;
      }
      case 'question': {
        const { type, seq, ...q } = ev;
        const added = !this.questions.has(q.id);
        const old = this.questions.get(q.id);
        if (old && this.inflightUpvotes.get(q.id)) q.votes = old.votes;
        this.questions.set(q.id, q);
        this.#emit('questions', { id: q.id, added });
        break;
      }
      case 'question_deleted':
        if (this.questions.delete(ev.id)) {
          this.upvoted.delete(ev.id);
          this.#emit('questions', { id: ev.id, removed: true });
        }
        break;
      case 'votes': {
        const ids = [];
        for (const [id, count] of Object.entries(ev.questions || {})) {
          const q = this.questions.get(id);
          if (!q || this.inflightUpvotes.get(id)) continue;
          if (q.votes !== count) { q.votes = count; ids.push(id); }
        }
        if (ids.length) this.#emit('questions', { ids });
        break;
      }
      case 'comment': {
        const { type, seq, ...c } = ev;
        const added = !this.comments.has(c.id);
        this.comments.set(c.id, c);
        while (this.comments.size > MAX_COMMENTS) this.comments.delete(this.comments.keys().next().value);
        this.#emit('comments', { id: c.id, added });
        break;
      }
      case 'comment_deleted':
        if (this.comments.delete(ev.id)) this.#emit('comments', { id: ev.id, removed: true });
        break;
      case 'poll': {
        const { type, seq, results, ...p } = ev;
        const added = !this.polls.has(p.id);
        this.polls.set(p.id, p);
        if (results) this.results.set(p.id, results);
        else if (!this.isStaff()) this.results.delete(p.id); // no longer revealed to us
        this.#emit('polls', { id: p.id, added });
        if (results) this.#emit('results', { id: p.id });
        break;
      }
      case 'poll_deleted':
        if (this.polls.delete(ev.id)) {
          this.results.delete(ev.id);
          delete this.votes[ev.id];
          this.#emit('polls', { id: ev.id, removed: true });
        }
        break;
      case 'results': {
        const { type, poll, ...tally } = ev;
        this.results.set(poll, tally);
        this.#emit('results', { id: poll });
        break;
      }
      case 'reactions':
        this.reactions = { ...this.reactions, ...(ev.counts || {}) };
        this.#emit('reactions', ev);
        break;
      case 'presence':
        this.presence = ev.count || 0;
        this.#emit('presence', this.presence);
        break;
      case 'leaderboard':
        this.leaderboard = ev;
        this.#emit('leaderboard', ev);
        break;
      default:
        break;
    }
  }

  #applySnapshot(s) {
    const inflight = this.inflightUpvotes;
    this.#resetFields();
    this.inflightUpvotes = inflight;
    this.settings = s.room || {};
    for (const q of s.questions || []) this.questions.set(q.id, q);
    for (const p of s.polls || []) {
      const { results, ...poll } = p;
      this.polls.set(poll.id, poll);
      if (results) this.results.set(poll.id, results);
    }
    for (const c of s.comments || []) this.comments.set(c.id, c);
    this.reactions = { ...this.reactions, ...(s.reactions || {}) };
    this.presence = s.presence || 0;
    const you = s.you || {};
    this.upvoted = new Set(you.upvoted || []);
    this.votes = { ...(you.votes || {}) };
    this.loaded = true;
    this.#emit('reset');
  }

  /**
   * upvote sends an upvote (up=true) or unvote for question id through conn,
   * showing it at once; on refusal the optimistic change is undone and the
   * error rethrown.
   */
  async upvote(conn, id, up) {
    const q = this.questions.get(id);
    if (!q) return;
    const before = { votes: q.votes, had: this.upvoted.has(id) };
    if (before.had === up) return;
    if (up) this.upvoted.add(id); else this.upvoted.delete(id);
    q.votes = Math.max(0, q.votes + (up ? 1 : -1));
    this.inflightUpvotes.set(id, (this.inflightUpvotes.get(id) || 0) + 1);
    this.#emit('questions', { ids: [id] });
    this.#emit('you');
    try {
      const ack = await conn.send({ type: up ? 'upvote' : 'unvote', question: id });
      this.#settleUpvote(id, typeof ack.votes === 'number' ? ack.votes : undefined);
    } catch (err) {
      const current = this.questions.get(id);
      if (current) current.votes = before.votes;
      if (before.had) this.upvoted.add(id); else this.upvoted.delete(id);
      this.#settleUpvote(id, undefined);
      this.#emit('you');
      throw err;
    }
  }

  #settleUpvote(id, votes) {
    const left = (this.inflightUpvotes.get(id) || 1) - 1;
    if (left > 0) this.inflightUpvotes.set(id, left); else this.inflightUpvotes.delete(id);
    const q = this.questions.get(id);
    if (q && votes !== undefined && left === 0) q.votes = votes;
    this.#emit('questions', { ids: [id] });
  }

  /** recordBallot remembers this participant's ballot for poll id (after its ack). */
  recordBallot(id, ballot) {
    this.votes[id] = ballot;
    this.#emit('you');
  }

  /** questionList returns the questions as an array (unsorted). */
  questionList() {
    return Array.from(this.questions.values());
  }

  /** pollList returns the polls ordered by id number. */
  pollList() {
    return Array.from(this.polls.values()).sort((a, b) => idNumber(a.id) - idNumber(b.id));
  }

  /** commentList returns the comments, oldest first. */
  commentList() {
    return Array.from(this.comments.values());
  }

  /** pinned returns the pinned question, or undefined. */
  pinned() {
    for (const q of this.questions.values()) if (q.pinned) return q;
    return undefined;
  }
}

/** idNumber returns n of an id like "q12" or "p3" (0 when there is none). */
export function idNumber(id) {
  const n = parseInt(String(id).replace(/^\D+/, ''), 10);
  return Number.isFinite(n) ? n : 0;
}

/**
 * sortQuestions returns questions sorted by mode:
 *   'top'    most votes first, then the older first
 *   'recent' newest first
 * Ties fall back to id order, so the order is stable.
 */
export function sortQuestions(list, mode) {
  const copy = list.slice();
  if (mode === 'recent') copy.sort((a, b) => (b.at - a.at) || (idNumber(b.id) - idNumber(a.id)));
  else copy.sort((a, b) => (b.votes - a.votes) || (a.at - b.at) || (idNumber(a.id) - idNumber(b.id)));
  return copy;
}
