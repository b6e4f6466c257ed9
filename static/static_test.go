package static

import (
	"io/fs"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestPagesEmbedded checks that every page the router serves is in the
// binary and is a complete HTML document that loads only local assets.
func TestPagesEmbedded(t *testing.T) {
	for _, name := range []string{"index.html", "audience.html", "host.html", "screen.html"} {
		b, err := fs.ReadFile(Pages, name)
		if err != nil {
			t.Fatalf("%s not embedded: %v", name, err)
		}
		page := string(b)
		for _, want := range []string{"<!doctype html>", `<meta name="viewport"`, "</html>"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
		if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
			t.Errorf("%s refers to an external address; pages must work without network access", name)
		}
	}
	if _, err := fs.ReadFile(Pages, "app.css"); err != nil {
		t.Fatalf("app.css not embedded: %v", err)
	}
}
