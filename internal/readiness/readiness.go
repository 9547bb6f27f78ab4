package readiness

import (
	"errors"
	"sync"
	"syscall"
)

// ErrUnsupported is returned where this system has no readiness poller.
var ErrUnsupported = errors.New("readiness: not supported on this system")

// errRemoved is returned when re-arming a watch that was removed.
var errRemoved = errors.New("readiness: watch removed")

var (
	defaultOnce   sync.Once
	defaultPoller *Poller
	defaultErr    error
)

// Default is the process's poller, started on first use.
func Default() (*Poller, error) {
	defaultOnce.Do(func() { defaultPoller, defaultErr = newPoller() })
	return defaultPoller, defaultErr
}

// Watch is one connection registered with a poller. Its callback runs once
// per readiness; Rearm asks for the next one.
type Watch struct {
	p    *Poller
	id   uint64
	conn syscall.RawConn
}

// Watch registers c: when it is readable, or closed or reset by the peer,
// ready runs once in a new goroutine, given the watch. ready is expected to
// read what is there and then call Rearm (or Remove).
func (p *Poller) Watch(c syscall.Conn, ready func(*Watch)) (*Watch, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.next++
	w := &Watch{p: p, id: p.next, conn: raw}
	p.ready[w.id] = func() { ready(w) }
	p.mu.Unlock()
	if err := w.control(opAdd); err != nil {
		w.forget()
		return nil, err
	}
	return w, nil
}

// Rearm asks for the next readiness, which may be at once if data is
// already waiting.
func (w *Watch) Rearm() error {
	w.p.mu.Lock()
	_, ok := w.p.ready[w.id]
	w.p.mu.Unlock()
	if !ok {
		return errRemoved
	}
	return w.control(opRearm)
}

// Remove ends the watch; its callback does not run again. Closing the
// connection without Remove leaks only the callback, never a wrong call:
// events are matched by watch, not by file descriptor.
func (w *Watch) Remove() {
	if w.forget() {
		_ = w.control(opRemove) // fails harmlessly when the connection is closed
	}
}

func (w *Watch) forget() bool {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	_, ok := w.p.ready[w.id]
	delete(w.p.ready, w.id)
	return ok
}

// Len is the number of connections being watched.
func (p *Poller) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ready)
}

func (w *Watch) control(op int) error {
	var opErr error
	if err := w.conn.Control(func(fd uintptr) { opErr = w.p.ctl(op, int(fd), w.id) }); err != nil {
		return err
	}
	return opErr
}

// dispatch runs the callback of a watch that became ready.
func (p *Poller) dispatch(id uint64) {
	p.mu.Lock()
	ready := p.ready[id]
	p.mu.Unlock()
	if ready != nil {
		go ready()
	}
}

const (
	opAdd = iota
	opRearm
	opRemove
)
