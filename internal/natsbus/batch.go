package natsbus

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// PublishAll publishes data[i] to subjects[i] with msgIDs[i] as Nats-Msg-Id
// (none when ""), in order, without waiting between messages, and returns
// once JetStream has stored (or recognised as duplicate) every one of them.
// On error some may be stored, but none is still on its way: it returns only
// when every publish has its answer (or ctx or 30 s ran out), so that whoever
// publishes again next can see what this stored.
func (b *Bus) PublishAll(ctx context.Context, subjects []string, data [][]byte, msgIDs []string) error {
	if len(subjects) != len(data) || len(subjects) != len(msgIDs) {
		return fmt.Errorf("natsbus: PublishAll: %d subjects, %d payloads, %d ids", len(subjects), len(data), len(msgIDs))
	}
	if len(subjects) == 0 {
		return nil
	}
	if len(subjects) == 1 {
		_, _, err := b.Publish(ctx, subjects[0], data[0], msgIDs[0])
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	futures := make([]jetstream.PubAckFuture, 0, len(subjects))
	for i := range subjects {
		m := nats.NewMsg(subjects[i])
		m.Data = data[i]
		var opts []jetstream.PublishOpt
		if msgIDs[i] != "" {
			opts = append(opts, jetstream.WithMsgID(msgIDs[i]))
		}
		f, err := b.js.PublishMsgAsync(m, opts...)
		if err != nil {
			return civicdesk.Wrap(civicdesk.CodeUnavailable, err, "the message could not be stored, try again")
		}
		futures = append(futures, f)
	}
	var first error
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			first = cmp.Or(first, err)
		case <-wctx.Done():
			first = cmp.Or(first, wctx.Err())
		}
	}
	if first != nil {
		return civicdesk.Wrap(civicdesk.CodeUnavailable, first, "the message could not be stored, try again")
	}
	return nil
}

