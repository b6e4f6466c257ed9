package redistest_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hubbubhq/hubbub/rooms/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRestartKeepsAOFData(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t, redistest.AOF())
	rdb := srv.Client(t)
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	srv.Restart()
	if got, err := rdb.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("after restart: %q, %v", got, err)
	}
	// appendfsync always: a write survives SIGKILL too.
	if err := rdb.Set(ctx, "k2", "v2", 0).Err(); err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	ctx2, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx2).Err(); err == nil {
		t.Fatal("PING succeeded on a killed server")
	}
	srv.Start()
	if got, err := rdb.Get(ctx, "k2").Result(); err != nil || got != "v2" {
		t.Fatalf("after kill and start: %q, %v", got, err)
	}
}

func TestWithoutAOFRestartLosesData(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	if srv.URL() != "redis://"+srv.Addr()+"/0" {
		t.Fatalf("URL %q", srv.URL())
	}
	rdb := srv.Client(t)
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	srv.Restart()
	if n, err := rdb.Exists(ctx, "k").Result(); err != nil || n != 0 {
		t.Fatalf("exists after restart without AOF: %d, %v", n, err)
	}
}

func TestSeparateServers(t *testing.T) {
	a, b := redistest.Start(t), redistest.Start(t)
	if a.Addr() == b.Addr() {
		t.Fatal("two servers on one address")
	}
	ctx := context.Background()
	if err := a.Client(t).Set(ctx, "k", "a", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.Client(t).Exists(ctx, "k").Result(); n != 0 {
		t.Fatal("servers share data")
	}
}

func TestPause(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	srv.Pause()
	ctx2, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := rdb.Ping(ctx2).Err(); err == nil {
		t.Fatal("PING answered by a paused server")
	}
	srv.Resume()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after Resume: %v", err)
	}
	srv.Pause() // the cleanup stops a paused server
}
