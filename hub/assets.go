package hub

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/gin-gonic/gin"
)

// brotliLevel is the brotli level of the assets, made at start: level 5
// builds every file in well under 0.1 s on one core and is about 7 % smaller
// than gzip's best; 11 would save another 10 % but take a second at every
// start.
const brotliLevel = 5

// immutable is the Cache-Control of a script or style asked for at its
// current version (?v=): its address changes with its content, so a
// browser keeps it a year and never asks again.
const immutable = "public, max-age=31536000, immutable"

// asset is one page file as served: its bytes, its gzip and brotli forms
// when they are smaller, its version (the ?v= of its address) and its ETag.
type asset struct {
	body, gz, br []byte
	version      string
	etag         string
	contentType  string
	page         bool // an HTML page: an entry point, never cached long
}

// assets are the page files, prepared once at start: the HTML pages given
// a <link rel="modulepreload"> for every module their script imports, so
// the browser fetches the whole chain at once instead of one import level
// per round trip; every reference to a script or style versioned
// (versionFiles); each file compressed and tagged.
type assets map[string]*asset

// staticImport matches the static imports and re-exports of an ES module:
// `import … from './x.js'`, `import './x.js'`, `export … from './x.js'`.
var staticImport = regexp.MustCompile(`(?m)^\s*(?:import|export)\b[^'";]*?(?:from\s*)?['"](\./[\w./-]+\.js)['"]`)

// pageScript matches an HTML page's module script.
var pageScript = regexp.MustCompile(`<script type="module" src="/static/(js/[\w./-]+\.js)"></script>`)

// embedded holds the assets of every embedded file system loaded so far:
// its files never change in a process, so the routers of one process (a
// test's servers, a cluster started in one process) prepare them once.
var embedded sync.Map // embed.FS → assets

// pageAssets returns loadAssets(pages), prepared once per process when
// pages are embedded.
func pageAssets(pages fs.FS) (assets, error) {
	e, ok := pages.(embed.FS)
	if !ok {
		return loadAssets(pages)
	}
	if as, ok := embedded.Load(e); ok {
		return as.(assets), nil
	}
	as, err := loadAssets(pages)
	if err != nil {
		return nil, err
	}
	embedded.Store(e, as)
	return as, nil
}

// loadAssets reads every file of pages.
func loadAssets(pages fs.FS) (assets, error) {
	raw := map[string][]byte{}
	err := fs.WalkDir(pages, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(pages, name)
		raw[name] = b
		return err
	})
	if err != nil {
		return nil, err
	}
	withPreloads := make(map[string][]byte, len(raw))
	for name, b := range raw {
		if strings.HasSuffix(name, ".html") {
			b = withModulePreloads(b, raw)
		}
		withPreloads[name] = b
	}
	files, versions, err := versionFiles(withPreloads)
	if err != nil {
		return nil, err
	}
	out := assets{}
	for name, b := range files {
		out[name] = newAsset(name, b, versions[name])
	}
	return out, nil
}

// withModulePreloads inserts before </head> a modulepreload link for every
// module the page's module script imports, directly or not.
func withModulePreloads(page []byte, files map[string][]byte) []byte {
	m := pageScript.FindSubmatch(page)
	if m == nil {
		return page
	}
	seen := map[string]bool{}
	var walk func(name string)
	walk = func(name string) {
		for _, imp := range staticImport.FindAllSubmatch(files[name], -1) {
			dep := path.Join(path.Dir(name), string(imp[1]))
			if _, ok := files[dep]; ok && !seen[dep] {
				seen[dep] = true
				walk(dep)
			}
		}
	}
	walk(string(m[1]))
	deps := make([]string, 0, len(seen))
	for d := range seen {
		deps = append(deps, d)
	}
	sort.Strings(deps)
	var links bytes.Buffer
	for _, d := range deps {
		fmt.Fprintf(&links, "<link rel=\"modulepreload\" href=\"/static/%s\">\n", d)
	}
	return bytes.Replace(page, []byte("</head>"), append(links.Bytes(), "</head>"...), 1)
}

// newAsset prepares the file name of content b at version v: its gzip
// form at the best level and its brotli form at brotliLevel, each kept
// only when smaller than the forms before it.
func newAsset(name string, b []byte, v string) *asset {
	a := &asset{body: b, version: v, etag: `"` + v + `"`,
		contentType: mime.TypeByExtension(path.Ext(name)), page: path.Ext(name) == ".html"}
	if a.contentType == "" {
		a.contentType = http.DetectContentType(b)
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write(b)
	w.Close()
	if gz.Len() < len(b) {
		a.gz = gz.Bytes()
	}
	var br bytes.Buffer
	bw := brotli.NewWriterLevel(&br, brotliLevel)
	bw.Write(b)
	bw.Close()
	if br.Len() < len(b) && (a.gz == nil || br.Len() < len(a.gz)) {
		a.br = br.Bytes()
	}
	return a
}

// cacheControl is the Cache-Control of the asset asked for at version v
// (the request's ?v=, "" without one): immutable at its current version,
// unless a page; else no-cache, revalidated by its ETag at every use (a
// 304 of a few bytes), so a page's entry point, an address without a
// version and one with a stale version (an old page, or a request landing
// on an instance not yet upgraded) never keep a file past an upgrade.
func (a *asset) cacheControl(v string) string {
	if !a.page && v != "" && v == a.version {
		return immutable
	}
	return "no-cache"
}

// serve answers with the file name: brotli- or gzip-compressed when the
// client takes it (brotli first: smaller), 304 when the client's copy is
// current, cached as cacheControl says.
func (as assets) serve(c *gin.Context, name string) {
	a, ok := as[name]
	if !ok {
		c.Data(http.StatusNotFound, "text/plain; charset=utf-8", []byte("no such file\n"))
		return
	}
	h := c.Writer.Header()
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", a.cacheControl(c.Query("v")))
	h.Set("Vary", "Accept-Encoding")
	if match := c.GetHeader("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		c.Status(http.StatusNotModified)
		return
	}
	body := a.body
	accept := c.GetHeader("Accept-Encoding")
	if a.br != nil && accepts(accept, "br") {
		h.Set("Content-Encoding", "br")
		body = a.br
	} else if a.gz != nil && accepts(accept, "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	c.Data(http.StatusOK, a.contentType, body)
}

// accepts reports whether an Accept-Encoding header takes the encoding
// (named, with a weight above 0).
func accepts(accept, encoding string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), encoding) {
			continue
		}
		q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !ok {
			return true
		}
		w, err := strconv.ParseFloat(q, 64)
		return err == nil && w > 0
	}
	return false
}
