package channels

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/metrics"
)

// Bus is what the channels need of NATS.
type Bus interface {
	Publish(ctx context.Context, subject string, data []byte, msgID string) (seq uint64, duplicate bool, err error)
	Consume(ctx context.Context, spec civicdesk.ConsumerSpec, handler func(ctx context.Context, d civicdesk.Delivery) error) error
}

// RecorderStore is what the Recorder needs of the store.
type RecorderStore interface {
	InsertMessage(ctx context.Context, m civicdesk.Message) (bool, error)
	GetConversation(ctx context.Context, id string) (civicdesk.Conversation, error)
}

// MessageID derives a message id from a channel's own id, so that the same
// message accepted twice gets the same id.
func MessageID(channel, scope, clientID string) string {
	sum := sha256.Sum256([]byte(channel + "\x00" + scope + "\x00" + clientID))
	return "msg_" + hex.EncodeToString(sum[:12])
}

// Accept publishes m for recording and returns once JetStream has stored it.
// dedupeID is the channel's own id of the message (Nats-Msg-Id).
func Accept(ctx context.Context, bus Bus, source string, m civicdesk.Message, dedupeID string) (duplicate bool, err error) {
	_, dup, err := AcceptSeq(ctx, bus, source, m, dedupeID)
	return dup, err
}

// AcceptSeq is Accept that also returns the message's sequence in
// CD_INBOUND, which the recorder stores as its Seq unless the message was
// stored before (a retry after JetStream forgot its id).
func AcceptSeq(ctx context.Context, bus Bus, source string, m civicdesk.Message, dedupeID string) (seq uint64, duplicate bool, err error) {
	data, err := json.Marshal(civicdesk.InboundMessage{Message: m})
	if err != nil {
		return 0, false, fmt.Errorf("channels: encode message: %w", err)
	}
	seq, dup, err := bus.Publish(ctx, civicdesk.InboundSubject(source, m.ConversationID), data, dedupeID)
	if err != nil {
		return 0, false, err
	}
	if !dup && m.Author.Kind == civicdesk.AuthorCitizen {
		metrics.Accepted.WithLabelValues(string(m.Channel)).Inc()
	}
	return seq, dup, nil
}

// Recorder writes accepted messages into the store and announces them.
type Recorder struct {
	store RecorderStore
	bus   Bus
	log   *slog.Logger
}

// NewRecorder returns the record step of the flow.
func NewRecorder(store RecorderStore, bus Bus, log *slog.Logger) *Recorder {
	return &Recorder{store: store, bus: bus, log: log.With("component", "recorder")}
}

// Optional capabilities: when the bus and the store offer them (natsbus and
// sqlitestore do), the recorder works on batches: every message waiting is
// inserted in one transaction, its events are published without waiting
// one by one, and the batch is acknowledged after both.
type (
	batchBus interface {
		ConsumeBatch(ctx context.Context, spec civicdesk.ConsumerSpec, size int, handler func(ctx context.Context, ds []civicdesk.Delivery) error) error
		PublishAll(ctx context.Context, subjects []string, data [][]byte, msgIDs []string) error
	}
	batchStore interface {
		InsertMessages(ctx context.Context, ms []civicdesk.Message) (inserted []bool, err error)
	}
	messageGetter interface {
		GetMessage(ctx context.Context, id string) (civicdesk.Message, error)
	}
	conversationsGetter interface {
		GetConversations(ctx context.Context, ids []string) (map[string]civicdesk.Conversation, error)
	}
	// conversationHeadsGetter reads only what Conversation.Head keeps.
	conversationHeadsGetter interface {
		GetConversationHeads(ctx context.Context, ids []string) (map[string]civicdesk.Conversation, error)
	}
	// eventScanner reads what was announced on a subject since a time.
	eventScanner interface {
		MessagesSince(ctx context.Context, stream, subject string, since time.Time, limit int) (data [][]byte, all bool, err error)
	}
)

// BatchSize is the most messages the recorder takes at once.
const BatchSize = 256

// Linger is how long the recorder lets a batch gather while messages come
// faster than one at a time. Each batch is one SQLite commit, whose cost is
// mostly fixed: at 3,000 messages a second batches grew from about 8
// messages to 65 and the server spent 7-16 % less CPU a message, at 1,000 a
// second a quarter less (docs/benchmarks.md). A message then waits up to
// this long more before it is announced.
const Linger = 10 * time.Millisecond

