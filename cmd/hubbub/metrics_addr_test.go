package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMetricsOnTheirOwnAddress: with -metrics-addr, /metrics answers there
// and nowhere on the public -addr (404), so an operator can keep the
// figures off the internet.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	side := freeAddr(t)
	in := startInstance(t, "m", "", "-data", t.TempDir(), "-metrics-addr", side)
	get := func(url string) (int, string) {
		t.Helper()
		c := &http.Client{Timeout: 5 * time.Second}
		defer c.CloseIdleConnections()
		resp, err := c.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := get("http://" + side + "/metrics"); status != http.StatusOK || !strings.Contains(body, "hubbub_connections") {
		t.Fatalf("/metrics on -metrics-addr: %d %.200s", status, body)
	}
	if status, _ := get(in.base + "/metrics"); status != http.StatusNotFound {
		t.Fatalf("/metrics on the public address: %d, want 404", status)
	}
	if status, _ := get(in.base + "/readyz"); status != http.StatusOK {
		t.Fatalf("/readyz on the public address: %d", status)
	}
}
