package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/roomlog"
)

// DataSecretFile is the file in the data directory that keeps the token
// secret of a server run without -secret, so participants keep their
// identity across restarts.
const DataSecretFile = "secret"

// openDataLog opens the embedded server's room log: the disk log in dir,
// or, with dir "", a log in memory that nothing outlives. close releases
// it.
func openDataLog(dir string) (log rooms.Log, close func() error, err error) {
	if dir == "" {
		return rooms.NewMemoryLog(), func() error { return nil }, nil
	}
	d, err := roomlog.OpenDisk(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("-data %s: %w (another hubbub may be using it)", dir, err)
	}
	return d, d.Close, nil
}

// dataSecret returns the token secret kept in dir, making a random one
// (32 bytes, hex) the first time. The file is readable by its owner only.
func dataSecret(dir string) ([]byte, error) {
	path := filepath.Join(dir, DataSecretFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		raw := make([]byte, MinSecretBytes)
		_, _ = rand.Read(raw)
		b = []byte(hex.EncodeToString(raw))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return dataSecret(dir) // made by another start in between
		}
		if err != nil {
			return nil, err
		}
		if _, err := f.Write(append(b, '\n')); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
		return b, f.Close()
	}
	if err != nil {
		return nil, err
	}
	s := strings.TrimSpace(string(b))
	if err := checkSecret(s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return []byte(s), nil
}
