package readiness

import (
	"syscall"
	"testing"
	"time"
)

func TestSetUserTimeoutReachesTheSocket(t *testing.T) {
	server, _ := pair(t)
	if err := SetUserTimeout(server, 40*time.Second); err != nil {
		t.Fatal(err)
	}
	raw, _ := server.SyscallConn()
	var got int
	var err error
	raw.Control(func(fd uintptr) { got, err = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpUserTimeout) })
	if err != nil || got != 40000 {
		t.Fatalf("TCP_USER_TIMEOUT %d ms, %v; want 40000", got, err)
	}
}
