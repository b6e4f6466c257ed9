package loadtest

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// IsTerminal reports whether f is a character device (a terminal), without
// a dependency on golang.org/x/term.
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progress prints one line per second: on a terminal it redraws a single
// status line with a bar, otherwise it writes plain lines (for CI logs).
type progress struct {
	w        io.Writer
	tty      bool
	clients  int
	duration time.Duration
	ramp     time.Duration
}

func (p *progress) show(s Second) {
	if p == nil || p.w == nil {
		return
	}
	line := fmt.Sprintf("%5.0fs %-7s clients %d/%d  deliveries/s %d  sent/s %d  p50 %s p99 %s max %s  server cpu %.2f rss %s",
		s.T, s.Phase, s.Connected, p.clients, s.Deliveries, s.Sent,
		fmtMS(s.Latency.P50), fmtMS(s.Latency.P99), fmtMS(s.Latency.Max), s.ServerCPU, fmtBytes(s.ServerRSS))
	if !p.tty {
		fmt.Fprintln(p.w, line)
		return
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s %s", p.bar(s), line)
}

// bar shows how far the run is through its planned ramp and duration.
func (p *progress) bar(s Second) string {
	const width = 20
	planned := (p.ramp + p.duration).Seconds()
	frac := 1.0
	if planned > 0 {
		frac = s.T / planned
	}
	if frac > 1 {
		frac = 1
	}
	n := int(frac * width)
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}

// end finishes the status line on a terminal.
func (p *progress) end() {
	if p != nil && p.w != nil && p.tty {
		fmt.Fprintln(p.w)
	}
}

func fmtMS(ms float64) string {
	switch {
	case ms == 0:
		return "-"
	case ms < 1:
		return fmt.Sprintf("%.0fµs", ms*1000)
	case ms < 100:
		return fmt.Sprintf("%.1fms", ms)
	}
	return fmt.Sprintf("%.0fms", ms)
}

func fmtBytes(b float64) string {
	switch {
	case b == 0:
		return "-"
	case b < 1<<10:
		return fmt.Sprintf("%.0fB", b)
	case b < 1<<20:
		return fmt.Sprintf("%.1fKiB", b/(1<<10))
	case b < 1<<30:
		return fmt.Sprintf("%.1fMiB", b/(1<<20))
	}
	return fmt.Sprintf("%.2fGiB", b/(1<<30))
}
