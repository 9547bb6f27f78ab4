package natsbus

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"
)

func TestLeaseIsExclusiveAndHandsOver(t *testing.T) {
	ns, err := StartServer(ServerConfig{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Shutdown()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := Connect(context.Background(), Config{Embedded: ns}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Connect(context.Background(), Config{Embedded: ns}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	ctxA, cancelA := context.WithCancel(context.Background())
	lostA, err := a.Lease(ctxA, "routing", 900*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan time.Time, 1)
	ctxB, cancelB := context.WithCancel(context.Background())
	defer cancelB()
	go func() {
		if _, err := b.Lease(ctxB, "routing", 900*time.Millisecond); err == nil {
			got <- time.Now()
		}
	}()
	// A keeps renewing: B must not get it, even well past the TTL.
	select {
	case <-got:
		t.Fatal("a second owner got the lease while the first held it")
	case <-lostA:
		t.Fatal("the owner lost a lease it kept renewing")
	case <-time.After(2500 * time.Millisecond):
	}
	released := time.Now()
	cancelA() // the first replica stops: it releases the lease
	select {
	case at := <-got:
		if at.Sub(released) > 2*time.Second {
			t.Fatalf("handover took %v", at.Sub(released))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the second replica never got the lease")
	}
}
