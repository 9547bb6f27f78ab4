package channels

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"

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
)

// BatchSize is the most messages the recorder takes at once.
const BatchSize = 256

// Run consumes CD_INBOUND until ctx is done.
func (r *Recorder) Run(ctx context.Context) error {
	spec := civicdesk.ConsumerSpec{Stream: civicdesk.StreamInbound, Durable: "channels"}
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
// the deliveries are acknowledged only then. Everything is idempotent: a
// redelivered batch stores nothing twice and its announcements carry the
// same message ids.
func (r *Recorder) handleBatch(ctx context.Context, ds []civicdesk.Delivery) error {
	ms := make([]civicdesk.Message, 0, len(ds))
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
	for i := range ms {
		m := &ms[i]
		if inserted[i] {
			dir := "out"
			if m.Author.Kind == civicdesk.AuthorCitizen {
				dir = "in"
			}
			metrics.Messages.WithLabelValues(string(m.Channel), dir).Inc()
		} else if g, ok := r.store.(messageGetter); ok {
			// Stored before (a redelivery, or the same message sent again
			// after JetStream forgot its id): announce what is stored.
			if stored, err := g.GetMessage(ctx, m.ID); err == nil {
				*m = stored
			}
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
		// Announce even when the insert was a redelivery: the first attempt may
		// have crashed before announcing, and the dedupe ids make it harmless.
		head := conv.Head() // what message events carry of the conversation
		data, err := json.Marshal(civicdesk.Event{Type: "message", Message: m, Conversation: &head, At: m.CreatedAt})
		if err != nil {
			return fmt.Errorf("record message: encode event: %w", err)
		}
		subjects = append(subjects, civicdesk.ConvSubject(civicdesk.VerbMessage, conv.ID))
		payloads = append(payloads, data)
		ids = append(ids, "message:"+m.ID)
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
