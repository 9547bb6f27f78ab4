package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/civicdesk/civicdesk"
)

// noticeBus is what change notices need of the bus: core NATS, no stream.
type noticeBus interface {
	PublishCore(subject string, data []byte) error
	Subscribe(subject string, handler func(subject string, data []byte)) (func(), error)
}

// changeNotices tells the other replicas that this one changed some
// settings kept in the store (the knowledge base, routing), and reloads
// this replica when another one says so. A notice carries only the sender's
// id, so that a replica skips its own.
type changeNotices struct {
	subject string
	bus     noticeBus
	self    string
}

func newChangeNotices(subject string, bus noticeBus) changeNotices {
	return changeNotices{subject: subject, bus: bus, self: civicdesk.NewID("rp")}
}

// announce tells the other replicas.
func (n changeNotices) announce() error { return n.bus.PublishCore(n.subject, []byte(n.self)) }

// run calls reload after every other replica's notice (a burst coalesces
// into one reload) and, when every is not 0, that often anyway, so that a
// replica cut off from NATS when a notice went out catches up.
func (n changeNotices) run(ctx context.Context, every time.Duration, reload func(context.Context) error, log *slog.Logger) error {
	kick := make(chan struct{}, 1)
	unsub, err := n.bus.Subscribe(n.subject, func(_ string, data []byte) {
		if string(data) == n.self {
			return
		}
		select {
		case kick <- struct{}{}:
		default: // a reload is due anyway; it reads the latest
		}
	})
	if err != nil {
		return err
	}
	defer unsub()
	var tick <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
		case <-kick:
		}
		if err := reload(ctx); err != nil && ctx.Err() == nil {
			log.Warn("reloading after a change failed", "subject", n.subject, "err", err)
		}
	}
}
