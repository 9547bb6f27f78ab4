package readiness

import (
	"io"
	"net"
	"runtime"
	"testing"
	"time"
)

// pair is a connected loopback TCP pair: server side, client side.
func pair(t *testing.T) (*net.TCPConn, *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server := <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server.(*net.TCPConn), client.(*net.TCPConn)
}

// watched watches the server side of a new pair; fired gets a value each
// time the callback runs.
func watched(t *testing.T, p *Poller) (w *Watch, server, client *net.TCPConn, fired chan struct{}) {
	t.Helper()
	server, client = pair(t)
	fired = make(chan struct{}, 10)
	w, err := p.Watch(server, func(*Watch) { fired <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	return w, server, client, fired
}

func poller(t *testing.T) *Poller {
	t.Helper()
	p, err := Default()
	if runtime.GOOS != "linux" {
		if err != ErrUnsupported {
			t.Fatalf("Default on %s: %v, want ErrUnsupported", runtime.GOOS, err)
		}
		t.Skip("no epoll on " + runtime.GOOS + "; callers keep a reader goroutine")
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func expect(t *testing.T, fired <-chan struct{}, want bool, what string) {
	t.Helper()
	wait := 2 * time.Second
	if !want {
		wait = 200 * time.Millisecond
	}
	select {
	case <-fired:
		if !want {
			t.Fatalf("%s: callback ran, want it quiet", what)
		}
	case <-time.After(wait):
		if want {
			t.Fatalf("%s: callback did not run", what)
		}
	}
}

func TestWatchFiresOncePerArmingAndAgainForUnreadData(t *testing.T) {
	w, server, client, fired := watched(t, poller(t))
	defer w.Remove()

	expect(t, fired, false, "nothing sent yet")
	if _, err := client.Write([]byte("ab")); err != nil {
		t.Fatal(err)
	}
	expect(t, fired, true, "data sent")
	if _, err := client.Write([]byte("cd")); err != nil {
		t.Fatal(err)
	}
	expect(t, fired, false, "one-shot: more data before re-arming")

	// Re-armed with the data still unread: level-triggered, so it fires
	// at once rather than losing it.
	if err := w.Rearm(); err != nil {
		t.Fatal(err)
	}
	expect(t, fired, true, "re-armed with unread data")

	buf := make([]byte, 4)
	if _, err := io.ReadFull(server, buf); err != nil || string(buf) != "abcd" {
		t.Fatalf("read %q, %v", buf, err)
	}
	if err := w.Rearm(); err != nil {
		t.Fatal(err)
	}
	expect(t, fired, false, "re-armed after reading everything")

	client.Close()
	expect(t, fired, true, "peer closed")
	if n, err := server.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("after peer close: %d, %v; want EOF", n, err)
	}
}

func TestRemovedWatchStaysQuiet(t *testing.T) {
	p := poller(t)
	w, _, client, fired := watched(t, p)
	before := p.Len()
	w.Remove()
	if p.Len() != before-1 {
		t.Fatalf("Len %d after Remove, want %d", p.Len(), before-1)
	}
	client.Write([]byte("x"))
	expect(t, fired, false, "removed watch")
	if err := w.Rearm(); err == nil {
		t.Fatal("Rearm after Remove succeeded")
	}
	w.Remove() // twice is harmless
}

func TestClosedConnectionIsRefused(t *testing.T) {
	p := poller(t)
	server, _ := pair(t)
	server.Close()
	if _, err := p.Watch(server, func(*Watch) {}); err == nil {
		t.Fatal("Watch of a closed connection succeeded")
	}
}

// A connection closed while watched, and a new one that reuses its file
// descriptor number, never gets the old callback.
func TestReusedDescriptorGetsOnlyItsOwnCallback(t *testing.T) {
	p := poller(t)
	old, _ := pair(t)
	oldFired := make(chan struct{}, 10)
	if _, err := p.Watch(old, func(*Watch) { oldFired <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	old.Close() // no Remove: the kernel drops it from the epoll set
	w, _, client, fired := watched(t, p)
	defer w.Remove()
	client.Write([]byte("x"))
	expect(t, fired, true, "new connection")
	expect(t, oldFired, false, "old callback")
}
