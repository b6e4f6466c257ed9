package rooms

import (
	"testing"
	"time"
)

// closedNetwork is a PostAllowance with nothing left until it is opened.
type closedNetwork struct{ open bool }

func (n *closedNetwork) Allow(string) (bool, time.Duration) { return n.open, time.Minute }

// TestNetworkRefusalCostsThePersonNothing: a question or comment that the
// address's allowance refuses gives back what it took from the person's
// own limits, so once the network may post again the person has their
// whole burst, as if the refused post had never been sent.
func TestNetworkRefusalCostsThePersonNothing(t *testing.T) {
	f := newFixture(t, Config{CommentBurst: 1, CommentRate: 0.001, AskBurst: 1, AskRate: 0.001})
	network := &closedNetwork{}
	f.svc.LimitAddressPosts(network)
	ada := f.audience
	ada.Addr = "hall"

	for _, typ := range []string{TypeComment, TypeAsk} {
		_, err := f.handle(ada, Command{Type: typ, Text: "refused by the network"})
		wantRefusal(t, typ+" while the network's allowance is spent", err, CodeRateLimited)
		if e, ok := err.(*Error); !ok || e.RetryAt == 0 {
			t.Fatalf("%s: the network's refusal %v carries no retry_at", typ, err)
		}
	}
	network.open = true
	for _, typ := range []string{TypeComment, TypeAsk} {
		if _, err := f.handle(ada, Command{Type: typ, Text: "the network is open again"}); err != nil {
			t.Fatalf("%s with the person's own burst of 1 after a network refusal: %v", typ, err)
		}
		_, err := f.handle(ada, Command{Type: typ, Text: "past the person's own burst"})
		wantRefusal(t, typ+" past the person's own burst", err, CodeRateLimited)
	}
	staff := f.host
	staff.Addr = "hall"
	network.open = false
	if _, err := f.handle(staff, Command{Type: TypeComment, Text: "staff are not counted"}); err != nil {
		t.Fatalf("the host's comment on a spent network: %v", err)
	}
}
