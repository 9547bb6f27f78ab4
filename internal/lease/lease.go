package lease

import (
	"context"
	"log/slog"
	"time"
)

// Leaser grants exclusive ownership of a name across replicas; the bus
// provides it when several replicas may run.
type Leaser interface {
	Lease(ctx context.Context, name string, ttl time.Duration) (lost <-chan struct{}, err error)
}

// Hold runs fn under the lease name until ctx ends. When bus is a Leaser,
// fn runs only while this process holds the lease, with a context that ends
// when the lease is lost; Hold then waits to take it back and runs fn again.
// Without a Leaser (one process), fn runs with ctx. An error from fn ends
// Hold, unless the lease was lost under it.
func Hold(ctx context.Context, bus any, name string, ttl time.Duration, log *slog.Logger, fn func(owned context.Context) error) error {
	leaser, shared := bus.(Leaser)
	for {
		owned, cancel := ctx, context.CancelFunc(func() {})
		if shared {
			lost, err := leaser.Lease(ctx, name, ttl)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			owned, cancel = context.WithCancel(ctx)
			go func() {
				select {
				case <-lost:
				case <-owned.Done():
				}
				cancel()
			}()
		}
		err := fn(owned)
		lost := owned.Err() != nil
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && !lost {
			return err
		}
		log.Warn("lease lost; waiting to take it back", "lease", name)
	}
}
