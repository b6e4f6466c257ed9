package hub

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/static"
)

// fetch gets path with the given Accept-Encoding and If-None-Match, without
// the transport's own decompression.
func fetch(t *testing.T, ts *testServer, path, encoding, etag string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	req.Header.Set("Accept-Encoding", encoding)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := ts.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestAssetsCompressedAndRevalidated is the page load as found: files went
// out uncompressed and uncached. They are gzip-compressed for clients that
// take it, carry an ETag, and a current copy is answered 304.
func TestAssetsCompressedAndRevalidated(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	raw, err := static.Pages.ReadFile("js/client.js")
	if err != nil {
		t.Fatal(err)
	}
	resp, br := fetch(t, ts, "/static/js/client.js", "gzip, deflate, br", "")
	if resp.Header.Get("Content-Encoding") != "br" {
		t.Fatalf("client.js for a client taking br: encoding %q", resp.Header.Get("Content-Encoding"))
	}
	if plain, err := io.ReadAll(brotli.NewReader(bytes.NewReader(br))); err != nil || !bytes.Equal(plain, raw) {
		t.Fatalf("the brotli body is not the file: %v", err)
	}
	resp, gz := fetch(t, ts, "/static/js/client.js", "gzip, deflate, br;q=0", "")
	if resp.Header.Get("Content-Encoding") != "gzip" || len(gz) >= len(raw) {
		t.Fatalf("client.js: encoding %q, %d bytes of %d", resp.Header.Get("Content-Encoding"), len(gz), len(raw))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, raw) {
		t.Fatal("the gzip body is not the file")
	}
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("Content-Type %q", ct)
	}
	etag := resp.Header.Get("ETag")
	if etag == "" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("ETag %q, Vary %q", etag, resp.Header.Get("Vary"))
	}
	if resp, body := fetch(t, ts, "/static/js/client.js", "identity", ""); resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, raw) {
		t.Errorf("without gzip: encoding %q, %d bytes", resp.Header.Get("Content-Encoding"), len(body))
	}
	if resp, _ := fetch(t, ts, "/static/js/client.js", "gzip;q=0", ""); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got %q", resp.Header.Get("Content-Encoding"))
	}
	if resp, body := fetch(t, ts, "/static/js/client.js", "gzip", etag); resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("If-None-Match with the current ETag: %d, %d bytes", resp.StatusCode, len(body))
	}
	if resp, _ := fetch(t, ts, "/static/js/nope.js", "gzip", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown file: %d", resp.StatusCode)
	}
}

// TestPagesPreloadTheirModules: every page names every module its script
// imports, directly or not, so the browser fetches the chain at once.
func TestPagesPreloadTheirModules(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "preload")
	preload := regexp.MustCompile(`<link rel="modulepreload" href="/static/(js/[\w.-]+\.js)\?v=[\w-]+">`)
	for path, want := range map[string][]string{
		"/r/" + room.Code:    {"js/dom.js", "js/i18n.js", "js/client.js", "js/state.js", "js/audience-questions.js", "js/audience-polls.js", "js/name.js"},
		"/host/" + room.Code: {"js/dom.js", "js/client.js", "js/host-strings.js"},
		"/":                  {"js/dom.js"},
	} {
		_, body := fetch(t, ts, path, "identity", "")
		got := map[string]bool{}
		for _, m := range preload.FindAllStringSubmatch(string(body), -1) {
			got[m[1]] = true
		}
		for _, w := range want {
			if !got[w] {
				t.Errorf("%s does not preload %s (preloads %v)", path, w, got)
			}
		}
	}
}

// TestAudiencePageWeight logs what an audience page load costs on the wire
// (the HTML, its styles and its module chain), plain and compressed, and
// holds the compressed weight under a bound.
func TestAudiencePageWeight(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "weight")
	_, page := fetch(t, ts, "/r/"+room.Code, "identity", "")
	files := regexp.MustCompile(`(?:href|src)="/static/([\w./-]+\.(?:js|css|svg)(?:\?v=[\w-]+)?)"`).FindAllStringSubmatch(string(page), -1)
	plain, compressed := len(page), 0
	_, gzPage := fetch(t, ts, "/r/"+room.Code, "gzip", "")
	compressed += len(gzPage)
	for _, f := range files {
		_, p := fetch(t, ts, "/static/"+f[1], "identity", "")
		_, z := fetch(t, ts, "/static/"+f[1], "gzip", "")
		plain += len(p)
		compressed += len(z)
	}
	t.Logf("audience page load: %d files, %d bytes plain, %d bytes gzip", len(files)+1, plain, compressed)
	if compressed > plain/2 || compressed > 64<<10 {
		t.Fatalf("audience page load is %d bytes compressed (%d plain)", compressed, plain)
	}
	_, brPage := fetch(t, ts, "/r/"+room.Code, "br", "")
	brotlied := len(brPage)
	for _, f := range files {
		_, z := fetch(t, ts, "/static/"+f[1], "br", "")
		brotlied += len(z)
	}
	t.Logf("audience page load: %d bytes brotli", brotlied)
	if brotlied >= compressed {
		t.Fatalf("brotli (%d bytes) saves nothing over gzip (%d)", brotlied, compressed)
	}
}
