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
	data, err := json.Marshal(civicdesk.InboundMessage{Message: m})
	if err != nil {
		return false, fmt.Errorf("channels: encode message: %w", err)
	}
	_, dup, err := bus.Publish(ctx, civicdesk.InboundSubject(source, m.ConversationID), data, dedupeID)
	if err != nil {
		return false, err
	}
	if !dup && m.Author.Kind == civicdesk.AuthorCitizen {
		metrics.Accepted.WithLabelValues(string(m.Channel)).Inc()
	}
	return dup, nil
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

// Run consumes CD_INBOUND until ctx is done.
func (r *Recorder) Run(ctx context.Context) error {
	return r.bus.Consume(ctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamInbound, Durable: "channels"}, r.handle)
}

func (r *Recorder) handle(ctx context.Context, d civicdesk.Delivery) error {
	var in civicdesk.InboundMessage
	if err := json.Unmarshal(d.Data, &in); err != nil || in.Message.ID == "" || in.Message.ConversationID == "" {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "undecodable inbound message at seq %d", d.Seq)
	}
	m := in.Message
	m.Seq = d.Seq
	inserted, err := r.store.InsertMessage(ctx, m)
	if err != nil {
		return fmt.Errorf("record message: %w", err)
	}
	conv, err := r.store.GetConversation(ctx, m.ConversationID)
	if err != nil {
		return fmt.Errorf("record message: conversation: %w", err)
	}
	if inserted {
		dir := "out"
		if m.Author.Kind == civicdesk.AuthorCitizen {
			dir = "in"
		}
		metrics.Messages.WithLabelValues(string(m.Channel), dir).Inc()
	}
	// Announce even when the insert was a redelivery: the first attempt may
	// have crashed before announcing, and the dedupe ids make it harmless.
	ev := civicdesk.Event{Type: "message", Message: &m, Conversation: &conv, At: m.CreatedAt}
	data, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("record message: encode event: %w", err)
	}
	if _, _, err := r.bus.Publish(ctx, civicdesk.ConvSubject(civicdesk.VerbMessage, conv.ID), data, "message:"+m.ID); err != nil {
		return fmt.Errorf("record message: announce: %w", err)
	}
	if m.Author.Kind != civicdesk.AuthorCitizen {
		if _, _, err := r.bus.Publish(ctx, civicdesk.OutboundSubject(conv.Channel, conv.ID), data, "out:"+m.ID); err != nil {
			return fmt.Errorf("record message: hand to delivery: %w", err)
		}
	}
	return nil
}
