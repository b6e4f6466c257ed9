package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// tinyPNG is a 1×1 PNG.
const tinyPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

// TestBranding: the host sets an accent colour, a light stage and a logo
// in the console; the projector takes them at once (the accent on the
// poll, a light ground, the logo beside the title, inside the viewport and
// clear of the title), and a projector opened later starts with them. A
// logo file too large is refused in the console with a message and sent
// nowhere; the server refuses a bad accent by name. Remove logo and dark
// bring the defaults back.
func TestBranding(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Branded all-hands", false)
	command(t, s, r.Code, r.HostKey, map[string]any{"type": "poll_create", "kind": "single", "title": "Lunch?", "options": []string{"Pizza", "Salad"}, "state": "open", "reveal": true})

	dir := t.TempDir()
	small := filepath.Join(dir, "logo.png")
	big := filepath.Join(dir, "big.png")
	png, _ := base64.StdEncoding.DecodeString(tinyPNG)
	if err := os.WriteFile(small, png, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, append(append([]byte{}, png...), make([]byte, 4000)...), 0o600); err != nil {
		t.Fatal(err)
	}

	screen := openPage(t, "projector", s.URL+"/screen/"+r.Code, viewport(1280, 720, 1, false))
	screen.waitText(tid("poll"), "Lunch?")
	darkBg := eval[string](screen, `getComputedStyle(document.body).backgroundColor`)

	console := openPage(t, "console", hostURL(s, r), desktop())
	console.waitVisible(tid("setting-accent"))
	// The colour picker: set as a person would, then the change event.
	eval[bool](console, `(() => { const i = document.querySelector('[data-testid="setting-accent"]'); i.value = '#ff5a1f'; i.dispatchEvent(new Event('change')); return true; })()`)
	console.click(tid("setting-light"))
	console.do(chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="setting-logo"]`), []string{small}))

	screen.waitFor("the accent on the screen", `getComputedStyle(document.body).getPropertyValue('--accent').trim() === '#ff5a1f'`)
	screen.waitFor("a light stage", `document.body.classList.contains('theme-light')`)
	screen.waitFor("the logo loaded", `document.querySelector('[data-testid="room-logo"]').naturalWidth > 0 && !document.querySelector('[data-testid="room-logo"]').hidden`)
	// The light ground is light: its luminance past half.
	if lum := eval[float64](screen, `(() => { const m = getComputedStyle(document.body).backgroundColor.match(/\d+/g).map(Number); return (0.2126*m[0] + 0.7152*m[1] + 0.0722*m[2]) / 255; })()`); lum < 0.5 {
		t.Errorf("the light stage's ground has luminance %.2f (was %s dark)", lum, darkBg)
	}
	// The poll's kind label wears the accent.
	screen.waitFor("the accent on the poll", `getComputedStyle(document.querySelector('.poll-kind')).color === 'rgb(255, 90, 31)'`)
	geo := eval[map[string]float64](screen, `(() => { const l = document.querySelector('[data-testid="room-logo"]').getBoundingClientRect(); const h = document.querySelector('[data-testid="room-title"]').getBoundingClientRect();
	  return { ll: l.left, lr: l.right, lt: l.top, lb: l.bottom, lh: l.height, hl: h.left }; })()`)
	if geo["ll"] < 0 || geo["lt"] < 0 || geo["lh"] < 16 || geo["lr"] > geo["hl"]+1 {
		t.Errorf("the logo lies at %.0f–%.0f, %.0f px tall, the title from %.0f: want it inside the viewport, 16 px tall or more, before the title", geo["ll"], geo["lr"], geo["lh"], geo["hl"])
	}
	console.waitVisible("#logo-preview")

	late := openPage(t, "late projector", s.URL+"/screen/"+r.Code, viewport(1280, 720, 1, false))
	late.waitFor("the branding from the snapshot", `document.body.classList.contains('theme-light') && getComputedStyle(document.body).getPropertyValue('--accent').trim() === '#ff5a1f' && document.querySelector('[data-testid="room-logo"]').naturalWidth > 0`)

	// Too large: refused in the console, nothing sent.
	before := eval[string](late, `document.querySelector('[data-testid="room-logo"]').src`)
	console.do(chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="setting-logo"]`), []string{big}))
	console.waitText("body", "too large for a logo")
	if after := eval[string](late, `document.querySelector('[data-testid="room-logo"]').src`); after != before {
		t.Error("a logo too large reached the screen")
	}
	body, _ := json.Marshal(map[string]any{"type": "room_set", "accent": "orange"})
	var refusal map[string]any
	apiDo(t, http.MethodPost, s.URL+"/api/rooms/"+r.Code+"/commands", r.HostKey, body, http.StatusBadRequest, &refusal)
	if b, _ := json.Marshal(refusal); !strings.Contains(string(b), "#rrggbb") {
		t.Errorf("a bad accent is refused with %s, want the named error", b)
	}

	// Back to the defaults.
	console.click(tid("logo-remove"))
	console.click(tid("setting-light"))
	late.waitFor("the logo gone and the stage dark", `document.querySelector('[data-testid="room-logo"]').hidden && !document.body.classList.contains('theme-light')`)
}
