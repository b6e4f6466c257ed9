package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// maxResumeFailures is how many reconnects in a row a client tries before it gives up.
const maxResumeFailures = 5

// closeGrace is how long stop closes connections with the close handshake
// before it drops the rest.
const closeGrace = 3 * time.Second

// fleet owns every client of a run and every goroutine that serves them: one
// reader per client, the ramp, and the pacers. Its stop closes every
// connection and waits for all of them.
type fleet struct {
	sc      Scenario
	ctx     context.Context
	http    *http.Client
	st      *stats
	rooms   []*room
	clients []*client

	// writeCtx bounds command writes: it ends at stop, so a pacer blocked
	// writing to a server that stopped reading cannot hang the run.
	writeCtx     context.Context
	cancelWrites context.CancelFunc

	mu       sync.Mutex // orders starting clients against stop
	stopping atomic.Bool
	stopCh   chan struct{}
	wg       sync.WaitGroup
	inflight chan struct{} // bounds handshakes in flight
}

// newFleet lays out the clients: room by room, targets round-robin within
// each room, so every room has clients (and publishers) on every target.
func newFleet(ctx context.Context, sc Scenario, hc *http.Client, st *stats, codes []string) *fleet {
	f := &fleet{sc: sc, ctx: ctx, http: hc, st: st, stopCh: make(chan struct{}), inflight: make(chan struct{}, DefaultMaxInflightDials)}
	f.writeCtx, f.cancelWrites = context.WithCancel(context.Background())
	urls := make([]string, len(sc.Targets))
	for i, t := range sc.Targets {
		urls[i] = wsURL(t)
	}
	for _, code := range codes {
		r := &room{code: code}
		for j := 0; j < sc.ClientsPerRoom; j++ {
			idx := len(f.clients)
			c := &client{
				idx:    idx,
				name:   fmt.Sprintf("lt-%d", idx),
				url:    urls[j%len(urls)],
				target: j % len(urls),
				room:   r,
				shard:  st.shards[idx%len(st.shards)],
				buf:    make([]byte, 0, initialBuf),
			}
			r.clients = append(r.clients, c)
			f.clients = append(f.clients, c)
		}
		f.rooms = append(f.rooms, r)
	}
	return f
}

// ramp starts the clients at sc.Ramp per second, then returns. Clients keep
// running until stop. It returns early when the fleet stops or ctx ends.
func (f *fleet) ramp() {
	start := time.Now()
	for i, c := range f.clients {
		due := start.Add(time.Duration(float64(i) / f.sc.Ramp * float64(time.Second)))
		if d := time.Until(due); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-f.stopCh:
			case <-f.ctx.Done():
			}
			t.Stop()
		}
		select {
		case f.inflight <- struct{}{}:
		case <-f.stopCh:
		case <-f.ctx.Done():
		}
		f.mu.Lock()
		if f.stopping.Load() || f.ctx.Err() != nil {
			f.mu.Unlock()
			// Never started: count them settled so that waiters do not hang.
			f.st.settled.Add(int64(len(f.clients) - i))
			return
		}
		f.wg.Add(1)
		f.mu.Unlock()
		go f.runClient(c)
	}
}

// waitSettled waits until every client is welcomed or has given up, or ctx ends.
func (f *fleet) waitSettled(ctx context.Context) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for f.st.settled.Load() < int64(len(f.clients)) {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runClient keeps one client connected until stop: first join, then resumes
// after closes that invite one.
func (f *fleet) runClient(c *client) {
	defer f.wg.Done()
	settled := false
	settle := func() {
		if !settled {
			settled = true
			<-f.inflight
			f.st.settled.Add(1)
		}
	}
	defer settle()
	resume, failures := false, 0
	for {
		welcomed, err := c.session(f, resume, func(d time.Duration) {
			if !resume {
				f.st.recordConnect(d)
				f.st.everConnected.Add(1)
			}
			settle()
		})
		if f.stopping.Load() || f.ctx.Err() != nil {
			return
		}
		code := int(websocket.CloseStatus(err))
		rejoin := c.rejoin.Swap(false)
		if welcomed {
			failures = 0
			if code < 0 {
				code = 1006 // closed without a close frame
			}
			f.st.recordClose(code)
			if rejoin {
				code = 1001 // left (churn.go): back later, like after a going-away
			}
		} else {
			if !resume {
				f.st.connectFails.Add(1)
				f.st.recordFailure(failureReason(err))
				return
			}
			f.st.reconnectFails.Add(1)
			f.st.recordFailure("resume: " + failureReason(err))
			if failures++; failures >= maxResumeFailures {
				return
			}
		}
		if f.sc.NoReconnect || !resumable(code, welcomed) {
			return
		}
		select {
		case <-time.After(resumeDelay(code, failures)):
		case <-f.stopCh:
			return
		}
		resume = true
		f.st.reconnects.Add(1)
	}
}

// resumable reports whether a client closed with code should reconnect.
func resumable(code int, welcomed bool) bool {
	switch code {
	case 1001, 1006, 1012, 4008, 4029:
		return true
	}
	return !welcomed // a failed resume attempt (refused, reset) tries again
}

// resumeDelay is the wait before a reconnect: the protocol's random 0.5–5 s
// after a restart, a short one after 4008, and backoff after failures.
func resumeDelay(code, failures int) time.Duration {
	switch {
	case failures > 0:
		return time.Duration(failures) * time.Second
	case code == 4008:
		return time.Duration(50+rand.IntN(200)) * time.Millisecond
	}
	return 500*time.Millisecond + time.Duration(rand.Int64N(int64(4500*time.Millisecond)))
}

// stop closes every connection (status 1000) and waits for every goroutine.
func (f *fleet) stop() {
	f.mu.Lock()
	if f.stopping.Swap(true) {
		f.mu.Unlock()
		return
	}
	close(f.stopCh)
	f.mu.Unlock()
	f.cancelWrites()
	// Close politely (1000 and the close handshake) in parallel; past
	// closeGrace, drop the rest without the handshake so that a server that
	// does not answer cannot hold the run (each Close waits up to 5 s).
	var hurry atomic.Bool
	t := time.AfterFunc(closeGrace, func() { hurry.Store(true) })
	defer t.Stop()
	var wg sync.WaitGroup
	work := make(chan *websocket.Conn)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for conn := range work {
				if hurry.Load() {
					conn.CloseNow()
				} else {
					conn.Close(websocket.StatusNormalClosure, "load test done")
				}
			}
		}()
	}
	for _, c := range f.clients {
		if conn := c.conn.Load(); conn != nil {
			work <- conn
		}
	}
	close(work)
	wg.Wait()
	f.wg.Wait()
}

// failureReason names why a connection attempt failed, in a few words.
func failureReason(err error) string {
	var hs httpStatusError
	switch {
	case err == nil:
		return "closed before welcome"
	case errors.As(err, &hs):
		return hs.Error()
	case websocket.CloseStatus(err) >= 0:
		return fmt.Sprintf("close %d", websocket.CloseStatus(err))
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.EADDRINUSE):
		return "no free source port"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "too many open files"
	}
	s := err.Error()
	if strings.Contains(s, "use of closed") || strings.Contains(s, "EOF") {
		return "closed before welcome"
	}
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}
