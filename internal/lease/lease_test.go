package lease

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"
)

// fakeLeaser grants the lease at once and takes it away when told.
type fakeLeaser struct{ lost chan chan struct{} }

func (f *fakeLeaser) Lease(ctx context.Context, name string, ttl time.Duration) (<-chan struct{}, error) {
	l := make(chan struct{})
	select {
	case f.lost <- l:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return l, nil
}

func TestHoldRunsAgainAfterALossAndStopsOnAnError(t *testing.T) {
	f := &fakeLeaser{lost: make(chan chan struct{})}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	runs := make(chan context.Context)
	boom := errors.New("boom")
	done := make(chan error, 1)
	go func() {
		n := 0
		done <- Hold(context.Background(), f, "x", time.Second, log, func(owned context.Context) error {
			n++
			if n == 3 {
				return boom // held, not lost: ends Hold
			}
			runs <- owned
			<-owned.Done()
			return nil
		})
	}()
	for i := 0; i < 2; i++ {
		lost := <-f.lost
		owned := <-runs
		if owned.Err() != nil {
			t.Fatal("the work's context ended while the lease was held")
		}
		close(lost) // the lease lapses: the work's context ends, Hold takes it again
	}
	<-f.lost
	if err := <-done; !errors.Is(err, boom) {
		t.Fatalf("Hold = %v, want the work's error", err)
	}
}

func TestHoldWithoutALeaserRunsWithTheCallersContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	err := Hold(ctx, struct{}{}, "x", time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)), func(owned context.Context) error {
		ran = true
		cancel()
		return nil
	})
	if err != nil || !ran {
		t.Fatalf("Hold = %v, ran %v", err, ran)
	}
}
