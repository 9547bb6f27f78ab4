package natsbus

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/metrics"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Bus is a connection to NATS with JetStream. It is safe for concurrent use.
type Bus struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	log      *slog.Logger
	replicas int // of every stream and bucket

	subsMu sync.Mutex
	subs   map[string]*sharedSub // core subscriptions by subject
}

// Config says how to reach NATS: an embedded server (in-process) or a URL.
type Config struct {
	Embedded *server.Server
	URL      string
	Name     string
	// Replicas of each stream in a cluster; 0 or 1 on a single server.
	Replicas int
}

// DedupeWindow is how long JetStream remembers a Nats-Msg-Id. A client that
// retries within it gets the original acknowledgement; a later retry is
// caught by the store (the recorder finds the message stored and announces
// the stored one). JetStream keeps every id of the window in memory, about
// 150 bytes each per stream: at 3,000 messages a second two minutes is some
// 50 MiB a stream, where the 30 minutes we had grew past a gigabyte.
const DedupeWindow = 2 * time.Minute

// InboundDedupeWindow is DedupeWindow for CD_INBOUND, shorter: there the
// store is the dedupe of record (a message's id derives from its channel's
// own id; the recorder stores an id once, and a message stored before from
// another acceptance is not announced again), so JetStream's index only
// spares a quick retry the trip to the recorder. Its entries are small
// objects that the garbage collector marks on every cycle: at 3,000
// messages a second a 15 s window was 45,000 of them, about a quarter of
// the live heap's objects, and 5 s instead cut each collection's marking
// by a quarter (docs/benchmarks.md).
const InboundDedupeWindow = 5 * time.Second

// maxMsgsPerConversation bounds what CD_INBOUND and CD_EVENTS keep of one
// conversation: far beyond any real one (see ensureStreams for why it is set).
const maxMsgsPerConversation = 100_000_000

