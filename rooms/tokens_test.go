package rooms

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
)

func TestTokensSignVerify(t *testing.T) {
	tok := NewTokens([]byte("secret one"))
	token := tok.Sign("K7QX2M", "p_0123456789abcdef")
	if !strings.HasPrefix(token, tokenPrefix) {
		t.Fatalf("token %q lacks the prefix %q", token, tokenPrefix)
	}
	p, ok := tok.Verify("K7QX2M", token)
	if !ok || p != "p_0123456789abcdef" {
		t.Fatalf("Verify = %q, %v; want the participant", p, ok)
	}
	// Instances sharing the secret accept each other's tokens.
	if p, ok := NewTokens([]byte("secret one")).Verify("K7QX2M", token); !ok || p != "p_0123456789abcdef" {
		t.Fatalf("Verify with the same secret elsewhere = %q, %v", p, ok)
	}
}

func TestTokensRefuse(t *testing.T) {
	tok := NewTokens([]byte("secret one"))
	good := tok.Sign("K7QX2M", "p_0123456789abcdef")
	payload, mac, _ := strings.Cut(strings.TrimPrefix(good, tokenPrefix), ".")
	flip := func(s string) string { // change the last character
		last := s[len(s)-1]
		repl := byte('A')
		if last == 'A' {
			repl = 'B'
		}
		return s[:len(s)-1] + string(repl)
	}
	forgedPayload := b64.EncodeToString([]byte("K7QX2M|p_ffffffffffffffff"))
	tests := []struct {
		name, room, token string
		tokens            *Tokens
	}{
		{"other room", "ABCDEF", good, tok},
		{"other secret", "K7QX2M", good, NewTokens([]byte("secret two"))},
		{"random secret", "K7QX2M", good, NewTokens(nil)},
		{"forged mac", "K7QX2M", tokenPrefix + payload + "." + flip(mac), tok},
		{"payload swapped", "K7QX2M", tokenPrefix + forgedPayload + "." + mac, tok},
		{"mac of nothing", "K7QX2M", tokenPrefix + payload + ".", tok},
		{"no mac", "K7QX2M", tokenPrefix + payload, tok},
		{"empty", "K7QX2M", "", tok},
		{"prefix only", "K7QX2M", tokenPrefix, tok},
		{"wrong prefix", "K7QX2M", "pt2." + payload + "." + mac, tok},
		{"no prefix", "K7QX2M", payload + "." + mac, tok},
		{"bad base64 payload", "K7QX2M", tokenPrefix + "!!!." + mac, tok},
		{"bad base64 mac", "K7QX2M", tokenPrefix + payload + ".***", tok},
		{"padded base64", "K7QX2M", tokenPrefix + payload + "=." + mac, tok},
		{"extra part", "K7QX2M", good + ".x", tok},
		{"host key", "K7QX2M", "hk_whatever", tok},
		{"no separator in payload", "K7QX2M", signRaw(tok, "K7QX2Mp_1"), tok},
		{"staff participant", "K7QX2M", tok.Sign("K7QX2M", HostParticipant), tok},
		{"empty participant", "K7QX2M", tok.Sign("K7QX2M", ""), tok},
		{"lower-case room", "k7qx2m", good, tok},
		{"garbage", "K7QX2M", "pt1.\x00\xff.\x00", tok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p, ok := tt.tokens.Verify(tt.room, tt.token); ok || p != "" {
				t.Fatalf("Verify(%q, %q) = %q, %v; want refused", tt.room, tt.token, p, ok)
			}
		})
	}
}

// signRaw signs an arbitrary payload, as Sign does for room "|" participant.
func signRaw(t *Tokens, payload string) string {
	return tokenPrefix + b64.EncodeToString([]byte(payload)) + "." + b64.EncodeToString(t.mac(payload))
}

func TestKeys(t *testing.T) {
	host, mod := NewKeys()
	if !strings.HasPrefix(host, hostKeyPrefix) || !strings.HasPrefix(mod, moderatorKeyPrefix) || host[3:] == mod[3:] {
		t.Fatalf("NewKeys = %q, %q", host, mod)
	}
	if !keyMatches(host, HashKey(host)) || keyMatches(mod, HashKey(host)) || keyMatches("", HashKey(host)) {
		t.Fatal("keyMatches does not match exactly the hashed key")
	}
	if p := NewParticipantID(); !strings.HasPrefix(p, "p_") || len(p) != 18 || p == NewParticipantID() {
		t.Fatalf("NewParticipantID = %q", p)
	}
}

