package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// staticResources lists the page's resources under /static/ with the bytes each
// took on the wire (0: from the browser's cache, not even revalidated).
const staticResources = `performance.getEntriesByType('resource')
  .filter((r) => new URL(r.name).pathname.startsWith('/static/'))
  .map((r) => ({ name: r.name, transfer: r.transferSize }))`

// resource is one of staticResources's entries.
type resource struct {
	Name     string `json:"name"`
	Transfer int    `json:"transfer"`
}

// TestPagesLoadVersionedAssets: every page loads its scripts and styles at
// versioned addresses (?v=), each once (a module under two addresses would
// run twice), and a second visit takes every one of them from the
// browser's cache without asking the server.
func TestPagesLoadVersionedAssets(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Caching", false)
	for _, path := range everyPage(r) {
		p := openPage(t, path, s.URL+path)
		p.waitVisible("h1, main, body")
		time.Sleep(300 * time.Millisecond) // late requests (charts.js, its stylesheet)
		seen := map[string]string{}
		for _, raw := range p.Requests() {
			u, err := url.Parse(raw)
			if err != nil || !strings.HasPrefix(raw, s.URL+"/static/") || !(strings.HasSuffix(u.Path, ".js") || strings.HasSuffix(u.Path, ".css")) {
				continue
			}
			if u.Query().Get("v") == "" {
				t.Errorf("%s loaded %s without a version", path, raw)
			}
			if prev, ok := seen[u.Path]; ok && prev != raw {
				t.Errorf("%s loaded %s under two addresses: %s and %s", path, u.Path, prev, raw)
			}
			seen[u.Path] = raw
		}
		if len(seen) < 3 {
			t.Errorf("%s loaded only %v", path, seen)
		}
		p.navigate("about:blank") // (else the same address with a #key is no new load)
		p.navigate(s.URL + path)  // a second visit
		p.waitVisible("h1, main, body")
		time.Sleep(300 * time.Millisecond)
		cached := 0
		for _, res := range eval[[]resource](p, staticResources) {
			if !strings.Contains(res.Name, "?v=") {
				continue
			}
			if res.Transfer != 0 {
				t.Errorf("%s, second visit: %s took %d bytes from the server, not the cache", path, res.Name, res.Transfer)
			}
			cached++
		}
		if cached < 3 {
			t.Errorf("%s, second visit: %d versioned resources", path, cached)
		}
		p.close()
	}
}
