package hub

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

func TestCreateLimiterPerAddress(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newKeyLimiter(6, 2) // one room per 10 s, two at once
	l.clock = func() time.Time { return now }
	for i := range 2 {
		if ok, _ := l.allow("10.0.0.1"); !ok {
			t.Fatalf("room %d of the burst refused", i+1)
		}
	}
	ok, wait := l.allow("10.0.0.1")
	if ok || wait <= 0 || wait > 10*time.Second {
		t.Fatalf("third room at once: allowed=%v wait=%v, want refused within 10s", ok, wait)
	}
	if ok, _ := l.allow("10.0.0.2"); !ok {
		t.Fatal("another address was refused")
	}
	now = now.Add(wait)
	if ok, _ := l.allow("10.0.0.1"); !ok {
		t.Fatal("refused after waiting the time it gave")
	}
	if ok, _ := l.allow("10.0.0.1"); ok {
		t.Fatal("a refused attempt must not have spent a token, but two rooms passed after one refill")
	}
}

func TestCreateLimiterBoundsAddresses(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newKeyLimiter(60, 1) // one room a second
	l.clock = func() time.Time { return now }
	addr := func(i int) string { return "10.1." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256) }
	const half = keyLimitEntries / 2
	for i := range keyLimitEntries {
		if i == half {
			now = now.Add(500 * time.Millisecond)
		}
		l.allow(addr(i))
	}
	if len(l.byKey) != keyLimitEntries {
		t.Fatalf("%d addresses remembered, want %d", len(l.byKey), keyLimitEntries)
	}
	// A second after the first half: its buckets are full again, the
	// second half's are not. A new address forgets only the first half.
	now = now.Add(500 * time.Millisecond)
	l.allow("10.2.0.1")
	if len(l.byKey) != keyLimitEntries-half+1 {
		t.Fatalf("%d remembered, want %d (the refilled half forgotten)", len(l.byKey), keyLimitEntries-half+1)
	}
	if ok, _ := l.allow(addr(half)); ok {
		t.Fatal("an address whose bucket was still empty was forgotten")
	}
	// Nothing refilled and the map full: everything is forgotten rather
	// than growing past the bound.
	for i := range keyLimitEntries {
		l.allow("10.3." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256))
		if len(l.byKey) > keyLimitEntries {
			t.Fatalf("%d addresses remembered, limit %d", len(l.byKey), keyLimitEntries)
		}
	}
}

func TestCreateLimiterOff(t *testing.T) {
	l := newKeyLimiter(-1, 1)
	for range 100 {
		if ok, _ := l.allow("10.0.0.1"); !ok {
			t.Fatal("a negative rate must not limit")
		}
	}
}

func TestCreateRoomRateLimited(t *testing.T) {
	ts := newTestServer(t, Config{RoomCreateRate: 1, RoomCreateBurst: 2}, rooms.Config{})
	ts.createRoom(t, "one")
	ts.createRoom(t, "two")
	resp, err := ts.http.Post(ts.URL+"/api/rooms", "application/json", strings.NewReader(`{"title":"three"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third room: status %d, want 429", resp.StatusCode)
	}
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 60 {
		t.Errorf("Retry-After %q, want 1–60 seconds", resp.Header.Get("Retry-After"))
	}
	var e struct{ Type, Code, Message string }
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	if e.Code != rooms.CodeRateLimited || !strings.Contains(e.Message, "try again in") {
		t.Errorf("error %+v, want rate_limited saying when to try again", e)
	}
}
