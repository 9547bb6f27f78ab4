//go:build !linux

package readiness

import (
	"sync"
	"syscall"
	"time"
)

// Poller is not available here; Default reports ErrUnsupported.
type Poller struct {
	mu    sync.Mutex
	next  uint64
	ready map[uint64]func()
}

func newPoller() (*Poller, error) { return nil, ErrUnsupported }

func (p *Poller) ctl(op, fd int, id uint64) error { return ErrUnsupported }

// SetUserTimeout does nothing here: a vanished peer is noticed when a write
// to it fails.
func SetUserTimeout(c syscall.Conn, d time.Duration) error { return nil }
