//go:build linux

package readiness

import (
	"fmt"
	"sync"
	"syscall"
	"time"
)

// Poller waits on one epoll instance for every watched connection.
type Poller struct {
	epfd  int
	mu    sync.Mutex
	next  uint64
	ready map[uint64]func()
}

// Level-triggered and one-shot: a watch fires once, and a re-arm with data
// still unread fires again at once, so nothing is missed between the
// callback's last read and its re-arm.
const watchEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT

func newPoller() (*Poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("readiness: epoll_create1: %w", err)
	}
	p := &Poller{epfd: epfd, ready: make(map[uint64]func())}
	go p.loop()
	return p, nil
}

func (p *Poller) ctl(op, fd int, id uint64) error {
	ev := syscall.EpollEvent{Events: watchEvents, Fd: int32(uint32(id)), Pad: int32(uint32(id >> 32))}
	var err error
	switch op {
	case opAdd:
		err = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, fd, &ev)
	case opRearm:
		err = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_MOD, fd, &ev)
	case opRemove:
		err = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, fd, &ev)
	}
	if err != nil {
		return fmt.Errorf("readiness: epoll_ctl: %w", err)
	}
	return nil
}

// loop runs for the life of the process on one thread, blocked in
// epoll_wait.
func (p *Poller) loop() {
	events := make([]syscall.EpollEvent, 256)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if err != nil {
			continue // EINTR; epfd is never closed
		}
		for _, ev := range events[:n] {
			p.dispatch(uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32)
		}
	}
}

// SetUserTimeout makes the kernel drop c when data it sent stays
// unacknowledged for d: with no reader waiting on an idle socket, that is how
// a peer that vanished (a phone out of coverage) is noticed, through the
// watch firing on the error.
func SetUserTimeout(c syscall.Conn, d time.Duration) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var opErr error
	if err := raw.Control(func(fd uintptr) {
		opErr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpUserTimeout, int(d.Milliseconds()))
	}); err != nil {
		return err
	}
	return opErr
}

// tcpUserTimeout is TCP_USER_TIMEOUT (linux/tcp.h), which package syscall
// does not name.
const tcpUserTimeout = 0x12
