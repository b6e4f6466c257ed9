// client.js — one WebSocket connection to one room, speaking hubbub.v1
// (docs/protocol.md).
//
//   const conn = new Connection({ room: 'K7QX2M', name: 'Ada' });
//   conn.on('question', (ev) => ...);          // every event of a type
//   conn.on('*', (ev) => ...);                 // every event
//   conn.onStatus((s) => ...);                 // 'connecting' | 'online' | 'offline' | 'stopped'
//   conn.connect();
//   await conn.send({ type: 'ask', text: 'Why?', cid: newCid() }); // resolves with the ack
//
// Contract:
// - hello carries the token kept for this room (localStorage, key
//   tokenKey; default 'hubbub:token:<ROOM>') and `since` = the last durable
//   seq applied, so a reload or a reconnect keeps the participant's identity
//   and resumes without missing or repeating anything.
// - Server frames are split on "\n"; every event goes to its listeners in
//   order. A durable event (one with `seq`, other than snapshot/welcome/ack)
//   whose seq is ≤ the last applied is dropped (never applied twice); one that
//   skips a seq means something was missed: the connection is dropped and
//   reopened at once with `since`.
// - send(cmd) gives the command an id and returns a Promise resolved by its
//   `ack` and rejected by its `error` (the error event: {code, message, ...}).
//   Commands sent while offline wait for the connection. When a connection
//   drops, commands that are safe to resend (they carry a `cid`, or repeating
//   them changes nothing) are resent after the reconnect; the others are
//   rejected with code 'offline'.
// - Reconnects after any close, with a jittered exponential backoff from
//   0.5 s to 20 s (1001/1012: a random 0.5–5 s), except: 4001 (bad token:
//   forget it and rejoin as a new participant, or stop when
//   rejoinOnBadToken is false, as a console with a key must), 4003 (banned),
//   4004 (no such room), 4010 (the host or moderator key was replaced),
//   4000 and 1009 (a client bug): stop. The status
//   'stopped' comes with the close code in conn.closeCode.
// - Heartbeat: a connection that has heard nothing for PING_AFTER_MS sends a
//   `ping`; when no frame at all comes back within PONG_TIMEOUT_MS the
//   connection is taken for dead (a silent Wi-Fi drop closes nothing), the
//   status turns 'offline' and it reconnects: a drop shows within seconds
//   instead of commands waiting on a socket that will never answer.

/** Close codes and what they mean to a page. */
export const CLOSE = Object.freeze({
  GOING_AWAY: 1001,
  TOO_LARGE: 1009,
  RESTART: 1012,
  BAD_HELLO: 4000,
  BAD_TOKEN: 4001,
  BANNED: 4003,
  NO_ROOM: 4004,
  TOO_SLOW: 4008,
  KEY_ROTATED: 4010,
  TOO_MANY: 4029,
});

/** Backoff bounds in milliseconds. */
export const BACKOFF_MIN_MS = 500;
export const BACKOFF_MAX_MS = 20000;
const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 5000;

const SUBPROTOCOL = 'hubbub.v1';
/** PING_AFTER_MS of silence make the client ping; PONG_TIMEOUT_MS without any frame after it, the connection is dead. */
export const PING_AFTER_MS = 4000;
export const PONG_TIMEOUT_MS = 4000;
const HEARTBEAT_TICK_MS = 1000;
/** CONNECT_TIMEOUT_MS bounds opening a connection up to its welcome: a handshake into a dead network can hang for minutes. */
const CONNECT_TIMEOUT_MS = 10000;

/** Commands whose repetition changes nothing, so they are resent after a reconnect. */
const IDEMPOTENT = new Set(['upvote', 'unvote', 'vote', 'question_set', 'question_delete', 'comment_delete',
  'poll_set', 'poll_delete', 'room_set', 'ban']);

/** Events that carry `seq` without being durable room events. */
const NOT_DURABLE = new Set(['welcome', 'snapshot', 'ack', 'error']);

/** newCid returns a unique client id for a command that creates something. */
export function newCid() {
  if (crypto && crypto.randomUUID) return crypto.randomUUID();
  return Date.now().toString(36) + Math.random().toString(36).slice(2);
}

/** backoffDelay returns the wait before reconnect attempt n (0-based), jittered. */
export function backoffDelay(attempt, random = Math.random) {
  const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
  return Math.max(BACKOFF_MIN_MS, Math.round(cap / 2 + random() * cap / 2));
}

function restartDelay(random = Math.random) {
  return Math.round(RESTART_MIN_MS + random() * (RESTART_MAX_MS - RESTART_MIN_MS));
}

