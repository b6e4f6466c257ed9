package hub

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
)

// TestPageRoutes checks that every page route serves its embedded HTML
// document and that the scripts and styles the pages load are served.
func TestPageRoutes(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	code := ts.createRoom(t, "Pages").Code
	for path, want := range map[string]string{
		"/host/" + code:                `src="/static/js/host.js?v=`,
		"/screen/" + code:              `src="/static/js/screen.js?v=`,
		"/report/" + code:              `src="/static/js/report.js?v=`,
		"/static/js/qr.js":             "export async function audienceURL",
		"/static/js/charts.js":         "export function renderResults",
		"/static/js/host-strings.js":   "export const hostStrings",
		"/static/js/report-strings.js": "export const reportStrings",
		"/static/charts.css":           ".chart-bars",
		"/static/host.css":             ".q-card",
		"/static/screen.css":           ".join-code",
		"/static/report.css":           "@media print",
	} {
		resp, err := ts.http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: status %d, body without %q", path, resp.StatusCode, want)
		}
	}
}
