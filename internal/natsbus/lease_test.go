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

// Leases of different lengths share the bucket, each keeps its own TTL
// through renewals, and a lease whose owner dies without releasing it goes
// to a waiting process within its ttl.
func TestLeaseLapsesWithinTTLAfterACrash(t *testing.T) {
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
	b, err := Connect(context.Background(), Config{Embedded: ns}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const short, long = 2 * time.Second, 6 * time.Second
	lostShort, err := a.Lease(ctx, "short", short)
	if err != nil {
		t.Fatal(err)
	}
	lostLong, err := a.Lease(ctx, "long", long)
	if err != nil {
		t.Fatal(err)
	}
	// Both outlive their TTLs while renewed.
	select {
	case <-lostShort:
		t.Fatal("the short lease was lost while renewed")
	case <-lostLong:
		t.Fatal("the long lease was lost while renewed")
	case <-time.After(2 * short):
	}
	crashed := time.Now()
	a.Close() // no release: renewals stop as if the process died
	if _, err := b.Lease(ctx, "short", short); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(crashed); took > short {
		t.Fatalf("the lease of %v moved %v after the crash", short, took)
	}
	if _, err := b.Lease(ctx, "long", long); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(crashed); took > long || took < long/4 {
		t.Fatalf("the lease of %v moved %v after the crash", long, took)
	}
}
