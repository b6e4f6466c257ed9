package loadtest

import (
	"context"
	"math/rand/v2"
	"sync"

	"github.com/coder/websocket"
)

// churn breaks rate connections per second of room r until ctx ends,
// each of a connected client picked at random (not in turn: the pacers
// take publishers in turn, and a churn walking in step with one of them
// would drop every asker right after it asked): alternately a drop (the TCP
// connection closed with no close frame, like a phone losing its network)
// and a leave (a close with 1000, as a tab closed). Each client comes back
// 0.5–5 s later as the same participant, with its token and since
// (runClient), so loss, upvote and ballot accounting stay exact. It
// returns when the leaves' close handshakes are over.
func (f *fleet) churn(ctx context.Context, r *room, rate float64) {
	var closing sync.WaitGroup
	defer closing.Wait()
	var issued int64
	everyTick(ctx, rate, func(due int64) bool {
		for ; issued < due && ctx.Err() == nil; issued++ {
			var c *client
			var conn *websocket.Conn
			for range len(r.clients) {
				cand := r.clients[rand.IntN(len(r.clients))]
				if conn = cand.conn.Load(); conn != nil {
					c = cand
					break
				}
			}
			if c == nil {
				continue // nobody connected just now
			}
			if issued%2 == 0 {
				f.st.drops.Add(1)
				conn.CloseNow()
				continue
			}
			f.st.leaves.Add(1)
			c.rejoin.Store(true)
			closing.Go(func() { conn.Close(websocket.StatusNormalClosure, "leaving") })
		}
		return true
	})
}
