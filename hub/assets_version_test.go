package hub

import (
	"bytes"
	"io"
	"net/http"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/static"
)

// pageRef matches an HTML page's address of a script or style under
// /static/, with its query if any.
var pageRef = regexp.MustCompile(`(?:src|href)="(/static/[\w./-]+\.(?:js|css)(?:\?[^"]*)?)"`)

// scriptRef matches a module's relative imports and its quoted addresses
// under /static/ (a stylesheet it adds), with their query if any.
var scriptRef = regexp.MustCompile(`(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\./[\w./-]+\.js(?:\?[^'"]*)?)['"]|['"](/static/[\w./-]+\.(?:js|css)(?:\?[^'"]*)?)['"]`)

// TestAssetsVersionedAndImmutable: every page refers to its scripts and
// styles at their current version (?v=), and so does every module to the
// modules it imports and the styles it adds, all the way down; every such
// address is answered with a year's immutable caching, the pages
// themselves with no-cache.
func TestAssetsVersionedAndImmutable(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "versions")
	queue := []string{}
	for _, page := range []string{"/", "/r/" + room.Code, "/host/" + room.Code, "/screen/" + room.Code, "/report/" + room.Code} {
		resp, body := fetch(t, ts, page, "identity", "")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: %d, Cache-Control %q; a page is an entry point, revalidated at every visit", page, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		refs := pageRef.FindAllStringSubmatch(string(body), -1)
		if len(refs) < 2 {
			t.Fatalf("%s refers to %d scripts and styles", page, len(refs))
		}
		for _, m := range refs {
			queue = append(queue, m[1])
		}
	}
	seen := map[string]bool{}
	for len(queue) > 0 {
		addr := queue[0]
		queue = queue[1:]
		if seen[addr] {
			continue
		}
		seen[addr] = true
		if !regexp.MustCompile(`\?v=[\w-]{16}$`).MatchString(addr) {
			t.Errorf("%s carries no version", addr)
			continue
		}
		resp, body := fetch(t, ts, addr, "identity", "")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != immutable {
			t.Errorf("%s: %d, Cache-Control %q, want %q", addr, resp.StatusCode, resp.Header.Get("Cache-Control"), immutable)
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") || resp.Header.Get("ETag") == "" {
			t.Errorf("%s: Vary %q, ETag %q", addr, resp.Header.Get("Vary"), resp.Header.Get("ETag"))
		}
		if !strings.HasSuffix(addr, ".js") && !strings.Contains(addr, ".js?") {
			continue
		}
		var code strings.Builder // the module without its comment lines
		for line := range strings.Lines(string(body)) {
			if l := strings.TrimSpace(line); !strings.HasPrefix(l, "//") && !strings.HasPrefix(l, "/*") && !strings.HasPrefix(l, "*") {
				code.WriteString(line)
			}
		}
		for _, m := range scriptRef.FindAllStringSubmatch(code.String(), -1) {
			if m[2] != "" {
				queue = append(queue, m[2])
			} else {
				file, _, _ := strings.Cut(addr, "?")
				queue = append(queue, path.Join(path.Dir(file), m[1]))
			}
		}
	}
	if !seen["/static/js/dom.js?v="+mustVersion(t, "js/dom.js")] {
		t.Errorf("dom.js, imported by every page, not reached at its version (reached %d addresses)", len(seen))
	}
	for addr := range seen {
		if strings.HasPrefix(addr, "/static/charts.css") {
			return
		}
	}
	t.Error("charts.js's own stylesheet address was not found")
}

// mustVersion returns the current version of the file name under /static/.
func mustVersion(t *testing.T, name string) string {
	t.Helper()
	as, err := pageAssets(static.Pages)
	if err != nil {
		t.Fatal(err)
	}
	return as[name].version
}

// TestStaleVersionRevalidated: an address with a version that is not the
// file's current one (an old page, or a request landing on an instance not
// yet upgraded) or with none still gets the current file, never a 404, and
// with no-cache, so no cache keeps it for a year under that address.
func TestStaleVersionRevalidated(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	want, _ := fetch(t, ts, "/static/js/i18n.js?v="+mustVersion(t, "js/i18n.js"), "identity", "")
	_, current := fetch(t, ts, "/static/js/i18n.js", "identity", "")
	for _, addr := range []string{"/static/js/i18n.js?v=AAAAAAAAAAAAAAAA", "/static/js/i18n.js", "/static/js/i18n.js?v=", "/static/app.css?v=stale"} {
		resp, body := fetch(t, ts, addr, "identity", "")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-cache" || len(body) == 0 {
			t.Errorf("%s: %d, Cache-Control %q, %d bytes", addr, resp.StatusCode, resp.Header.Get("Cache-Control"), len(body))
		}
		if strings.HasPrefix(addr, "/static/js/i18n.js") && !bytes.Equal(body, current) {
			t.Errorf("%s: not the current file", addr)
		}
	}
	if want.Header.Get("Cache-Control") != immutable {
		t.Errorf("the current version: Cache-Control %q", want.Header.Get("Cache-Control"))
	}
	resp, _ := fetch(t, ts, "/r/ABCDEF?v="+mustVersion(t, "audience.html"), "identity", "")
	if resp.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("a page asked for with its own version: Cache-Control %q; pages are never cached long", resp.Header.Get("Cache-Control"))
	}
}

