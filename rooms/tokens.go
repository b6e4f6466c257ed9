package rooms

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// CodeAlphabet is the alphabet of room codes: no 0/O or 1/I look-alikes.
const CodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// CodeLength is the length of a room code.
const CodeLength = 6

// Key prefixes tell host keys, moderator keys and participant tokens apart.
const (
	hostKeyPrefix      = "hk_"
	moderatorKeyPrefix = "mk_"
	tokenPrefix        = "pt1."
)

// Participant ids of the staff keys: everyone holding the key is one identity.
const (
	HostParticipant      = "host"
	ModeratorParticipant = "moderator"
)

var b64 = base64.RawURLEncoding

// NewRoomCode returns a random room code.
func NewRoomCode() string {
	var b [CodeLength]byte
	randomBytes(b[:])
	for i := range b {
		b[i] = CodeAlphabet[int(b[i])%len(CodeAlphabet)] // 256 % 32 == 0: uniform
	}
	return string(b[:])
}

// NormalizeCode upper-cases a room code and reports whether it is well formed.
func NormalizeCode(code string) (string, bool) {
	if len(code) != CodeLength {
		return "", false
	}
	// ASCII only: strings.ToUpper maps some multi-byte runes to ASCII
	// letters ("ſ" → "S"), which would accept codes of the wrong length.
	var b [CodeLength]byte
	for i := 0; i < len(code); i++ {
		c := code[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if strings.IndexByte(CodeAlphabet, c) < 0 {
			return "", false
		}
		b[i] = c
	}
	return string(b[:]), true
}

// NewKeys returns a fresh host key and moderator key.
func NewKeys() (hostKey, moderatorKey string) {
	return hostKeyPrefix + randomString(24), moderatorKeyPrefix + randomString(24)
}

// HashKey is how keys are stored: only their SHA-256.
func HashKey(key string) [32]byte { return sha256.Sum256([]byte(key)) }

// keyMatches compares a presented key with a stored hash in constant time.
func keyMatches(key string, stored [32]byte) bool {
	h := HashKey(key)
	return subtle.ConstantTimeCompare(h[:], stored[:]) == 1
}

// NewParticipantID returns a random pseudonymous participant id.
func NewParticipantID() string {
	var b [8]byte
	randomBytes(b[:])
	return "p_" + hex.EncodeToString(b[:])
}

// Tokens signs and verifies participant tokens. A token binds a participant
// id to one room from the time it was issued: "pt1." + base64url(room "|"
// participant "|" issued Unix seconds) + "." + base64url(HMAC-SHA256(secret,
// that payload)). Instances sharing the secret accept each other's tokens.
// A token older than the TTL is refused; tokens of earlier versions,
// without the time, are accepted (and replaced at the next join).
type Tokens struct {
	secret []byte
	ttl    time.Duration    // 0: tokens never expire
	now    func() time.Time // the clock of issue times and expiry
}

// NewTokens returns a signer for secret; an empty secret is replaced by a
// random one (tokens then do not survive a restart).
func NewTokens(secret []byte) *Tokens {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		randomBytes(secret)
	}
	return &Tokens{secret: append([]byte(nil), secret...), now: time.Now}
}

// WithExpiry returns the signer with tokens that expire ttl after they
// were issued, by the clock now (nil: time.Now).
func (t *Tokens) WithExpiry(ttl time.Duration, now func() time.Time) *Tokens {
	out := *t
	out.ttl = ttl
	if now != nil {
		out.now = now
	}
	return &out
}

// Sign returns a token of participant in room, issued now.
func (t *Tokens) Sign(room, participant string) string {
	payload := room + "|" + participant + "|" + strconv.FormatInt(t.now().Unix(), 10)
	return tokenPrefix + b64.EncodeToString([]byte(payload)) + "." + b64.EncodeToString(t.mac(payload))
}

// Verify returns the participant id a token carries for room. ok is false for
// a malformed or forged token and for a token of another room.
func (t *Tokens) Verify(room, token string) (participant string, ok bool) {
	rest, found := strings.CutPrefix(token, tokenPrefix)
	if !found {
		return "", false
	}
	encPayload, encMAC, found := strings.Cut(rest, ".")
	if !found {
		return "", false
	}
	payload, err := b64.DecodeString(encPayload)
	if err != nil {
		return "", false
	}
	mac, err := b64.DecodeString(encMAC)
	if err != nil || !hmac.Equal(mac, t.mac(string(payload))) {
		return "", false
	}
	tokenRoom, participant, found := strings.Cut(string(payload), "|")
	if !found || tokenRoom != room {
		return "", false
	}
	participant, issued, timed := strings.Cut(participant, "|")
	if !strings.HasPrefix(participant, "p_") {
		return "", false
	}
	if timed {
		at, err := strconv.ParseInt(issued, 10, 64)
		if err != nil || (t.ttl > 0 && t.now().Sub(time.Unix(at, 0)) > t.ttl) {
			return "", false
		}
	}
	return participant, true
}

func (t *Tokens) mac(payload string) []byte {
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

func randomString(n int) string {
	b := make([]byte, n)
	randomBytes(b)
	return b64.EncodeToString(b)
}

func randomBytes(b []byte) {
	// crypto/rand.Read never returns an error since Go 1.24.
	_, _ = rand.Read(b)
}
