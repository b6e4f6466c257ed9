package loadtest

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of /proc/stat CPU times on Linux.
const userHZ = 100

// otherWorkWarn is how many cores of other processes' CPU during traffic make
// the run warn that its figures are disturbed.
const otherWorkWarn = 0.25

// machineBusy returns the CPU time all processes on the machine have used
// since boot (user, nice, system) plus time stolen by the hypervisor, from
// /proc/stat. Interrupt time is left out: with IRQ time accounting the
// loopback traffic of the harness and the server lands there, not in their
// own CPU time. ok is false where it cannot be read.
func machineBusy() (time.Duration, bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, false
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 8} { // user nice system (idle iowait irq softirq) steal
		v, err := strconv.ParseInt(fields[i], 10, 64)
		if err != nil {
			return 0, false
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / userHZ, true
}

// localTargets reports whether every target is on this machine (loopback),
// so that the servers' CPU is part of the machine's.
func localTargets(targets []string) bool {
	for _, t := range targets {
		host := strings.TrimPrefix(strings.TrimPrefix(t, "http://"), "https://")
		host, _, _ = strings.Cut(host, "/")
		if !isLoopback(host) && !isLoopback(host+":80") {
			return false
		}
	}
	return true
}