// TestVersionedAssetInBrotli: a versioned module is served brotli-compressed
// (made at start) to a client taking br, immutable too, and decompresses to
// the module as served plain; a 304 keeps the immutable header.
func TestVersionedAssetInBrotli(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	addr := "/static/js/audience.js?v=" + mustVersion(t, "js/audience.js")
	_, plain := fetch(t, ts, addr, "identity", "")
	resp, br := fetch(t, ts, addr, "gzip, deflate, br", "")
	if resp.Header.Get("Content-Encoding") != "br" || resp.Header.Get("Cache-Control") != immutable {
		t.Fatalf("%s: Content-Encoding %q, Cache-Control %q", addr, resp.Header.Get("Content-Encoding"), resp.Header.Get("Cache-Control"))
	}
	got, err := io.ReadAll(brotli.NewReader(bytes.NewReader(br)))
	if err != nil || !bytes.Equal(got, plain) || len(br) >= len(plain)/2 {
		t.Fatalf("brotli body: %v, %d bytes for %d plain", err, len(br), len(plain))
	}
	if !strings.Contains(string(plain), "from './client.js?v=") {
		t.Error("audience.js imports client.js without its version")
	}
	resp, _ = fetch(t, ts, addr, "br", resp.Header.Get("ETag"))
	if resp.StatusCode != http.StatusNotModified || resp.Header.Get("Cache-Control") != immutable {
		t.Errorf("revalidated: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}

// TestBrotliBuiltAtStart: every compressible file has its brotli form when
// the assets are loaded, before any request.
func TestBrotliBuiltAtStart(t *testing.T) {
	as, err := loadAssets(static.Pages)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"js/host.js", "js/dom.js", "app.css", "audience.html"} {
		if a := as[name]; a == nil || a.br == nil || len(a.br) >= len(a.gz) {
			t.Errorf("%s has no brotli form smaller than gzip at start", name)
		}
	}
}

// TestVersionFiles is the rewrite alone: imports (static, re-exports,
// dynamic; not an example in a comment), a page's src and href and a script's '/static/…' address
// carry the version of their file, which covers the versions below it, so
// a change deep in the import chain changes every importer's version and
// no other file's.
func TestVersionFiles(t *testing.T) {
	files := func(deep string) map[string][]byte {
		return map[string][]byte{
			"page.html":   []byte(`<link rel="stylesheet" href="/static/app.css"><script type="module" src="/static/js/top.js"></script><link rel="icon" href="/static/favicon.svg">`),
			"app.css":     []byte(`body { color: red }`),
			"favicon.svg": []byte(`<svg/>`),
			"js/top.js":   []byte("// Use: import { top } from './top.js';\nimport { mid } from './mid.js';\nexport { x } from \"./other.js\";\nimport './missing.js';\nconst later = import('./lazy.js');\n"),
			"js/mid.js":   []byte("import { deep } from './deep.js';\nexport const mid = deep;\n"),
			"js/deep.js":  []byte("export const deep = " + deep + ";\nconst css = '/static/app.css';\n"),
			"js/other.js": []byte("export const x = 1;\n"),
			"js/lazy.js":  []byte("export const y = 2;\n"),
		}
	}
	before, vBefore, err := versionFiles(files("1"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]string{
		"page.html":  {`href="/static/app.css?v=` + vBefore["app.css"] + `"`, `src="/static/js/top.js?v=` + vBefore["js/top.js"] + `"`, `href="/static/favicon.svg"`},
		"js/top.js":  {`from './mid.js?v=` + vBefore["js/mid.js"] + `'`, `from "./other.js?v=` + vBefore["js/other.js"] + `"`, `import './missing.js'`, `import { top } from './top.js';`, `import('./lazy.js?v=` + vBefore["js/lazy.js"] + `')`},
		"js/mid.js":  {`from './deep.js?v=` + vBefore["js/deep.js"] + `'`},
		"js/deep.js": {`'/static/app.css?v=` + vBefore["app.css"] + `'`},
	} {
		for _, w := range want {
			if !strings.Contains(string(before[name]), w) {
				t.Errorf("%s lacks %s:\n%s", name, w, before[name])
			}
		}
	}
	if vBefore["js/top.js"] != contentVersion(before["js/top.js"]) {
		t.Error("a version is not the hash of the rewritten content")
	}
	_, vAfter, err := versionFiles(files("2"))
	if err != nil {
		t.Fatal(err)
	}
	for name := range vBefore {
		changed := vAfter[name] != vBefore[name]
		if wantChanged := name == "js/deep.js" || name == "js/mid.js" || name == "js/top.js" || name == "page.html"; changed != wantChanged {
			t.Errorf("after a change in deep.js, %s changed its version: %v, want %v", name, changed, wantChanged)
		}
	}
	cycle := files("1")
	cycle["js/deep.js"] = []byte("import { top } from './top.js';\n")
	if _, _, err := versionFiles(cycle); err == nil {
		t.Error("modules importing each other in a cycle were versioned")
	}
}
