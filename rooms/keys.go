package rooms

import (
	"context"
	"encoding/hex"
	"strings"

	"go.uber.org/zap"
)

// Key rotation (command key_rotate): the host replaces the room's host key
// or moderator key. The Service draws the new key; only its hash goes into
// the room's log (an OpKeys record), so the log never holds a key. Applying
// it makes the internal EventKeys, on which every instance closes the
// connections that joined with the old key (CloseKeyRotated).

// TypeKeyRotate is the host's command that replaces a key: `key` names
// which, KeyHost or KeyModerator.
const TypeKeyRotate = "key_rotate"

// Which key a key_rotate replaces.
const (
	KeyHost      = "host"
	KeyModerator = "moderator"
)

// OpKeys is the record of a key rotation: Keys carries the new hash of each
// key it replaces; a zero hash leaves that key as it is.
const OpKeys = "keys"

// EventKeys is internal: a room key was replaced. Participant names the
// staff identity whose key it was (HostParticipant or ModeratorParticipant)
// and Data is the new key's hash in hex; every instance closes the
// connections of that identity that joined with another key.
const EventKeys = "keys"

// CloseKeyRotated is the close code of a connection whose host or moderator
// key was replaced: the page asks for the new key (the host's console
// shows the new links).
const CloseKeyRotated = 4010

// ErrUnknownKey refuses a key_rotate that names no key.
var ErrUnknownKey = &Error{Code: CodeBadRequest, Message: `key_rotate needs "key": "host" or "moderator"`}

// rotateKeys applies an OpKeys record: staff only (the Service lets only
// the host send it), at least one new hash.
func (m *Machine) rotateKeys(r Record) ([]Event, Outcome) {
	if !r.Staff {
		return nil, Outcome{Err: errorf(CodeForbidden, "only the host replaces keys")}
	}
	var zero [32]byte
	if r.Keys == nil || (r.Keys.Host == zero && r.Keys.Moderator == zero) {
		return nil, Outcome{Err: errorf(CodeBadRequest, "a keys record without a new key")}
	}
	var events []Event
	if r.Keys.Host != zero {
		m.keys.Host = r.Keys.Host
		events = append(events, Event{Type: EventKeys, Participant: HostParticipant, Data: []byte(hex.EncodeToString(r.Keys.Host[:]))})
	}
	if r.Keys.Moderator != zero {
		m.keys.Moderator = r.Keys.Moderator
		events = append(events, Event{Type: EventKeys, Participant: ModeratorParticipant, Data: []byte(hex.EncodeToString(r.Keys.Moderator[:]))})
	}
	return events, Outcome{}
}

// KeyRotated reads an EventKeys: whose key it replaced and the new key's
// hash; ok is false for a malformed event.
func KeyRotated(ev Event) (participant string, hash [32]byte, ok bool) {
	if ev.Type != EventKeys || hex.DecodedLen(len(ev.Data)) != len(hash) {
		return "", hash, false
	}
	if _, err := hex.Decode(hash[:], ev.Data); err != nil {
		return "", hash, false
	}
	return ev.Participant, hash, ev.Participant == HostParticipant || ev.Participant == ModeratorParticipant
}

// NewKey returns a fresh key of the kind which names (KeyHost,
// KeyModerator), for actor to rotate to: only the host may, and which must
// name a key. The hub draws the key before it sends RotateKey so that the
// rotating connection is not closed as one holding the old key.
func (s *Service) NewKey(actor Actor, which string) (string, error) {
	if actor.Role != RoleHost {
		return "", errorf(CodeForbidden, "only the host replaces keys")
	}
	host, moderator := NewKeys()
	switch which {
	case KeyHost:
		return host, nil
	case KeyModerator:
		return moderator, nil
	}
	return "", ErrUnknownKey
}

// RotateKey replaces the room's host or moderator key (which) with key, or
// with a fresh one when key is "" (the HTTP API), and returns the new key
// in the ack (HostKey or ModeratorKey). Only the host may. Every connection
// that joined with the old key, on every instance, is closed with
// CloseKeyRotated; HTTP requests with it are refused from then on.
func (s *Service) RotateKey(ctx context.Context, actor Actor, which, key string) (Ack, error) {
	if key == "" {
		var err error
		if key, err = s.NewKey(actor, which); err != nil {
			return Ack{}, err
		}
	}
	if actor.Role != RoleHost {
		return Ack{}, errorf(CodeForbidden, "only the host replaces keys")
	}
	var keys RoomKeys
	var ack Ack
	switch {
	case which == KeyHost && strings.HasPrefix(key, hostKeyPrefix):
		keys.Host, ack.HostKey = HashKey(key), key
	case which == KeyModerator && strings.HasPrefix(key, moderatorKeyPrefix):
		keys.Moderator, ack.ModeratorKey = HashKey(key), key
	default:
		return Ack{}, ErrUnknownKey
	}
	if err := s.store.RotateKeys(ctx, actor.Room, keys); err != nil {
		return Ack{}, err
	}
	s.log.Info("room key replaced", zap.String("room", actor.Room), zap.String("key", which))
	return ack, nil
}

// RotateKeys implements Store: one OpKeys record.
func (s *LogStore) RotateKeys(ctx context.Context, code string, keys RoomKeys) error {
	_, err := s.apply(ctx, code, Record{Op: OpKeys, Staff: true, Keys: &keys})
	return err
}