// Run consumes CD_INBOUND until ctx is done.
func (r *Recorder) Run(ctx context.Context) error {
	spec := civicdesk.ConsumerSpec{Stream: civicdesk.StreamInbound, Durable: "channels", Linger: Linger}
	if bb, ok := r.bus.(batchBus); ok {
		return bb.ConsumeBatch(ctx, spec, BatchSize, r.handleBatch)
	}
	return r.bus.Consume(ctx, spec, func(ctx context.Context, d civicdesk.Delivery) error {
		return r.handleBatch(ctx, []civicdesk.Delivery{d})
	})
}

// handleBatch records ds in stream order: it stores the messages, then
// announces each on CD_EVENTS (and hands agent and bot messages to their
// channel's delivery, and citizen messages of conversations not yet with a
// person to the bot), and returns only when all of it is durable, so that
// the deliveries are acknowledged only then.
//
// Everything is idempotent, and each message event is stored once:
//   - A message stored now for the first time cannot have been announced
//     (announcements follow the insert), so its message event goes without
//     a Nats-Msg-Id: JetStream would keep every such id in memory for its
//     dedupe window (40 % of the live objects at 3,000 messages a second,
//     all of which the garbage collector marks) only to guard against what
//     cannot happen.
//   - A message stored before from another acceptance (sent again after
//     JetStream forgot its id) is that delivery's to announce: nothing.
//   - A message this very delivery stored before (a retry after an error,
//     or a redelivery after a crash) is announced unless CD_EVENTS already
//     has its message event; its other announcements carry dedupe ids.
func (r *Recorder) handleBatch(ctx context.Context, ds []civicdesk.Delivery) error {
	ms := make([]civicdesk.Message, 0, len(ds))
	accepted := make([]time.Time, 0, len(ds)) // when CD_INBOUND stored each of ms
	for _, d := range ds {
		var in civicdesk.InboundMessage
		if err := json.Unmarshal(d.Data, &in); err != nil || in.Message.ID == "" || in.Message.ConversationID == "" {
			if len(ds) == 1 {
				return civicdesk.Errorf(civicdesk.CodeInvalid, "undecodable inbound message at seq %d", d.Seq)
			}
			r.log.Error("dropping undecodable inbound message", "seq", d.Seq)
			continue
		}
		m := in.Message
		m.Seq = d.Seq
		ms = append(ms, m)
		accepted = append(accepted, d.Time)
	}
	if len(ms) == 0 {
		return nil
	}
	inserted, err := r.insert(ctx, ms)
	if err != nil {
		return fmt.Errorf("record message: %w", err)
	}
	convs, err := r.conversations(ctx, ms, inserted)
	if err != nil {
		return fmt.Errorf("record message: conversation: %w", err)
	}
	subjects := make([]string, 0, len(ms)+len(ms)/4)
	payloads := make([][]byte, 0, cap(subjects))
	ids := make([]string, 0, cap(subjects))
	var announced map[string]map[string]bool // see again
	for i := range ms {
		m := &ms[i]
		eventID, announce := "", true // a first announcement: see above
		if inserted[i] {
			dir := "out"
			if m.Author.Kind == civicdesk.AuthorCitizen {
				dir = "in"
			}
			metrics.Messages.WithLabelValues(string(m.Channel), dir).Inc()
		} else {
			if announced == nil {
				announced = map[string]map[string]bool{}
			}
			var ours bool
			if ours, announce, err = r.again(ctx, m, accepted[i], announced); err != nil {
				return fmt.Errorf("record message: %w", err)
			}
			if !ours {
				continue // recorded from another acceptance, which announces it
			}
			eventID = "message:" + m.ID
		}
		conv := convs[m.ConversationID]
		if conv == nil {
			c, err := r.store.GetConversation(ctx, m.ConversationID)
			if err != nil {
				return fmt.Errorf("record message: conversation: %w", err)
			}
			conv = &c
			convs[m.ConversationID] = conv
		}
		head := conv.Head() // what message events carry of the conversation
		data, err := json.Marshal(civicdesk.Event{Type: "message", Message: m, Conversation: &head, At: m.CreatedAt})
		if err != nil {
			return fmt.Errorf("record message: encode event: %w", err)
		}
		if announce {
			subjects = append(subjects, civicdesk.ConvSubject(civicdesk.VerbMessage, conv.ID))
			payloads = append(payloads, data)
			ids = append(ids, eventID)
		}
		if m.Author.Kind != civicdesk.AuthorCitizen {
			subjects = append(subjects, civicdesk.OutboundSubject(conv.Channel, conv.ID))
			payloads = append(payloads, data)
			ids = append(ids, "out:"+m.ID)
		} else if head.State != civicdesk.StateQueued && head.State != civicdesk.StateAssigned {
			// For the bot, only while the conversation may still be its
			// own (one never goes back to the bot): with a person, as
			// most messages are, the bot hears nothing of them.
			subjects = append(subjects, civicdesk.BotTriageSubject(conv.ID))
			payloads = append(payloads, data)
			ids = append(ids, "triage:"+m.ID)
		}
	}
	if bb, ok := r.bus.(batchBus); ok {
		if err := bb.PublishAll(ctx, subjects, payloads, ids); err != nil {
			return fmt.Errorf("record message: announce: %w", err)
		}
		return nil
	}
	for i := range subjects {
		if _, _, err := r.bus.Publish(ctx, subjects[i], payloads[i], ids[i]); err != nil {
			return fmt.Errorf("record message: announce: %w", err)
		}
	}
	return nil
}

