package hub

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

// moduleSpec matches a relative module specifier: './x.js'. It is one
// when quoted and after `from` (`import … from './x.js'`, `export … from
// './x.js'`), a bare `import './x.js'` or a dynamic `import('./x.js')`
// (moduleLead). The literal start keeps the scan of every file fast.
var moduleSpec = regexp.MustCompile(`\./[\w./-]+\.js`)

// moduleLead matches what comes before a module specifier's quote.
var moduleLead = regexp.MustCompile(`(?:\bfrom|\bimport\s*\(?)\s*$`)

// staticAddr matches an address of a script or style under /static/: one
// when quoted, as in an HTML page's src="…" and href="…" or a script's
// '/static/x.css'.
var staticAddr = regexp.MustCompile(`/static/[\w./-]+\.(?:js|css)`)

// versioned reports whether references in name's text are versioned: the
// pages, their scripts and their styles.
func versioned(name string) bool {
	switch path.Ext(name) {
	case ".html", ".js", ".css":
		return true
	}
	return false
}

// refs calls fn for every reference in name's body to a script or style,
// with the file referred to (a name under /static/, which may not exist),
// and replaces the reference's address with what fn returns. References on
// a comment line (one starting with //, /* or *, as an example of use in a
// module's doc) are not references.
func refs(name string, body []byte, fn func(target, address string) string) []byte {
	if !versioned(name) {
		return body
	}
	replace := func(re *regexp.Regexp, isRef func(lead []byte) bool, target func(spec string) string) {
		var out []byte
		last := 0
		for _, m := range re.FindAllIndex(body, -1) {
			start, end := m[0], m[1]
			if start == 0 || end == len(body) || body[start-1] != body[end] || (body[end] != '\'' && body[end] != '"') ||
				!isRef(body[max(0, start-40):start-1]) || onCommentLine(body, start) {
				continue
			}
			out = append(out, body[last:start]...)
			out = append(out, fn(target(string(body[start:end])), string(body[start:end]))...)
			last = end
		}
		if out != nil {
			body = append(out, body[last:]...)
		}
	}
	if path.Ext(name) == ".js" {
		replace(moduleSpec, moduleLead.Match, func(spec string) string { return path.Join(path.Dir(name), spec) })
	}
	replace(staticAddr, func([]byte) bool { return true }, func(addr string) string { return strings.TrimPrefix(addr, "/static/") })
	return body
}

// onCommentLine reports whether the line holding body[i] starts with //,
// /* or *.
func onCommentLine(body []byte, i int) bool {
	start := bytes.LastIndexByte(body[:i], '\n') + 1
	line := bytes.TrimLeft(body[start:i], " \t")
	return bytes.HasPrefix(line, []byte("//")) || bytes.HasPrefix(line, []byte("/*")) || bytes.HasPrefix(line, []byte("*"))
}

// rewriteRefs returns body (the file name) with every reference to a file
// that has a version in versions carrying it: './x.js?v=V' in a module's
// imports, '/static/x.css?v=V' and src="/static/js/x.js?v=V" elsewhere.
// Other references are left as they are.
func rewriteRefs(name string, body []byte, versions map[string]string) []byte {
	return refs(name, body, func(target, address string) string {
		if v, ok := versions[target]; ok {
			return address + "?v=" + v
		}
		return address
	})
}

// contentVersion names a content: the first 96 bits of its SHA-256, in
// base64url (16 characters).
func contentVersion(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// versionFiles returns files (names under /static/ to contents) with every
// reference among them versioned by rewriteRefs, and the version of each
// file: the contentVersion of its rewritten content. A file's version so
// covers the versions of the files it refers to, and theirs in turn: a
// change deep in an import chain changes the address of every module
// above it, so a browser never pairs a new module with an old importer.
// Files referring to each other in a cycle cannot be versioned so: an
// error.
func versionFiles(files map[string][]byte) (map[string][]byte, map[string]string, error) {
	out := make(map[string][]byte, len(files))
	versions := make(map[string]string, len(files))
	visiting := map[string]bool{}
	var visit func(name string, chain []string) error
	visit = func(name string, chain []string) error {
		if _, done := versions[name]; done {
			return nil
		}
		chain = append(chain, name)
		if visiting[name] {
			return fmt.Errorf("hub: %s refer to each other in a cycle, so none can carry the version of the others", strings.Join(chain, " → "))
		}
		visiting[name] = true
		var err error
		refs(name, files[name], func(target, address string) string {
			if _, ok := files[target]; ok && err == nil {
				err = visit(target, chain)
			}
			return address
		})
		if err != nil {
			return err
		}
		out[name] = rewriteRefs(name, files[name], versions)
		versions[name] = contentVersion(out[name])
		return nil
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := visit(name, nil); err != nil {
			return nil, nil, err
		}
	}
	return out, versions, nil
}
