package e2e

import "testing"

// colourPixelsJS draws emoji in the page's own font at 64 px and counts the
// pixels that are clearly coloured (not grey): a monochrome emoji font, or
// none (empty boxes), gives none.
const colourPixelsJS = `(() => {
  const c = document.createElement('canvas');
  c.width = 400; c.height = 80;
  const g = c.getContext('2d');
  g.font = '64px ' + getComputedStyle(document.body).fontFamily;
  g.fillStyle = '#000';
  g.fillText('👍❤️👏😂😮', 0, 64);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    const [r, gr, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
    if (a > 128 && Math.max(r, gr, b) - Math.min(r, gr, b) > 60) n++;
  }
  return n;
})()`

// TestEmojiInColour: the reactions, the pinned mark and the floating emoji
// render in colour on the screen and the phone (found: monochrome, or
// empty boxes where no emoji font was named).
func TestEmojiInColour(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Emoji", false)
	for _, p := range []*page{
		openPage(t, "screen", s.URL+"/screen/"+r.Code, viewport(1280, 720, 1, false)),
		openPage(t, "phone", s.URL+"/r/"+r.Code, phone()),
	} {
		p.waitFor("the page's fonts", `document.fonts.status === 'loaded'`)
		if n := eval[int](p, colourPixelsJS); n < 500 {
			t.Errorf("%s: emoji drawn in the page's font have %d coloured pixels: not in colour", p.name, n)
		}
	}
}
