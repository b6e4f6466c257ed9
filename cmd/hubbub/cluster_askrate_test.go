package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/hubbubhq/hubbub/rooms/redistest"
)

// TestClusterRoomAskRateIsShared: the room-wide ask rate holds once for
// the room, not once per instance. Two instances on one Redis, each
// started with a burst of 10 questions and nearly no refill; 30 fresh
// participants ask one question each, alternately through a and b, all at
// once. The room takes 10 (each instance alone would have taken 10, 20 in
// all) and refuses the rest with 429 rate_limited.
func TestClusterRoomAskRateIsShared(t *testing.T) {
	const burst, askers = 10, 30
	c := &cluster{redis: redistest.Start(t), http: &http.Client{}}
	t.Cleanup(c.http.CloseIdleConnections)
	limits := []string{"-secret", clusterSecret, "-room-ask-rate", "0.001", "-room-ask-burst", fmt.Sprint(burst)}
	c.instances = []*instance{startInstance(t, "a", c.redis.URL(), limits...), startInstance(t, "b", c.redis.URL(), limits...)}
	room := c.createRoom(t, c.instances[0])

	tokens := make([]string, askers)
	for i := range tokens {
		v, err := dialVoter(c.instances[i%2].wsURL(), room.Code, fmt.Sprintf("asker %d", i), "")
		if err != nil {
			t.Fatal(err)
		}
		tokens[i] = v.token
		v.close()
	}
	var mu sync.Mutex
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	for i, tok := range tokens {
		wg.Go(func() {
			status, body := c.do(t, http.MethodPost, c.instances[i%2].base+"/api/rooms/"+room.Code+"/commands", tok,
				fmt.Sprintf(`{"type":"ask","text":"question %d from instance %d"}`, i, i%2))
			var out struct{ Type, Code string }
			_ = json.Unmarshal(body, &out)
			key := fmt.Sprintf("%d %s%s", status, out.Type, out.Code)
			mu.Lock()
			outcomes[key]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if outcomes["200 ack"] != burst || outcomes["429 errorrate_limited"] != askers-burst {
		t.Fatalf("outcomes of %d asks into a room with a burst of %d on each of 2 instances: %v; want %d acks, the rest 429 rate_limited",
			askers, burst, outcomes, burst)
	}
	_, raw := c.do(t, http.MethodGet, c.instances[1].base+"/api/rooms/"+room.Code+"/export?format=json", room.HostKey, "")
	var export struct{ Questions []struct{ Text string } }
	if err := json.Unmarshal(raw, &export); err != nil || len(export.Questions) != burst {
		t.Fatalf("the room holds %d questions, want %d: %v", len(export.Questions), burst, err)
	}
}