// again handles a message the store already held: it replaces m with the
// stored message and says whether it was stored from this delivery (ours;
// else from another acceptance, which announces it) and whether CD_EVENTS
// still lacks its message event. announced caches, for a batch, the message
// events found per conversation; the batch is in stream order, so the first
// of a conversation's messages to look for is its earliest.
func (r *Recorder) again(ctx context.Context, m *civicdesk.Message, accepted time.Time, announced map[string]map[string]bool) (ours, missing bool, err error) {
	g, ok := r.store.(messageGetter)
	if !ok {
		return true, true, nil
	}
	stored, err := g.GetMessage(ctx, m.ID)
	if civicdesk.IsNotFound(err) {
		return true, true, nil // gone since (erased): announce what was accepted
	}
	if err != nil {
		return true, false, err
	}
	if stored.Seq != m.Seq {
		return false, false, nil
	}
	*m = stored
	found, looked := announced[m.ConversationID]
	if !looked {
		if found, err = r.announced(ctx, m.ConversationID, accepted); err != nil {
			return true, false, err
		}
		announced[m.ConversationID] = found
	}
	return true, found == nil || !found[m.ID], nil
}

// announced returns the ids of the messages of conversation convID whose
// message events CD_EVENTS stored after since (CD_INBOUND's time of the
// earliest message asked about: an event follows its message's insert; the
// margin is for the clocks of a cluster's servers). It returns nil when the
// bus cannot tell or the conversation had too many events since for a quick
// look: its messages are then announced with their dedupe ids, a second copy
// only if JetStream's window has passed.
func (r *Recorder) announced(ctx context.Context, convID string, since time.Time) (map[string]bool, error) {
	sc, ok := r.bus.(eventScanner)
	if !ok {
		return nil, nil
	}
	events, all, err := sc.MessagesSince(ctx, civicdesk.StreamEvents, civicdesk.ConvSubject(civicdesk.VerbMessage, convID),
		since.Add(-announcedMargin), announcedLookLimit)
	if err != nil || !all {
		return nil, err
	}
	ids := make(map[string]bool, len(events))
	for _, data := range events {
		var ev struct {
			Message *struct {
				ID string `json:"id"`
			} `json:"message"`
		}
		if json.Unmarshal(data, &ev) == nil && ev.Message != nil {
			ids[ev.Message.ID] = true
		}
	}
	return ids, nil
}

// How far back, and through how many of a conversation's message events,
// the recorder looks for one it may have stored before a crash.
const (
	announcedMargin    = time.Minute
	announcedLookLimit = 5000
)

// conversations reads the conversations of a batch, in one query when the
// store can. Messages that were stored before may be replaced by their
// stored version later, so those conversations are read one by one then.
func (r *Recorder) conversations(ctx context.Context, ms []civicdesk.Message, inserted []bool) (map[string]*civicdesk.Conversation, error) {
	convs := make(map[string]*civicdesk.Conversation, len(ms))
	var get func(ctx context.Context, ids []string) (map[string]civicdesk.Conversation, error)
	switch st := r.store.(type) {
	case conversationHeadsGetter:
		get = st.GetConversationHeads
	case conversationsGetter:
		get = st.GetConversations
	}
	if get == nil {
		return convs, nil
	}
	ids := make([]string, 0, len(ms))
	seen := make(map[string]bool, len(ms))
	for i := range ms {
		if id := ms[i].ConversationID; inserted[i] && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return convs, nil
	}
	found, err := get(ctx, ids)
	if err != nil {
		return nil, err
	}
	for id, c := range found {
		convs[id] = &c
	}
	return convs, nil
}

// insert stores ms in one transaction when the store can, else one by one.
func (r *Recorder) insert(ctx context.Context, ms []civicdesk.Message) ([]bool, error) {
	if bs, ok := r.store.(batchStore); ok && len(ms) > 1 {
		return bs.InsertMessages(ctx, ms)
	}
	inserted := make([]bool, len(ms))
	for i := range ms {
		ok, err := r.store.InsertMessage(ctx, ms[i])
		if err != nil {
			return nil, err
		}
		inserted[i] = ok
	}
	return inserted, nil
}