/** Connection is one room connection that keeps itself alive. */
export class Connection {
  /**
   * @param {object} opts
   * @param {string} opts.room        room code
   * @param {string} [opts.name]      display name for hello
   * @param {string} [opts.token]     a token or key to use instead of the kept one
   * @param {string|null} [opts.tokenKey] localStorage key for the token; null: do not keep it
   * @param {boolean} [opts.rejoinOnBadToken=true] on 4001, forget the token and rejoin
   * @param {string} [opts.url]       WebSocket URL (default: /ws on this host)
   * @param {boolean} [opts.display=false] a display of the room (the projector screen), not counted in presence
   */
  constructor({ room, name = '', token, tokenKey, rejoinOnBadToken = true, url, display = false } = {}) {
    this.room = String(room || '').toUpperCase();
    this.name = name;
    this.display = display;
    this.tokenKey = tokenKey === undefined ? 'hubbub:token:' + this.room : tokenKey;
    this.token = token || this.#loadToken();
    this.rejoinOnBadToken = rejoinOnBadToken;
    this.url = url || ((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    /** lastSeq is the seq of the last durable event applied (0: none yet). */
    this.lastSeq = 0;
    /** status is 'idle', 'connecting', 'online', 'offline' or 'stopped'. */
    this.status = 'idle';
    /** closeCode is the last close code (set when stopped). */
    this.closeCode = 0;
    this.participant = '';
    this.role = '';
    this.ws = null;
    this.attempt = 0;
    this.nextId = 1;
    this.pending = new Map(); // id → {cmd, resolve, reject, sent}
    this.listeners = new Map(); // type → Set(fn)
    this.statusListeners = new Set();
    this.timer = 0;
    this.lastHeard = 0; // Date.now() of the last frame from the server
    this.pingSentAt = 0; // of the ping not yet answered; 0: none
    this.heartbeat = 0;
    this.connectTimer = 0;
    // Back online, or back to the page (phones freeze background tabs): try now, not after the backoff.
    this.onBrowserOnline = () => { if (this.status === 'offline' && !this.ws) this.#reconnectSoon(0); };
    this.onVisible = () => { if (document.visibilityState === 'visible') this.onBrowserOnline(); };
  }

  /** on registers fn for events of type ('*' for all); returns an unsubscribe function. */
  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
    return () => this.listeners.get(type).delete(fn);
  }

  /** onStatus registers fn(status, conn), called on every status change. */
  onStatus(fn) {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  /** connect opens the connection (once; later reconnects are automatic). */
  connect() {
    if (this.status !== 'idle') return;
    window.addEventListener('online', this.onBrowserOnline);
    document.addEventListener('visibilitychange', this.onVisible);
    this.#open();
  }

  /** close stops the connection for good. */
  close() {
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    window.removeEventListener('online', this.onBrowserOnline);
    document.removeEventListener('visibilitychange', this.onVisible);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, 'bye');
    this.#failPending('offline', true);
    this.#setStatus('stopped');
  }

  /** setName changes the display name used from the next hello on. */
  setName(name) {
    this.name = name;
  }

  /**
   * reconnect reopens the connection at once, resuming with since (e.g. so a
   * new name takes effect). Does nothing when stopped or not yet connected.
   */
  reconnect() {
    if (this.status === 'online' || this.status === 'offline') this.#drop();
  }

  /**
   * send sends cmd (a command object without id) and returns a Promise of
   * its ack; rejected with the error event ({code, message, ...}).
   */
  send(cmd) {
    const id = this.nextId++;
    const full = { ...cmd, id };
    return new Promise((resolve, reject) => {
      if (this.status === 'stopped') {
        reject({ type: 'error', code: 'offline', message: 'not connected' });
        return;
      }
      const entry = { cmd: full, resolve, reject, sent: false };
      this.pending.set(id, entry);
      if (this.status === 'online') this.#write(entry);
    });
  }

  #loadToken() {
    if (!this.tokenKey) return '';
    try { return localStorage.getItem(this.tokenKey) || ''; } catch { return ''; }
  }

  #saveToken(token) {
    this.token = token;
    if (!this.tokenKey) return;
    try {
      if (token) localStorage.setItem(this.tokenKey, token);
      else localStorage.removeItem(this.tokenKey);
    } catch { /* not kept; identity lasts for this page only */ }
  }

