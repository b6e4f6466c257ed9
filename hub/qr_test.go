package hub

import (
	"image"
	"image/color"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// svgRun matches one dark run of the QR path: "M x y h w v1 h-w z".
var svgRun = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

// decodeQRSVG rasterizes an SVG made by qrSVG (its viewBox and the runs of
// its one path) at 6 pixels per module and decodes it with a QR reader, so
// the test checks what a phone's camera would read, not how it was drawn.
func decodeQRSVG(t *testing.T, svg string) string {
	t.Helper()
	m := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(svg)
	if m == nil || m[1] != m[2] {
		t.Fatalf("SVG without a square viewBox: %.200s", svg)
	}
	side, _ := strconv.Atoi(m[1])
	const scale = 6
	img := image.NewGray(image.Rect(0, 0, side*scale, side*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	runs := svgRun.FindAllStringSubmatch(svg, -1)
	if len(runs) == 0 {
		t.Fatalf("SVG without dark modules: %.200s", svg)
	}
	for _, r := range runs {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		w, _ := strconv.Atoi(r[3])
		if r[3] != r[4] || x < qrQuietZone || y < qrQuietZone || x+w > side-qrQuietZone || y >= side-qrQuietZone {
			t.Fatalf("run %q is malformed or in the quiet zone (side %d)", r[0], side)
		}
		for py := y * scale; py < (y+1)*scale; py++ {
			for px := x * scale; px < (x+w)*scale; px++ {
				img.SetGray(px, py, color.Gray{})
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("bitmap: %v", err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("the QR code does not decode: %v", err)
	}
	return res.GetText()
}

// getQR fetches a QR code with extra request headers.
func getQR(t *testing.T, ts *testServer, path string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := ts.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// TestRoomQRCode decodes the served SVG and finds the room's absolute
// audience URL, built from Host, from the forwarded headers of a proxy, and
// ignoring forwarded values that are not a plain scheme or host.
func TestRoomQRCode(t *testing.T) {
	ts := newTestServer(t, Config{TrustedProxies: mustTrust(t, "127.0.0.1")}, rooms.Config{})
	code := ts.createRoom(t, "QR").Code
	host := strings.TrimPrefix(ts.URL, "http://")
	cases := []struct {
		name   string
		path   string
		header map[string]string
		want   string
	}{
		{"Host", "/api/rooms/" + code + "/qr.svg", nil, "http://" + host + "/r/" + code},
		{"lower-case code", "/api/rooms/" + strings.ToLower(code) + "/qr.svg", nil, "http://" + host + "/r/" + code},
		{"proxy", "/api/rooms/" + code + "/qr.svg",
			map[string]string{"X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "events.example.com"},
			"https://events.example.com/r/" + code},
		{"Host header", "/api/rooms/" + code + "/qr.svg", map[string]string{"Host": "hall.example.org:8443"},
			"http://hall.example.org:8443/r/" + code},
		{"bad forwarded values", "/api/rooms/" + code + "/qr.svg",
			map[string]string{"X-Forwarded-Proto": "javascript", "X-Forwarded-Host": `evil.example/"><script>`},
			"http://" + host + "/r/" + code},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := getQR(t, ts, tc.path, tc.header)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "image/svg+xml; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") || strings.Contains(cc, "no-store") {
				t.Errorf("Cache-Control %q is not cacheable", cc)
			}
			if !strings.Contains(resp.Header.Get("Vary"), "Host") {
				t.Errorf("Vary %q does not name Host", resp.Header.Get("Vary"))
			}
			if !strings.HasPrefix(body, `<svg xmlns="http://www.w3.org/2000/svg"`) || !strings.Contains(body, `role="img"`) {
				t.Errorf("not an accessible SVG: %.200s", body)
			}
			if strings.Contains(body, "<script") {
				t.Errorf("header text reached the SVG unescaped: %s", body)
			}
			if got := decodeQRSVG(t, body); got != tc.want {
				t.Errorf("QR code reads %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRoomQRCodeCaching checks the ETag round trip: a repeated request with
// If-None-Match gets 304 without a body, another host gets another ETag.
func TestRoomQRCodeCaching(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	path := "/api/rooms/" + ts.createRoom(t, "QR").Code + "/qr.svg"
	first, _ := getQR(t, ts, path, nil)
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	again, body := getQR(t, ts, path, map[string]string{"If-None-Match": etag})
	if again.StatusCode != http.StatusNotModified || body != "" {
		t.Fatalf("If-None-Match: status %d, body %q; want 304 and none", again.StatusCode, body)
	}
	other, _ := getQR(t, ts, path, map[string]string{"Host": "other.example", "If-None-Match": etag})
	if other.StatusCode != http.StatusOK || other.Header.Get("ETag") == etag {
		t.Fatalf("another host: status %d, ETag %q (first %q); want 200 and another ETag", other.StatusCode, other.Header.Get("ETag"), etag)
	}
}

// TestRoomQRCodePublicURL checks that a configured public URL (with a path
// prefix and a trailing slash) wins over the request's headers.
func TestRoomQRCodePublicURL(t *testing.T) {
	ts := newTestServer(t, Config{PublicURL: "https://live.example.com/hubbub/"}, rooms.Config{})
	code := ts.createRoom(t, "QR").Code
	resp, body := getQR(t, ts, "/api/rooms/"+code+"/qr.svg", map[string]string{"X-Forwarded-Host": "ignored.example"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if got, want := decodeQRSVG(t, body), "https://live.example.com/hubbub/r/"+code; got != want {
		t.Errorf("QR code reads %q, want %q", got, want)
	}
}

// TestRoomQRCodeUnknownRoom: an unknown or malformed code is a 404 error
// event, not an image.
func TestRoomQRCodeUnknownRoom(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	for _, code := range []string{"ZZZZZZ", "nope", "0OI1LL"} {
		resp, body := getQR(t, ts, "/api/rooms/"+code+"/qr.svg", nil)
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `"code":"not_found"`) {
			t.Errorf("%s: status %d, body %s; want 404 not_found", code, resp.StatusCode, body)
		}
	}
}
