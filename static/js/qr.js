// qr.js — the room's QR code and the audience address it encodes.
//
// The server builds the audience address (its -public-url flag, or the
// forwarded or Host headers) and puts it in the QR code's <title>, so a page
// opened on another address (a projector laptop opening the screen on
// localhost) still shows the address the audience can reach.

/** qrPath is the address of a room's QR code image. */
export function qrPath(code) {
  return '/api/rooms/' + encodeURIComponent(code) + '/qr.svg';
}

/** SVG_TITLE finds the text of the QR code's <title>. */
const SVG_TITLE = /<title>([^<]*)<\/title>/;

/** ENTITIES are the escapes the server's SVG text may hold. */
const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&#34;': '"', '&#39;': "'", '&quot;': '"' };

/**
 * audienceURL resolves to the absolute audience address of room code as the
 * server encodes it in the QR code, or to this page's origin + /r/CODE when
 * the QR code cannot be read. Only the title's text is taken (no markup is
 * parsed), and only when it is an http(s) address of /r/CODE.
 */
export async function audienceURL(code) {
  const fallback = location.origin + '/r/' + code;
  try {
    const res = await fetch(qrPath(code));
    if (!res.ok) return fallback;
    const m = SVG_TITLE.exec(await res.text());
    const url = m ? m[1].replace(/&(?:amp|lt|gt|quot|#34|#39);/g, (e) => ENTITIES[e]).trim() : '';
    return /^https?:[/][/][^\s"'<>]+[/]r[/][A-Z0-9]+$/.test(url) ? url : fallback;
  } catch {
    return fallback;
  }
}

/** withoutScheme shortens an address for display: it drops the scheme and its slashes. */
export function withoutScheme(url) {
  return url.replace(/^https?:[/][/]/, '');
}