// ConsumeBatch is Consume for handlers that work best on many messages at
// once: it hands handler every message already waiting (at least one, at
// most size) in stream order, and acknowledges them all when it returns nil.
// Under light load a batch is one message, so nothing waits for a batch to
// fill; under load, cfg.Linger lets a batch gather for that long first. On
// error the batch is offered once more, then message by message,
// so that a message that keeps failing waits for redelivery alone (an error
// with code CodeInvalid drops it, as with Consume). The handler must be
// idempotent, as with Consume.
//
// One process at a time consumes (a pinned client of the consumer's priority
// group), so that batches are handled in stream order across replicas too:
// the recorder announces a conversation's messages in the order they were
// accepted. Another replica takes over when this one stops (at once) or
// dies (within pinnedTTL, plus the ack wait for what it held).
func (b *Bus) ConsumeBatch(ctx context.Context, cfg civicdesk.ConsumerSpec, size int, handler func(ctx context.Context, ds []civicdesk.Delivery) error) error {
	if cfg.AckWait == 0 {
		cfg.AckWait = 30 * time.Second
	}
	size = min(max(size, 1), 1000)
	cons, err := b.js.CreateOrUpdateConsumer(ctx, cfg.Stream, jetstream.ConsumerConfig{
		Durable:        cfg.Durable,
		FilterSubjects: cfg.Filters,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        cfg.AckWait,
		MaxAckPending:  max(1000, 2*size),
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		PriorityPolicy: jetstream.PriorityPolicyPinned,
		PriorityGroups: []string{pinGroup},
		PinnedTTL:      pinnedTTL,
	})
	if err != nil {
		return fmt.Errorf("natsbus: consumer %s: %w", cfg.Durable, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(max(256, size)), jetstream.PullPriorityGroup(pinGroup),
		jetstream.PullExpiry(pinnedTTL/3))
	if err != nil {
		return fmt.Errorf("natsbus: consume %s: %w", cfg.Durable, err)
	}
	log := b.log.With("consumer", cfg.Durable)
	msgs := make(chan jetstream.Msg, size)
	go func() {
		<-ctx.Done()
		it.Drain()
	}()
	go func() {
		defer close(msgs)
		for {
			msg, err := it.Next()
			if err != nil {
				if errors.Is(err, jetstream.ErrMsgIteratorClosed) || ctx.Err() != nil {
					return
				}
				log.Warn("consumer next", "err", err)
				continue
			}
			msgs <- msg
		}
	}()
	defer func() {
		// Done with our last batch: let another replica have the consumer
		// now rather than after pinnedTTL.
		uctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if s, err := b.js.Stream(uctx, cfg.Stream); err == nil {
			_ = s.UnpinConsumer(uctx, cfg.Durable, pinGroup)
		}
	}()
	// Drain on shutdown: what is in hand when ctx ends is still handled and
	// acknowledged (for up to drainTimeout), not handed back to be redone
	// out of order by another replica.
	hctx, cancelH := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelH()
	go func() {
		select {
		case <-hctx.Done():
			return
		case <-ctx.Done():
		}
		t := time.NewTimer(drainTimeout)
		defer t.Stop()
		select {
		case <-t.C:
			cancelH()
		case <-hctx.Done():
		}
	}()
	batch := make([]jetstream.Msg, 0, size)
	ds := make([]civicdesk.Delivery, 0, size)
	gathered := 0 // messages in the previous batch
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	defer linger.Stop()
	for {
		batch, ds = batch[:0], ds[:0]
		msg, ok := <-msgs
		if !ok {
			return nil
		}
		batch = append(batch, msg)
		if cfg.Linger > 0 && gathered > 1 {
			// Messages are coming faster than one at a time: let more of
			// them arrive (into msgs, waking no one) and take them in one
			// batch, since each batch has a fixed cost (for the recorder,
			// a SQLite commit). A select on msgs instead would wake this
			// goroutine for every message.
			linger.Reset(cfg.Linger)
			select {
			case <-linger.C:
			case <-ctx.Done():
			}
		}
	fill:
		for len(batch) < size {
			select {
			case msg, ok := <-msgs:
				if !ok {
					break fill
				}
				batch = append(batch, msg)
			default:
				break fill
			}
		}
		gathered = len(batch)
		kept := batch[:0]
		for _, msg := range batch {
			meta, err := msg.Metadata()
			if err != nil {
				log.Error("message without metadata", "err", err)
				_ = msg.Term()
				continue
			}
			kept = append(kept, msg)
			ds = append(ds, civicdesk.Delivery{Subject: msg.Subject(), Data: msg.Data(), Seq: meta.Sequence.Stream, Time: meta.Timestamp, NumDelivered: meta.NumDelivered})
		}
		batch = kept
		if len(ds) == 0 {
			continue
		}
		stopBeat := inProgress(batch, cfg.AckWait/3)
		var herr error
		for attempt := 0; attempt < 2; attempt++ {
			if herr = handler(hctx, ds); herr == nil || ctx.Err() != nil {
				break
			}
			log.Warn("batch handler failed", "first", ds[0].Seq, "size", len(ds), "attempt", attempt+1, "err", herr)
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
		if herr != nil {
			// One message may be to blame: go one by one, so that it alone
			// waits for redelivery.
			for i, msg := range batch {
				err := herr
				if hctx.Err() == nil {
					err = handler(hctx, ds[i:i+1])
				}
				switch {
				case err == nil:
					if err := msg.Ack(); err != nil {
						log.Warn("ack", "seq", ds[i].Seq, "err", err)
					}
				case civicdesk.ErrorCode(err) == civicdesk.CodeInvalid:
					log.Error("dropping invalid message", "seq", ds[i].Seq, "err", err)
					_ = msg.Term()
				default:
					delay := time.Duration(min(ds[i].NumDelivered, 30)) * 200 * time.Millisecond
					log.Warn("handler failed, will retry", "seq", ds[i].Seq, "delivered", ds[i].NumDelivered, "err", err)
					_ = msg.NakWithDelay(delay)
				}
			}
			stopBeat()
			continue
		}
		stopBeat()
		for _, msg := range batch {
			if err := msg.Ack(); err != nil {
				log.Warn("ack", "err", err)
			}
		}
	}
}

// inProgress tells the server every interval that batch is still being
// worked on, until the returned function is called.
func inProgress(batch []jetstream.Msg, interval time.Duration) (stop func()) {
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				for _, m := range batch {
					_ = m.InProgress()
				}
			}
		}
	}()
	return func() { close(done); <-exited }
}

// pinGroup is the priority group of batch consumers; pinnedTTL is how long
// the server keeps a silent client pinned before it picks another.
const (
	pinGroup  = "civicdesk"
	pinnedTTL = 6 * time.Second
	// drainTimeout bounds the work done after shutdown begins.
	drainTimeout = 5 * time.Second
)
