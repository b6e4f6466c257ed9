package loadtest

import (
	"syscall"
	"time"
)

// usage is the harness process's own CPU time and peak RSS (getrusage RUSAGE_SELF).
type usage struct {
	cpu    time.Duration // user + system
	maxRSS int64         // bytes
}

func selfUsage() usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}
	}
	tv := func(t syscall.Timeval) time.Duration {
		return time.Duration(t.Sec)*time.Second + time.Duration(t.Usec)*time.Microsecond
	}
	return usage{cpu: tv(ru.Utime) + tv(ru.Stime), maxRSS: int64(ru.Maxrss) * 1024}
}