// Connect connects and declares the streams.
func Connect(ctx context.Context, cfg Config, log *slog.Logger) (*Bus, error) {
	opts := []nats.Option{
		nats.Name(cfg.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
	}
	url := cfg.URL
	if cfg.Embedded != nil {
		opts = append(opts, nats.InProcessServer(cfg.Embedded))
		url = cfg.Embedded.ClientURL()
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("natsbus: connect: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("natsbus: jetstream: %w", err)
	}
	b := &Bus{nc: nc, js: js, log: log.With("component", "natsbus"), replicas: max(cfg.Replicas, 1)}
	if err := b.ensureStreams(ctx, b.replicas); err != nil {
		nc.Close()
		return nil, err
	}
	return b, nil
}

func (b *Bus) ensureStreams(ctx context.Context, replicas int) error {
	streams := []jetstream.StreamConfig{
		{Name: civicdesk.StreamInbound, Subjects: []string{civicdesk.SubjectsInbound}},
		{Name: civicdesk.StreamEvents, Subjects: []string{civicdesk.SubjectsConv, civicdesk.SubjectsAgent, civicdesk.SubjectsBot}},
		{Name: civicdesk.StreamOutbound, Subjects: []string{civicdesk.SubjectsOutbound}},
		{Name: civicdesk.StreamAudit, Subjects: []string{civicdesk.SubjectsAudit}},
		{Name: civicdesk.StreamWebhooks, Subjects: []string{civicdesk.SubjectsWebhooks}},
	}
	for _, sc := range streams {
		sc.Storage = jetstream.FileStorage
		sc.Duplicates = DedupeWindow
		if sc.Name == civicdesk.StreamInbound {
			sc.Duplicates = InboundDedupeWindow
		}
		sc.Replicas = replicas
		if sc.Name == civicdesk.StreamInbound || sc.Name == civicdesk.StreamEvents {
			// A per-subject limit (subjects are per conversation, and no
			// conversation comes near it) makes JetStream write these busy
			// streams in 4 MiB blocks instead of 8. It keeps the recently
			// written blocks in memory for some seconds: at 3,000 messages a
			// second that was 64-100 MiB of the heap, now about 40.
			sc.MaxMsgsPerSubject = maxMsgsPerConversation
		}
		if sc.Name != civicdesk.StreamAudit {
			sc.MaxAge = 30 * 24 * time.Hour // the audit trail is kept
		}
		if err := b.retry(ctx, func(ctx context.Context) error {
			_, err := b.js.CreateOrUpdateStream(ctx, sc)
			return err
		}); err != nil {
			return fmt.Errorf("natsbus: stream %s: %w", sc.Name, err)
		}
	}
	// The lease bucket too, now, rather than racing to create it from every
	// Lease call at once.
	err := b.retry(ctx, func(ctx context.Context) error {
		_, err := b.js.CreateOrUpdateKeyValue(ctx, leaseBucketConfig(replicas))
		return err
	})
	if err != nil {
		return fmt.Errorf("natsbus: lease bucket: %w", err)
	}
	return nil
}

// retry runs a JetStream API call until it succeeds or ctx ends: replicas
// starting together, or a cluster electing a leader, time calls out for a
// moment. Errors the server gives as answers are returned at once.
func (b *Bus) retry(ctx context.Context, call func(context.Context) error) error {
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := call(cctx)
		cancel()
		var apiErr *jetstream.APIError
		if err == nil || errors.As(err, &apiErr) && !clusterForming(apiErr) || errors.Is(err, jetstream.ErrBucketNotFound) || ctx.Err() != nil {
			return err
		}
		b.log.Warn("JetStream call failed, retrying", "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// clusterForming reports the answers of a JetStream cluster whose servers
// are still finding each other or electing a leader (as when replicas and
// NATS start together): worth asking again, unlike other API errors.
func clusterForming(e *jetstream.APIError) bool {
	switch e.ErrorCode {
	case 10005, // no suitable peers for placement (a peer not yet seen)
		10008, // JetStream system temporarily unavailable
		10009: // not the leader
		return true
	}
	return false
}

// Publish publishes data to subject on JetStream with msgID as Nats-Msg-Id
// and returns once the stream has stored it. duplicate reports that msgID was
// seen within the dedupe window and nothing new was stored.
func (b *Bus) Publish(ctx context.Context, subject string, data []byte, msgID string) (seq uint64, duplicate bool, err error) {
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	start := time.Now()
	ack, err := b.js.Publish(ctx, subject, data, opts...)
	metrics.NATSPublish.Observe(time.Since(start).Seconds())
	if err != nil {
		return 0, false, civicdesk.Wrap(civicdesk.CodeUnavailable, err, "the message could not be stored, try again")
	}
	return ack.Sequence, ack.Duplicate, nil
}

// PublishCore publishes without persistence, for ephemeral fan-out.
func (b *Bus) PublishCore(subject string, data []byte) error {
	return b.nc.Publish(subject, data)
}

// Subscribe delivers every message on subject (core NATS, wildcards allowed)
// to handler, in order, until the returned function is called. Handlers of
// the same subject share one subscription and are called one after another
// from its goroutine, so a message crosses from the server once however many
// parts of the process listen (the widget's and the desk's sockets both
// listen to every conversation event). Handlers must not block.
func (b *Bus) Subscribe(subject string, handler func(subject string, data []byte)) (func(), error) {
	b.subsMu.Lock()
	defer b.subsMu.Unlock()
	if b.subs == nil {
		b.subs = map[string]*sharedSub{}
	}
	ss := b.subs[subject]
	if ss == nil {
		ss = &sharedSub{}
		ss.handlers.Store(&[]*subHandler{})
		sub, err := b.nc.Subscribe(subject, func(m *nats.Msg) {
			for _, h := range *ss.handlers.Load() {
				h.fn(m.Subject, m.Data)
			}
		})
		if err != nil {
			return nil, fmt.Errorf("natsbus: subscribe %s: %w", subject, err)
		}
		if err := sub.SetPendingLimits(1<<20, 1<<30); err != nil {
			_ = sub.Unsubscribe()
			return nil, fmt.Errorf("natsbus: pending limits: %w", err)
		}
		// Flush so the server knows the interest before we return: callers
		// rely on seeing everything published after Subscribe returns.
		if err := b.nc.Flush(); err != nil {
			_ = sub.Unsubscribe()
			return nil, fmt.Errorf("natsbus: flush: %w", err)
		}
		ss.sub = sub
		b.subs[subject] = ss
	}
	h := &subHandler{fn: handler}
	// Copy on write: the subscription's goroutine reads the list unlocked.
	list := append(slices.Clone(*ss.handlers.Load()), h)
	ss.handlers.Store(&list)
	var once sync.Once
	return func() {
		once.Do(func() {
			b.subsMu.Lock()
			defer b.subsMu.Unlock()
			list := slices.DeleteFunc(slices.Clone(*ss.handlers.Load()), func(o *subHandler) bool { return o == h })
			ss.handlers.Store(&list)
			if len(list) == 0 {
				_ = ss.sub.Unsubscribe()
				delete(b.subs, subject)
			}
		})
	}, nil
}

// sharedSub is one core subscription and the handlers it calls.
type sharedSub struct {
	sub      *nats.Subscription
	handlers atomic.Pointer[[]*subHandler]
}

type subHandler struct {
	fn func(subject string, data []byte)
}

// Consume runs handler for each message of a durable consumer until ctx is
// done: one at a time in stream order, or with spec.Parallel > 1 on that many
// goroutines, the messages of one subject (one conversation) always on the
// same goroutine in stream order. A nil error acknowledges; an error is
// logged and the message is redelivered after a backoff. Shared across
// replicas: each message is handled once. Once ctx is done, what it still
// holds is handed back unhandled, for redelivery at once (to another replica,
// or to this one when it restarts), and the handler's failures from ctx's
// end are no failures of the message.
func (b *Bus) Consume(ctx context.Context, cfg civicdesk.ConsumerSpec, handler func(ctx context.Context, d civicdesk.Delivery) error) error {
	if cfg.AckWait == 0 {
		cfg.AckWait = 30 * time.Second
	}
	cons, err := b.js.CreateOrUpdateConsumer(ctx, cfg.Stream, jetstream.ConsumerConfig{
		Durable:        cfg.Durable,
		FilterSubjects: cfg.Filters,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        cfg.AckWait,
		MaxAckPending:  1000,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("natsbus: consumer %s: %w", cfg.Durable, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(256))
	if err != nil {
		return fmt.Errorf("natsbus: consume %s: %w", cfg.Durable, err)
	}
	go func() {
		<-ctx.Done()
		it.Drain()
	}()
	log := b.log.With("consumer", cfg.Durable)
	var handedBack atomic.Int64
	defer func() { // runs last, after the lanes below have finished
		if n := handedBack.Load(); n > 0 {
			log.Info("stopped: messages in hand returned for redelivery", "count", n)
		}
	}()
	handBack := func(msg jetstream.Msg) {
		_ = msg.Nak()
		handedBack.Add(1)
	}
	handle := func(msg jetstream.Msg) {
		if ctx.Err() != nil {
			// Shutting down: the iterator's drain still delivers what it
			// had pulled; failing each against the ended context would
			// log a warning apiece and delay its redelivery.
			handBack(msg)
			return
		}
		meta, err := msg.Metadata()
		if err != nil {
			log.Error("message without metadata", "err", err)
			_ = msg.Term()
			return
		}
		d := civicdesk.Delivery{Subject: msg.Subject(), Data: msg.Data(), Seq: meta.Sequence.Stream, Time: meta.Timestamp, NumDelivered: meta.NumDelivered}
		if err := handler(ctx, d); err != nil {
			if ctx.Err() != nil {
				handBack(msg)
				return
			}
			if civicdesk.ErrorCode(err) == civicdesk.CodeInvalid {
				// Undecodable or impossible: retrying cannot help.
				log.Error("dropping invalid message", "seq", d.Seq, "err", err)
				_ = msg.Term()
				return
			}
			delay := time.Duration(min(meta.NumDelivered, 30)) * 200 * time.Millisecond
			log.Warn("handler failed, will retry", "seq", d.Seq, "delivered", meta.NumDelivered, "err", err)
			_ = msg.NakWithDelay(delay)
			return
		}
		if err := msg.Ack(); err != nil {
			log.Warn("ack", "seq", d.Seq, "err", err)
		}
	}
	dispatch := handle
	if cfg.Parallel > 1 {
		// A handler that waits (on the store, on a publish's
		// acknowledgement) then holds up only its own lane.
		lanes := make([]chan jetstream.Msg, cfg.Parallel)
		var wg sync.WaitGroup
		for i := range lanes {
			lanes[i] = make(chan jetstream.Msg, 32)
			wg.Go(func() {
				for msg := range lanes[i] {
					handle(msg)
				}
			})
		}
		defer func() {
			for _, l := range lanes {
				close(l)
			}
			wg.Wait()
		}()
		dispatch = func(msg jetstream.Msg) {
			h := fnv.New32a()
			_, _ = h.Write([]byte(msg.Subject()))
			lanes[h.Sum32()%uint32(len(lanes))] <- msg
		}
	}
	for {
		msg, err := it.Next()
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) || ctx.Err() != nil {
				return nil
			}
			log.Warn("consumer next", "err", err)
			continue
		}
		dispatch(msg)
	}
}

// ResetConsumer makes a durable consumer deliver again, at once, what it had
// delivered but not yet seen acknowledged, instead of after its ack wait.
// It is for a consumer that one process at a time runs (under a Lease),
// taken over from one that died with messages in hand. A consumer that does
// not exist yet is no error.
func (b *Bus) ResetConsumer(ctx context.Context, stream, durable string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// Look first: a clustered server may not answer a reset of a consumer
	// that does not exist.
	if _, err := b.js.Consumer(ctx, stream, durable); err != nil {
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil
		}
		return fmt.Errorf("natsbus: reset consumer %s: %w", durable, err)
	}
	if _, err := b.js.ResetConsumer(ctx, stream, durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("natsbus: reset consumer %s: %w", durable, err)
	}
	return nil
}

// LastMessageID returns the Nats-Msg-Id of the last message stored on
// subject in stream, or "" when there is none.
func (b *Bus) LastMessageID(ctx context.Context, stream, subject string) (string, error) {
	s, err := b.js.Stream(ctx, stream)
	if err != nil {
		return "", fmt.Errorf("natsbus: stream %s: %w", stream, err)
	}
	m, err := s.GetLastMsgForSubject(ctx, subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("natsbus: last message on %s: %w", subject, err)
	}
	return m.Header.Get(jetstream.MsgIDHeader), nil
}

// Ping checks that NATS and JetStream answer.
func (b *Bus) Ping(ctx context.Context) error {
	if !b.nc.IsConnected() {
		return errors.New("natsbus: not connected")
	}
	if _, err := b.js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("natsbus: jetstream: %w", err)
	}
	return nil
}

// Drain finishes in-flight work and closes the connection.
func (b *Bus) Drain() error {
	if b.nc.IsClosed() {
		return nil
	}
	return b.nc.Drain()
}

// Close closes the connection at once.
func (b *Bus) Close() { b.nc.Close() }

// PurgeConversation removes every stored message of a conversation from the
// streams (erasure), overwriting each on disk: its subjects end with the
// conversation id.
func (b *Bus) PurgeConversation(ctx context.Context, convID string) error {
	if convID == "" || strings.ContainsAny(convID, ".*> ") {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "bad conversation id")
	}
	for _, sf := range []struct{ stream, filter string }{
		{civicdesk.StreamInbound, "cd.in.*." + convID},
		{civicdesk.StreamEvents, "cd.conv.*." + convID},
		{civicdesk.StreamEvents, "cd.bot.*." + convID}, // triage requests carry the message too
		{civicdesk.StreamOutbound, "cd.out.*." + convID},
	} {
		stream, filter := sf.stream, sf.filter
		s, err := b.js.Stream(ctx, stream)
		if err != nil {
			return fmt.Errorf("natsbus: purge %s: %w", stream, err)
		}
		seqs, err := b.sequences(ctx, s, filter)
		if err != nil {
			return fmt.Errorf("natsbus: purge %s: %w", stream, err)
		}
		for _, seq := range seqs {
			if err := s.SecureDeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
				return fmt.Errorf("natsbus: purge %s: %w", stream, err)
			}
		}
	}
	return nil
}

