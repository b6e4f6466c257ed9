package main

import (
	"testing"
	"time"
)

// TestRedisPoolSize: the pool defaults to defaultRedisPoolSize connections;
// pool_size in the URL wins.
func TestRedisPoolSize(t *testing.T) {
	for url, want := range map[string]int{
		"redis://127.0.0.1:1/0":               defaultRedisPoolSize,
		"redis://127.0.0.1:1/0?pool_size=300": 300,
	} {
		rdb, err := newRedisClient(url, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got := rdb.Options().PoolSize; got != want {
			t.Errorf("%s: pool size %d, want %d", url, got, want)
		}
		rdb.Close()
	}
}
