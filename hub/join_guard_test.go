package hub

import (
	"net/http"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
)

// guessCode returns the i-th made-up room code (alphabet of the protocol).
func guessCode(i int) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := []byte("ZZAAAA")
	for j := 5; j >= 2; j-- {
		b[j] = alphabet[i%len(alphabet)]
		i /= len(alphabet)
	}
	return string(b)
}

// TestGuessingCodesOverHTTPIsThrottled is the attack as found: 300 room
// lookups on one keep-alive connection. Each unknown code closes the
// connection after its answer, and past the failed-join burst the address
// gets rate_limited, even for a code that exists.
func TestGuessingCodesOverHTTPIsThrottled(t *testing.T) {
	const burst = 20
	ts := newTestServer(t, Config{FailedJoinBurst: burst, FailedJoinRate: 1}, rooms.Config{})
	real := ts.createRoom(t, "real")
	statuses := map[int]int{}
	for i := range 300 {
		resp, err := ts.http.Get(ts.URL + "/api/rooms/" + guessCode(i))
		if err != nil {
			t.Fatalf("lookup %d: %v", i, err)
		}
		resp.Body.Close()
		statuses[resp.StatusCode]++
		if resp.StatusCode == http.StatusNotFound && !resp.Close {
			t.Fatalf("a lookup of an unknown code keeps the connection open for the next guess")
		}
	}
	if statuses[http.StatusNotFound] != burst || statuses[http.StatusTooManyRequests] != 300-burst {
		t.Fatalf("300 guesses answered %v; want %d not found, the rest 429", statuses, burst)
	}
	if status, body := ts.request(t, http.MethodGet, "/api/rooms/"+real.Code, "", nil); status != http.StatusTooManyRequests {
		t.Fatalf("a real code from the guessing address: %d %s; want 429 (the answer must not tell a guesser)", status, body)
	}
	if got := ts.metric(t, "hubbub_failed_joins_total"); got != 301 {
		t.Fatalf("hubbub_failed_joins_total = %v, want 301 (300 guesses and the throttled real code)", got)
	}
}

// TestGuessingCodesOverWebSocketIsThrottled: hellos to unknown rooms are
// closed with 4004 until the burst is used, then with 4029; a participant
// with a token still gets in, someone without one waits.
func TestGuessingCodesOverWebSocketIsThrottled(t *testing.T) {
	const burst = 5
	ts := newTestServer(t, Config{FailedJoinBurst: burst, FailedJoinRate: 1}, rooms.Config{})
	room := ts.createRoom(t, "real")
	_, member, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	for i := range burst + 3 {
		c := ts.mustDial(t, dialOpts{})
		c.send(rooms.Hello{Type: rooms.TypeHello, Room: guessCode(i)})
		want := closeNoRoom
		if i >= burst {
			want = closeTooMany
		}
		c.expectClose(want)
	}
	c := ts.mustDial(t, dialOpts{})
	c.send(rooms.Hello{Type: rooms.TypeHello, Room: room.Code})
	c.expectClose(closeTooMany)
	ts.join(t, rooms.Hello{Room: room.Code, Token: member.Token}, dialOpts{})
	ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
}

// TestMintingIdentitiesIsLimited is the attack as found: a script opens
// connection after connection without a token, each one a new participant
// (a way back after a ban, and around every per-participant limit). Past the
// address's burst the hello is refused with 4029; known participants are
// not affected.
func TestMintingIdentitiesIsLimited(t *testing.T) {
	const burst = 10
	ts := newTestServer(t, Config{MintBurst: burst, MintRate: 1}, rooms.Config{})
	room := ts.createRoom(t, "minted")
	var first welcomeMsg
	for i := range burst {
		c, w, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
		if i == 0 {
			first = w
		}
		c.drop()
	}
	c := ts.mustDial(t, dialOpts{})
	c.send(rooms.Hello{Type: rooms.TypeHello, Room: room.Code})
	c.expectClose(closeTooMany)
	if _, w, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: first.Token}, dialOpts{}); w.Participant != first.Participant {
		t.Fatalf("a returning participant came back as %s, want %s", w.Participant, first.Participant)
	}
	if got := ts.metric(t, "hubbub_new_participants_refused_total"); got != 1 {
		t.Fatalf("hubbub_new_participants_refused_total = %v, want 1", got)
	}
}

// TestMintingPerRoom: the per-room limit holds over every address, and one
// room's flood does not stop another room's audience.
func TestMintingPerRoom(t *testing.T) {
	const burst = 6
	ts := newTestServer(t, Config{RoomMintBurst: burst, RoomMintRate: 1}, rooms.Config{})
	flooded, other := ts.createRoom(t, "flooded"), ts.createRoom(t, "other")
	for range burst {
		c, _, _ := ts.join(t, rooms.Hello{Room: flooded.Code}, dialOpts{})
		c.drop()
	}
	c := ts.mustDial(t, dialOpts{})
	c.send(rooms.Hello{Type: rooms.TypeHello, Room: flooded.Code})
	c.expectClose(closeTooMany)
	for i := range burst {
		if _, w, _ := ts.join(t, rooms.Hello{Room: other.Code}, dialOpts{}); w.Participant == "" {
			t.Fatalf("join %d to the other room: no participant", i)
		}
	}
}
