package hub

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
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

// asset is one page file as served: its bytes, its gzip form when that is
// smaller, its brotli form (made at its first request: brotli's best level
// is slow, and most processes never serve it), and its ETag.
type asset struct {
	body, gz    []byte
	etag        string
	contentType string

	brOnce sync.Once
	br     []byte // nil: not smaller than the gzip form
}

// brotli returns the asset's brotli form, or nil when it saves nothing
// over gzip.
func (a *asset) brotli() []byte {
	a.brOnce.Do(func() {
		var b bytes.Buffer
		w := brotli.NewWriterLevel(&b, brotli.BestCompression)
		w.Write(a.body)
		w.Close()
		if b.Len() < len(a.body) && (a.gz == nil || b.Len() < len(a.gz)) {
			a.br = b.Bytes()
		}
	})
	return a.br
}

// assets are the page files, prepared once at start: compressed, tagged,
// and the HTML pages given a <link rel="modulepreload"> for every module
// their script imports, so the browser fetches the whole chain at once
// instead of one import level per round trip.
type assets map[string]*asset

// staticImport matches the static imports and re-exports of an ES module:
// `import … from './x.js'`, `import './x.js'`, `export … from './x.js'`.
var staticImport = regexp.MustCompile(`(?m)^\s*(?:import|export)\b[^'";]*?(?:from\s*)?['"](\./[\w./-]+\.js)['"]`)

// pageScript matches an HTML page's module script.
var pageScript = regexp.MustCompile(`<script type="module" src="/static/(js/[\w./-]+\.js)"></script>`)

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
	out := assets{}
	for name, b := range raw {
		if strings.HasSuffix(name, ".html") {
			b = withModulePreloads(b, raw)
		}
		out[name] = newAsset(name, b)
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

func newAsset(name string, b []byte) *asset {
	sum := sha256.Sum256(b)
	a := &asset{body: b, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
		contentType: mime.TypeByExtension(path.Ext(name))}
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
	return a
}

// serve answers with the file name: brotli- or gzip-compressed when the
// client takes it (brotli first: about a fifth smaller), 304 when the client's copy is current. Every answer must be
// revalidated (no-cache), which costs a 304 of a few bytes: the names carry
// no version, so a long max-age would keep an old script after an upgrade.
func (as assets) serve(c *gin.Context, name string) {
	a, ok := as[name]
	if !ok {
		c.Data(http.StatusNotFound, "text/plain; charset=utf-8", []byte("no such file\n"))
		return
	}
	h := c.Writer.Header()
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("Vary", "Accept-Encoding")
	if match := c.GetHeader("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		c.Status(http.StatusNotModified)
		return
	}
	body := a.body
	accept := c.GetHeader("Accept-Encoding")
	if accepts(accept, "br") && a.brotli() != nil {
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
