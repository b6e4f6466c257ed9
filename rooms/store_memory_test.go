package rooms_test

import (
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/storetest"
)

func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, pub rooms.Publisher, retained int) rooms.Store {
		return rooms.NewMemoryStore(pub, retained)
	})
}