  #setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    for (const fn of this.statusListeners) fn(status, this);
  }

  #open() {
    clearTimeout(this.timer);
    this.#setStatus(this.status === 'idle' ? 'connecting' : 'offline');
    let ws;
    try {
      ws = new WebSocket(this.url, SUBPROTOCOL);
    } catch {
      this.#scheduleReconnect(0);
      return;
    }
    this.ws = ws;
    clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(() => {
      if (ws !== this.ws || this.status === 'online') return;
      this.ws = null;
      ws.close();
      this.#closed(0);
    }, CONNECT_TIMEOUT_MS);
    ws.onopen = () => {
      if (ws !== this.ws) return;
      const hello = { type: 'hello', room: this.room };
      if (this.token) hello.token = this.token;
      if (this.name) hello.name = this.name;
      if (this.lastSeq > 0) hello.since = this.lastSeq;
      if (this.display) hello.display = true;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (msg) => {
      if (ws !== this.ws || typeof msg.data !== 'string') return;
      this.lastHeard = Date.now();
      this.pingSentAt = 0;
      for (const line of msg.data.split('\n')) {
        if (!line) continue;
        let ev;
        try { ev = JSON.parse(line); } catch { continue; }
        if (!this.#receive(ev)) break;
      }
    };
    ws.onclose = (e) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.#closed(e.code);
    };
    ws.onerror = () => { /* a close event follows */ };
  }

  /** #receive handles one event; false means the rest of the frame must be dropped. */
  #receive(ev) {
    switch (ev.type) {
      case 'pong':
        return true; // its frame already proved the connection alive
      case 'welcome':
        this.participant = ev.participant || '';
        this.role = ev.role || '';
        if (ev.token) this.#saveToken(ev.token);
        this.attempt = 0;
        this.#emit(ev);
        clearTimeout(this.connectTimer);
        this.#setStatus('online');
        this.#startHeartbeat();
        for (const entry of this.pending.values()) if (!entry.sent) this.#write(entry);
        return true;
      case 'snapshot':
        this.lastSeq = ev.seq || 0;
        this.#emit(ev);
        return true;
      case 'ack': {
        const entry = this.pending.get(ev.id);
        if (entry) { this.pending.delete(ev.id); entry.resolve(ev); }
        this.#emit(ev);
        return true;
      }
      case 'error': {
        const entry = ev.id !== undefined ? this.pending.get(ev.id) : undefined;
        if (entry) { this.pending.delete(ev.id); entry.reject(ev); } else this.#emit(ev);
        return true;
      }
    }
    if (typeof ev.seq === 'number' && !NOT_DURABLE.has(ev.type)) {
      if (ev.seq <= this.lastSeq) return true; // already applied: never twice
      if (this.lastSeq > 0 && ev.seq !== this.lastSeq + 1) {
        // A gap: something was missed. Reopen at once; the server resumes from lastSeq.
        this.#drop();
        return false;
      }
      this.lastSeq = ev.seq;
    }
    this.#emit(ev);
    return true;
  }

  #emit(ev) {
    for (const key of [ev.type, '*']) {
      const set = this.listeners.get(key);
      if (!set) continue;
      for (const fn of set) {
        try { fn(ev, this); } catch (err) { console.error('hubbub listener failed on', ev.type, err); }
      }
    }
  }

  #write(entry) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(entry.cmd));
    entry.sent = true;
  }

  /** #drop closes the socket on purpose and reconnects at once. */
  #drop() {
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, 'resync');
    this.#closed(0, true);
  }

  /** #startHeartbeat checks the connection every second while it is online (see the contract). */
  #startHeartbeat() {
    clearInterval(this.heartbeat);
    this.lastHeard = Date.now();
    this.pingSentAt = 0;
    this.heartbeat = setInterval(() => {
      if (this.status !== 'online' || !this.ws) return;
      const now = Date.now();
      if (this.pingSentAt && now - this.pingSentAt >= PONG_TIMEOUT_MS) {
        this.#drop(); // dead: reconnect, and say offline meanwhile
      } else if (!this.pingSentAt && now - this.lastHeard >= PING_AFTER_MS && this.ws.readyState === WebSocket.OPEN) {
        this.pingSentAt = now;
        this.ws.send(JSON.stringify({ type: 'ping', id: this.nextId++ }));
      }
    }, HEARTBEAT_TICK_MS);
  }

  #closed(code, immediate = false) {
    clearInterval(this.heartbeat);
    clearTimeout(this.connectTimer);
    this.closeCode = code;
    const stop = code === CLOSE.BANNED || code === CLOSE.NO_ROOM || code === CLOSE.BAD_HELLO || code === CLOSE.KEY_ROTATED ||
      code === CLOSE.TOO_LARGE || (code === CLOSE.BAD_TOKEN && !this.rejoinOnBadToken);
    if (stop) {
      window.removeEventListener('online', this.onBrowserOnline);
      document.removeEventListener('visibilitychange', this.onVisible);
      this.#failPending('stopped', true);
      this.#setStatus('stopped');
      return;
    }
    this.#failPending('offline', false);
    this.#setStatus('offline');
    if (code === CLOSE.BAD_TOKEN) {
      // The token is not valid here (e.g. the server's secret changed): start over as someone new.
      this.#saveToken('');
      this.lastSeq = 0;
      this.#reconnectSoon(0);
    } else if (immediate) {
      this.#reconnectSoon(0);
    } else if (code === CLOSE.GOING_AWAY || code === CLOSE.RESTART) {
      this.#reconnectSoon(restartDelay());
    } else {
      this.#scheduleReconnect();
    }
  }

  #scheduleReconnect() {
    this.#reconnectSoon(backoffDelay(this.attempt));
    this.attempt++;
  }

  #reconnectSoon(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.#open(), ms);
  }

  /** #failPending rejects commands that cannot be resent (all of them when all). */
  #failPending(code, all) {
    for (const [id, entry] of this.pending) {
      if (!entry.sent) continue;
      const resendable = entry.cmd.cid || IDEMPOTENT.has(entry.cmd.type);
      if (!all && resendable) { entry.sent = false; continue; }
      this.pending.delete(id);
      entry.reject({ type: 'error', id, code, message: 'connection lost' });
    }
    if (all) {
      for (const [id, entry] of this.pending) {
        this.pending.delete(id);
        entry.reject({ type: 'error', id, code, message: 'connection lost' });
      }
    }
  }
}
