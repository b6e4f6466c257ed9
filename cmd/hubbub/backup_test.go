package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms/roomlog"
)

// TestHotBackupRestores: GET /backup on the private -metrics-addr copies
// the embedded server's log while comments keep coming; a new server
// started with -restored on a data directory holding the copy (and the
// secret file) has the room and every comment acknowledged before the
// backup began, and gives its next comment a seq and an id past what the
// live room reached after the copy; the public address serves no /backup.
func TestHotBackupRestores(t *testing.T) {
	side := freeAddr(t)
	dir := t.TempDir()
	in := startInstance(t, "live", "", append(embeddedArgs(dir), "-metrics-addr", side)...)
	c := &cluster{instances: []*instance{in}, http: &http.Client{Timeout: 10 * time.Second}}
	defer c.http.CloseIdleConnections()
	room := c.createRoom(t, in)
	type ack struct {
		Seq     uint64
		Comment string
	}
	postTo := func(on *instance, text string) (ack, bool) {
		status, body, err := c.tryDo(http.MethodPost, on.base+"/api/rooms/"+room.Code+"/commands", room.HostKey,
			fmt.Sprintf(`{"type":"comment","text":%q}`, text))
		var a ack
		return a, err == nil && status == http.StatusOK && json.Unmarshal(body, &a) == nil
	}
	post := func(text string) bool {
		_, ok := postTo(in, text)
		return ok
	}
	var before []string
	for i := range 50 {
		text := fmt.Sprintf("before %d", i)
		if !post(text) {
			t.Fatalf("comment %q not acknowledged", text)
		}
		before = append(before, text)
	}
	// Comments keep coming while the copy is taken.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				post(fmt.Sprintf("during %d", i))
			}
		}
	})
	resp, err := c.http.Get("http://" + side + "/backup")
	if err != nil {
		t.Fatal(err)
	}
	copyDir := t.TempDir()
	f, err := os.Create(filepath.Join(copyDir, roomlog.DiskFile))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(f, resp.Body)
	resp.Body.Close()
	f.Close()
	close(stop)
	wg.Wait()
	if err != nil || resp.StatusCode != http.StatusOK || n == 0 || resp.ContentLength != n {
		t.Fatalf("GET /backup: %d, %d bytes of %d, %v", resp.StatusCode, n, resp.ContentLength, err)
	}
	if status, _ := c.do(t, http.MethodGet, in.base+"/backup", "", ""); status != http.StatusNotFound {
		t.Fatalf("/backup on the public address: %d, want 404", status)
	}
	secret, err := os.ReadFile(filepath.Join(dir, DataSecretFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(copyDir, DataSecretFile), secret, 0o600); err != nil {
		t.Fatal(err)
	}

	// The live room goes on after the copy: its clients see seqs and ids
	// the copy never had.
	var live ack
	liveIDs := map[string]bool{}
	for i := range 5 {
		a, ok := postTo(in, fmt.Sprintf("after the copy %d", i))
		if !ok {
			t.Fatal("a comment after the copy was not acknowledged")
		}
		live, liveIDs[a.Comment] = a, true
	}

	restored := startInstance(t, "restored", "", append(embeddedArgs(copyDir), "-restored")...)
	status, body := c.do(t, http.MethodGet, restored.base+"/api/rooms/"+room.Code+"/export", room.HostKey, "")
	var export struct{ Comments []struct{ Text string } }
	if status != http.StatusOK || json.Unmarshal(body, &export) != nil {
		t.Fatalf("export from the restored server: %d %.300s", status, body)
	}
	have := map[string]bool{}
	for _, cm := range export.Comments {
		have[cm.Text] = true
	}
	for _, text := range before {
		if !have[text] {
			t.Errorf("comment %q, acknowledged before the backup, is not in the restored room", text)
		}
	}
	// Started with -restored, the room's next entry starts a new epoch: its
	// seq passes every seq the live room's clients saw, and its id is none
	// of theirs, so a client that saw the lost history gets a snapshot.
	first, ok := postTo(restored, "first after the restore")
	if !ok {
		t.Fatal("a comment on the restored server was not acknowledged")
	}
	if first.Seq <= live.Seq || liveIDs[first.Comment] {
		t.Fatalf("the restored room's first comment is %s at seq %d; the live room had reached seq %d with ids %v", first.Comment, first.Seq, live.Seq, liveIDs)
	}
	t.Logf("backup of %d bytes; the restored room has %d comments (%d from before the backup); its next comment %s at seq %d (live: %d)",
		n, len(export.Comments), len(before), first.Comment, first.Seq, live.Seq)
}
