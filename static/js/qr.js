// qr.js — the room's QR code and the audience address it encodes.
//
// The server builds the audience address (its -public-url flag, or the
// forwarded or Host headers) and puts it in the QR code's <title>, so a page
// opened on another address (a projector laptop on http://localhost:8080)
// still shows the address the audience can reach.

/** qrPath is the address of a room's QR code image. */
export function qrPath(code) {
  return '/api/rooms/' + encodeURIComponent(code) + '/qr.svg';
}

/**
 * audienceURL resolves to the absolute audience address of room code as the
 * server encodes it in the QR code, or to this page's origin + /r/CODE when
 * the QR code cannot be read. The SVG is parsed as XML and only its title's
 * text is used.
 */
export async function audienceURL(code) {
  const fallback = location.origin + '/r/' + code;
  try {
    const res = await fetch(qrPath(code));
    if (!res.ok) return fallback;
    const doc = new DOMParser().parseFromString(await res.text(), 'image/svg+xml');
    const title = doc.querySelector('title');
    const url = title ? title.textContent.trim() : '';
    return /^https?:\/\/[^\s]+\/r\/[A-Z0-9]+$/.test(url) ? url : fallback;
  } catch {
    return fallback;
  }
}

/** withoutScheme shortens an address for display: "https://x.org/r/K7" → "x.org/r/K7". */
export function withoutScheme(url) {
  return url.replace(/^https?:\/\//, '');
}
