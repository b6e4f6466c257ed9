// host-copy.js — "Run it again": copies the room (its settings, its
// protections and branding, and every poll and quiz as a draft in run
// order) into a new room through POST /api/rooms with "from", for the host
// only. The new room's console link carries its host key in the address
// fragment, like a freshly created room's; it is shown once.

import { $, announce, toast } from './dom.js';
import { t, errorMessage } from './i18n.js';

/**
 * Wires the copy card. code is this room's code; key() returns the
 * console's current (host) key.
 */
export function setupRoomCopy(code, key) {
  const button = $('#copy-room');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const res = await fetch('/api/rooms', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + key() },
        body: JSON.stringify({ from: code, title: $('#copy-title').value.trim() }),
      });
      let body = {};
      try { body = await res.json(); } catch { /* not JSON */ }
      if (!res.ok) throw body.code ? body : { code: 'unknown' };
      const link = $('#copy-link');
      link.href = location.origin + '/host/' + encodeURIComponent(body.code) + '#key=' + encodeURIComponent(body.host_key);
      link.textContent = t('host.copy_open', { code: body.code });
      $('#copy-result').hidden = false;
      announce(t('host.copy_made', { code: body.code }));
    } catch (err) {
      toast(errorMessage(err));
    } finally {
      button.disabled = false;
    }
  });
}