// sequences lists the stream sequences of the messages on filter.
func (b *Bus) sequences(ctx context.Context, s jetstream.Stream, filter string) ([]uint64, error) {
	var seqs []uint64
	err := scan(ctx, s, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}}, -1, func(m jetstream.Msg) {
		if meta, err := m.Metadata(); err == nil {
			seqs = append(seqs, meta.Sequence.Stream)
		}
	})
	return seqs, err
}

// MessagesSince returns the payloads of the messages stored on subject in
// stream at since or later, oldest first, and whether that is all of them:
// it reads none when there are more than limit.
func (b *Bus) MessagesSince(ctx context.Context, stream, subject string, since time.Time, limit int) (data [][]byte, all bool, err error) {
	s, err := b.js.Stream(ctx, stream)
	if err != nil {
		return nil, false, fmt.Errorf("natsbus: stream %s: %w", stream, err)
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}, DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &since}
	err = scan(ctx, s, cfg, max(limit, 0), func(m jetstream.Msg) { data = append(data, m.Data()) })
	if errors.Is(err, errTooMany) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("natsbus: messages on %s: %w", subject, err)
	}
	return data, true, nil
}

var errTooMany = errors.New("natsbus: more messages than the limit")

// scan hands each message an ordered consumer of cfg finds to fn, until it
// has seen all that were there when it started (more than limit, when
// limit >= 0: errTooMany).
func scan(ctx context.Context, s jetstream.Stream, cfg jetstream.OrderedConsumerConfig, limit int, fn func(jetstream.Msg)) error {
	cons, err := s.OrderedConsumer(ctx, cfg)
	if err != nil {
		return err
	}
	seen := 0
	for {
		info, err := cons.Info(ctx)
		if err != nil {
			return err
		}
		if info.NumPending == 0 {
			return nil
		}
		if limit >= 0 && uint64(seen)+info.NumPending > uint64(limit) {
			return errTooMany
		}
		batch, err := cons.Fetch(int(min(info.NumPending, 500)), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return err
		}
		n := 0
		for m := range batch.Messages() {
			fn(m)
			n++
		}
		if err := batch.Error(); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		seen += n
	}
}

