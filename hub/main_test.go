package hub

import (
	"syscall"
	"testing"

	"go.uber.org/goleak"
)

// TestMain raises the open-file limit (TestBroadcastThousandClients holds
// 1,000 client and 1,000 server sockets at once) and checks that no test
// leaves a goroutine behind.
func TestMain(m *testing.M) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < lim.Max {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	goleak.VerifyTestMain(m)
}
