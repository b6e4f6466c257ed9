package static

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// servedPages are the pages the router serves at /, /r/CODE, /host/CODE and
// /screen/CODE.
var servedPages = []string{"index.html", "audience.html", "host.html", "screen.html"}

// xmlNamespaces are the only http:// strings a served file may hold: names
// of XML namespaces (an SVG's xmlns), which browsers never fetch.
var xmlNamespaces = []string{"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}

// TestPagesEmbedded checks that every page the router serves is in the
// binary and is a complete HTML document for phones.
func TestPagesEmbedded(t *testing.T) {
	for _, name := range servedPages {
		page := readPage(t, name)
		for _, want := range []string{"<!doctype html>", `<html lang="`, `<meta charset="utf-8">`, `<meta name="viewport" content="width=device-width`, "<title", "</html>"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
	if _, err := fs.ReadFile(Pages, "app.css"); err != nil {
		t.Fatalf("app.css not embedded: %v", err)
	}
}

// assetRef matches the local addresses a page loads: src="/static/…" and
// href="/static/…".
var assetRef = regexp.MustCompile(`(?:src|href)="(/static/[^"#?]+)"`)

// TestPagesLoadOnlyEmbeddedAssets checks that every script, style and icon a
// page refers to under /static/ is embedded, so no page breaks for a file
// missing from the binary.
func TestPagesLoadOnlyEmbeddedAssets(t *testing.T) {
	for _, name := range servedPages {
		page := readPage(t, name)
		refs := assetRef.FindAllStringSubmatch(page, -1)
		if len(refs) == 0 {
			t.Errorf("%s loads nothing from /static/; every page needs at least app.css", name)
		}
		for _, ref := range refs {
			file := strings.TrimPrefix(ref[1], "/static/")
			if _, err := fs.Stat(Pages, file); err != nil {
				t.Errorf("%s refers to %s, which is not embedded", name, ref[1])
			}
		}
	}
}

// staticImport matches the module specifiers of static imports and
// re-exports ("import … from './x.js'", "import './x.js'"). Dynamic
// import('…') is left out on purpose: a page may load an optional module and
// carry on without it.
var staticImport = regexp.MustCompile(`(?m)^\s*(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]`)

// TestModuleImportsResolve checks that every static import of every embedded
// module names another embedded module by a relative path, so a page never
// fails to start for a missing or mistyped file.
func TestModuleImportsResolve(t *testing.T) {
	modules := filesWithSuffix(t, ".js")
	if len(modules) == 0 {
		t.Fatal("no modules embedded under js/")
	}
	for _, file := range modules {
		src := readPage(t, file)
		for _, m := range staticImport.FindAllStringSubmatch(src, -1) {
			spec := m[1]
			if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") {
				t.Errorf("%s imports %q: only relative paths to embedded modules work without a build step", file, spec)
				continue
			}
			target := path.Join(path.Dir(file), spec)
			if _, err := fs.Stat(Pages, target); err != nil {
				t.Errorf("%s imports %q, but %s is not embedded", file, spec, target)
			}
		}
	}
}

// TestNoExternalAddresses checks that no served file (page, style, script,
// icon) refers to an http:// or https:// address: the pages must work with no
// network access beyond the server, and load nothing from elsewhere.
func TestNoExternalAddresses(t *testing.T) {
	for _, file := range filesWithSuffix(t, ".html", ".css", ".js", ".svg") {
		text := readPage(t, file)
		for _, ns := range xmlNamespaces {
			text = strings.ReplaceAll(text, ns, "")
		}
		for _, scheme := range []string{"http://", "https://", "//fonts.", "//cdn"} {
			if i := strings.Index(text, scheme); i >= 0 {
				t.Errorf("%s refers to an external address near %q; serve it from the binary instead", file, excerpt(text, i))
			}
		}
	}
}

// scriptElement matches a script element and captures its inline content.
var scriptElement = regexp.MustCompile(`(?is)<script\b[^>]*>(.*?)</script>`)

// htmlSink matches the DOM APIs that parse a string as HTML.
var htmlSink = regexp.MustCompile(`\.(?:innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML\s*\(|document\.write(?:ln)?\s*\(|createContextualFragment\s*\(|DOMParser\b|\.srcdoc\s*=`)

// TestScriptsNeverParseHTML checks that no script hands a string to an HTML
// parser: text from the network is always inserted as text (textContent,
// createTextNode, dom.js el()), so a question like "<img onerror=…>" shows
// as those characters and never runs.
func TestScriptsNeverParseHTML(t *testing.T) {
	for _, file := range filesWithSuffix(t, ".js") {
		src := readPage(t, file)
		for _, loc := range htmlSink.FindAllStringIndex(src, -1) {
			t.Errorf("%s uses an HTML parser near %q; build elements with dom.js el() and insert text as text", file, excerpt(src, loc[0]))
		}
		for _, inline := range []string{"eval(", "new Function("} {
			if i := strings.Index(src, inline); i >= 0 {
				t.Errorf("%s evaluates a string as code near %q", file, excerpt(src, i))
			}
		}
	}
	for _, name := range servedPages {
		page := readPage(t, name)
		for _, m := range scriptElement.FindAllStringSubmatch(page, -1) {
			if strings.TrimSpace(m[1]) != "" {
				t.Errorf("%s has an inline script; put it in a module under js/ so a strict Content-Security-Policy can forbid inline code", name)
			}
		}
		if regexp.MustCompile(`\son[a-z]+="`).MatchString(page) {
			t.Errorf("%s has an inline event handler attribute; attach handlers in its module", name)
		}
	}
}

// TestHTMLSinkPatternCatches checks that the pattern of
// TestScriptsNeverParseHTML finds the ways a script parses HTML and lets
// the safe ones (and comments naming innerHTML) through.
func TestHTMLSinkPatternCatches(t *testing.T) {
	for _, bad := range []string{`node.innerHTML = text`, `node.innerHTML += x`, `a.outerHTML=b`, `n.insertAdjacentHTML('beforeend', s)`,
		`document.write(s)`, `range.createContextualFragment(s)`, `new DOMParser()`, `frame.srcdoc = s`} {
		if !htmlSink.MatchString(bad) {
			t.Errorf("htmlSink misses %q", bad)
		}
	}
	for _, good := range []string{`node.textContent = text`, `// never innerHTML`, `el('p', {}, text)`, `document.createTextNode(s)`} {
		if htmlSink.MatchString(good) {
			t.Errorf("htmlSink flags the safe %q", good)
		}
	}
}

func readPage(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(Pages, name)
	if err != nil {
		t.Fatalf("%s not embedded: %v", name, err)
	}
	return string(b)
}

// filesWithSuffix lists the embedded files whose names end in one of suffixes.
func filesWithSuffix(t *testing.T, suffixes ...string) []string {
	t.Helper()
	var files []string
	err := fs.WalkDir(Pages, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, s := range suffixes {
			if strings.HasSuffix(p, s) {
				files = append(files, p)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking the embedded files: %v", err)
	}
	return files
}

func excerpt(s string, i int) string {
	start, end := max(0, i-30), min(len(s), i+50)
	return s[start:end]
}
