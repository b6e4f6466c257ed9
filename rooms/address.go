package rooms

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// addressDomain separates the address hash from the other MACs keyed with
// the same secret (tokens, voter ids).
const addressDomain = "hubbub address group\x00"

// AddressHash returns the keyed hash under which room's log records an
// address group (an IPv4 address or an IPv6 /64, as the hub groups them):
// hex of the first 16 bytes of HMAC-SHA256(secret, addressDomain + room +
// "\x00" + group). The log never holds the address itself; without the
// server's secret the hash cannot be turned back into one or matched
// against a guess, and the same address hashes differently in every room.
// Empty for an empty group.
func (t *Tokens) AddressHash(room, group string) string {
	if group == "" {
		return ""
	}
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte(addressDomain + room + "\x00" + group))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// addressGuard is a Store that keeps bans covering addresses (LogStore).
type addressGuard interface {
	BanWith(ctx context.Context, code, participant string, opts BanOptions) (BanResult, error)
	AddressCovered(ctx context.Context, code, addr string) (bool, error)
}

// JoinFrom is Join for a client whose address group (IPv4 address or IPv6
// /64) is addr: a new participant (no token) from a group a ban of the
// room covered is refused with ErrBanned, and the group's keyed hash is
// recorded with the participant's join, so that a ban can cover it.
func (s *Service) JoinFrom(ctx context.Context, h Hello, addr string) (Actor, string, error) {
	code, ok := NormalizeCode(h.Room)
	if !ok {
		return Actor{}, "", ErrBadHello
	}
	hash := s.tokens.AddressHash(code, addr)
	if h.Token == "" && hash != "" {
		if g, ok := s.store.(addressGuard); ok {
			covered, err := g.AddressCovered(ctx, code, hash)
			if err != nil {
				return Actor{}, "", err
			}
			if covered {
				s.metrics.rateLimited.WithLabelValues("covered_address").Inc()
				return Actor{}, "", ErrBanned
			}
		}
	}
	actor, token, err := s.authenticate(ctx, code, h.Token, true)
	if err != nil {
		return Actor{}, "", err
	}
	actor.Name = cleanName(h.Name)
	actor.Addr = hash
	s.joined(actor)
	return actor, token, nil
}