// leaseBucket holds leases: a key is owned by whoever created it, as long as
// they keep renewing it before its own TTL runs out. Each lease has its own
// TTL (per-message TTL, NATS 2.11 or later), so leases of different lengths
// share the bucket.
const leaseBucket = "CD_LEASES"

func leaseBucketConfig(replicas int) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{Bucket: leaseBucket, History: 1, Replicas: replicas, LimitMarkerTTL: time.Minute}
}

// Lease blocks until this process owns name across replicas (or ctx ends)
// and keeps it until ctx ends; lost is closed if ownership is lost (the
// process stalled and another took it). Ending ctx releases it at once.
//
// ttl bounds the handover after a crash: the key lives 3/5 of ttl past its
// last renewal (whole seconds, at least one), the owner renews every ttl/5
// and gives up when it has not renewed for 3/4 of the key's life, and
// waiters try every ttl/20, so another process owns the lease well within
// ttl of the owner dying (a routing lease of 10 s moves in 5 to 7 s).
func (b *Bus) Lease(ctx context.Context, name string, ttl time.Duration) (lost <-chan struct{}, err error) {
	var kv jetstream.KeyValue
	if err := b.retry(ctx, func(ctx context.Context) (err error) {
		kv, err = b.js.KeyValue(ctx, leaseBucket)
		return err
	}); err != nil {
		return nil, fmt.Errorf("natsbus: lease bucket: %w", err)
	}
	keyTTL := max((ttl * 3 / 5).Truncate(time.Second), time.Second)
	owner := nats.NewInbox() // unique per call
	var rev uint64
	for {
		rev, err = kv.Create(ctx, name, []byte(owner), jetstream.KeyTTL(keyTTL))
		if err == nil {
			break
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// A cluster electing a leader answers with errors for a moment.
			b.log.Warn("lease attempt failed", "lease", name, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(ttl / 20):
		}
	}
	// Renewals carry the TTL again, which kv.Update cannot: publish to the
	// key's subject expecting our last revision.
	subject := "$KV." + leaseBucket + "." + name
	renew := func(ctx context.Context) (uint64, error) {
		ack, err := b.js.PublishMsg(ctx, &nats.Msg{Subject: subject, Data: []byte(owner)},
			jetstream.WithExpectLastSequencePerSubject(rev), jetstream.WithMsgTTL(keyTTL))
		if err != nil {
			return 0, err
		}
		return ack.Sequence, nil
	}
	held := leaseHeld.WithLabelValues(name)
	held.Set(1)
	b.log.Info("lease acquired", "lease", name)
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		defer held.Set(0)
		t := time.NewTicker(ttl / 5)
		defer t.Stop()
		renewed := time.Now()
		for {
			select {
			case <-ctx.Done():
				dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_ = kv.Delete(dctx, name, jetstream.LastRevision(rev))
				cancel()
				return
			case <-t.C:
				uctx, cancel := context.WithTimeout(ctx, ttl/5)
				next, err := renew(uctx)
				cancel()
				var apiErr *jetstream.APIError
				switch {
				case err == nil:
					rev, renewed = next, time.Now()
					continue
				case ctx.Err() != nil:
					continue // released on the next turn
				case errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
					apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant):
					b.log.Warn("lease lost", "lease", name, "err", err) // it expired or another owns it now
					return
				case time.Since(renewed) > keyTTL*3/4:
					// Give up while the key still stands, before another
					// process can take it.
					b.log.Warn("lease lost: cannot renew", "lease", name, "err", err)
					return
				}
				b.log.Warn("lease renewal failed, retrying", "lease", name, "err", err)
			}
		}
	}()
	return ch, nil
}