func TestNewRoomCode(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		code := NewRoomCode()
		if got, ok := NormalizeCode(code); !ok || got != code {
			t.Fatalf("NewRoomCode made %q, which NormalizeCode gives as %q, %v", code, got, ok)
		}
		seen[code] = true
	}
	if len(seen) < 990 {
		t.Fatalf("1000 codes, only %d distinct", len(seen))
	}
}

func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"K7QX2M", "K7QX2M", true},
		{"k7qx2m", "K7QX2M", true},
		{"k7Qx2M", "K7QX2M", true},
		{"ABCDEF", "ABCDEF", true},
		{"234567", "234567", true},
		{"", "", false},
		{"K7QX2", "", false},
		{"K7QX2MM", "", false},
		{"K7QX20", "", false}, // 0 is not in the alphabet
		{"K7QX2O", "", false}, // nor O
		{"K7QX21", "", false}, // nor 1
		{"K7QX2I", "", false}, // nor I
		{"K7QX2 ", "", false},
		{" K7QX2", "", false},
		{"K7-X2M", "", false},
		{"K7QX2\x00", "", false},
		{"ÄÄÄ", "", false},   // six bytes, three runes
		{"ſſſ", "", false},   // six bytes whose upper case is "SSS"
		{"K7QXſ", "", false}, // six bytes whose upper case is five letters
		{"\xff\xff\xff\xff\xff\xff", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestTokensExpire: a token is accepted for its TTL after it was issued and
// refused after; a token of the earlier format, without its issue time, is
// still accepted.
func TestTokensExpire(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	tok := NewTokens([]byte("secret one")).WithExpiry(24*time.Hour, clock)
	token := tok.Sign("K7QX2M", "p_0123456789abcdef")
	now = now.Add(24*time.Hour - time.Second)
	if p, ok := tok.Verify("K7QX2M", token); !ok || p != "p_0123456789abcdef" {
		t.Fatalf("a token within its TTL: %q, %v", p, ok)
	}
	now = now.Add(2 * time.Second)
	if _, ok := tok.Verify("K7QX2M", token); ok {
		t.Fatal("a token past its TTL was accepted")
	}
	if p, ok := tok.Verify("K7QX2M", signRaw(tok, "K7QX2M|p_0123456789abcdef")); !ok || p != "p_0123456789abcdef" {
		t.Fatalf("a token without an issue time: %q, %v", p, ok)
	}
	if _, ok := tok.Verify("K7QX2M", signRaw(tok, "K7QX2M|p_0123456789abcdef|soon")); ok {
		t.Fatal("a token with a malformed issue time was accepted")
	}
}

// TestJoinRenewsToken: joining with a token gives a fresh one, so a phone
// that keeps coming back never meets the expiry, while one away for longer
// than the TTL gets 4001 (and joins anew).
func TestJoinRenewsToken(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	cfg := Config{TokenTTL: 24 * time.Hour, Now: func() time.Time { return now }}
	svc := NewService(newTestStore(nil, cfg), nil, cfg, zap.NewNop(), nil)
	created, err := svc.CreateRoom(context.Background(), "Tokens", false)
	if err != nil {
		t.Fatal(err)
	}
	actor, token, err := svc.Join(context.Background(), Hello{Room: created.Code})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 { // every 20 hours: 100 hours on one identity
		now = now.Add(20 * time.Hour)
		again, renewed, err := svc.Join(context.Background(), Hello{Room: created.Code, Token: token})
		if err != nil || again.Participant != actor.Participant || renewed == token {
			t.Fatalf("rejoin after 20 h: %+v %v, renewed %v", again, err, renewed != token)
		}
		token = renewed
	}
	now = now.Add(25 * time.Hour)
	if _, _, err := svc.Join(context.Background(), Hello{Room: created.Code, Token: token}); err != ErrBadToken {
		t.Fatalf("a token unused for 25 h: %v, want ErrBadToken", err)
	}
}
