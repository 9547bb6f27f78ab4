package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/metrics"
)

// Triager classifies a citizen message.
type Triager interface {
	Triage(text, channel string) civicdesk.Triage
}

// Store is what the bot needs of the store.
type Store interface {
	GetConversation(ctx context.Context, id string) (civicdesk.Conversation, error)
	PutConversation(ctx context.Context, c civicdesk.Conversation) error
}

// Bus is what the bot needs of NATS.
type Bus interface {
	Publish(ctx context.Context, subject string, data []byte, msgID string) (uint64, bool, error)
	Consume(ctx context.Context, spec civicdesk.ConsumerSpec, handler func(ctx context.Context, d civicdesk.Delivery) error) error
}

// Config of the bot.
type Config struct {
	// Departments are the ids routing knows; a triage naming another goes
	// to Fallback.
	Departments map[string]string // id → display name
	Fallback    string
	// EmergencyGuidance is sent at once when a message is an emergency.
	EmergencyGuidance string
	Name              string // the bot's name as authors show it
}

// Bot is the triage consumer.
type Bot struct {
	cfg     Config
	triager Triager
	store   Store
	bus     Bus
	log     *slog.Logger
}

// DefaultEmergencyGuidance is used when none is configured.
const DefaultEmergencyGuidance = "If you or someone else is in danger right now, call 911. For a mental health crisis, call or text 988. We are connecting you with a caseworker first in line."

// New returns the bot.
func New(cfg Config, triager Triager, store Store, bus Bus, log *slog.Logger) (*Bot, error) {
	if triager == nil {
		return nil, fmt.Errorf("bot: no triager")
	}
	if cfg.Fallback == "" {
		cfg.Fallback = "general"
	}
	if cfg.EmergencyGuidance == "" {
		cfg.EmergencyGuidance = DefaultEmergencyGuidance
	}
	if cfg.Name == "" {
		cfg.Name = "CivicDesk assistant"
	}
	return &Bot{cfg: cfg, triager: triager, store: store, bus: bus, log: log.With("component", "bot")}, nil
}

// Run consumes recorded messages until ctx is done.
func (b *Bot) Run(ctx context.Context) error {
	return b.bus.Consume(ctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamEvents, Durable: "bot",
		Filters: []string{civicdesk.ConvSubject(civicdesk.VerbMessage, "*")}}, b.handle)
}

func (b *Bot) handle(ctx context.Context, d civicdesk.Delivery) error {
	var ev civicdesk.Event
	if err := json.Unmarshal(d.Data, &ev); err != nil || ev.Message == nil {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "undecodable message event")
	}
	m := ev.Message
	if m.Author.Kind != civicdesk.AuthorCitizen {
		return nil
	}
	conv, err := b.store.GetConversation(ctx, m.ConversationID)
	if err != nil {
		return fmt.Errorf("bot: conversation: %w", err)
	}
	if conv.State != civicdesk.StateBot || conv.Triage != nil {
		return nil // with a person, closed, or already handed off
	}
	t := b.triager.Triage(m.Text, string(m.Channel))
	if _, ok := b.cfg.Departments[t.Department]; !ok {
		t.Reasons = append(t.Reasons, fmt.Sprintf("department %q unknown here, sent to %s", t.Department, b.cfg.Fallback))
		t.Department = b.cfg.Fallback
	}
	metrics.Triages.WithLabelValues(t.Department, string(t.Urgency)).Inc()
	conv.Triage = &t
	conv.DepartmentID = t.Department
	conv.Priority = t.Urgency.Priority()
	conv.UpdatedAt = civicdesk.Now()
	if conv.LastMessage == "" {
		conv.LastMessage = preview(m.Text)
	}
	if err := b.store.PutConversation(ctx, conv); err != nil {
		return fmt.Errorf("bot: save triage: %w", err)
	}
	if t.Urgency == civicdesk.UrgencyEmergency {
		if err := b.say(ctx, conv, "emergency:"+m.ID, b.cfg.EmergencyGuidance); err != nil {
			return err
		}
	}
	if err := b.say(ctx, conv, "handoff:"+m.ID, b.handoffText(t)); err != nil {
		return err
	}
	data, err := json.Marshal(civicdesk.Event{Type: "conversation.handoff", Conversation: &conv, At: conv.UpdatedAt})
	if err != nil {
		return fmt.Errorf("bot: encode handoff: %w", err)
	}
	_, _, err = b.bus.Publish(ctx, civicdesk.ConvSubject(civicdesk.VerbHandoff, conv.ID), data, "handoff:"+conv.ID)
	return err
}

func (b *Bot) handoffText(t civicdesk.Triage) string {
	dept := b.cfg.Departments[t.Department]
	if strings.HasPrefix(t.Language, "es") {
		return fmt.Sprintf("Soy un asistente automático. Le comunico con una persona del equipo de %s; le responderá aquí.", dept)
	}
	return fmt.Sprintf("I'm an automated assistant. I'm connecting you with a person from our %s team; they will reply here.", dept)
}

// say records a bot message in the conversation; id makes it idempotent.
func (b *Bot) say(ctx context.Context, conv civicdesk.Conversation, key, text string) error {
	m := civicdesk.Message{ID: "msg_bot_" + strings.NewReplacer(":", "_").Replace(key), ConversationID: conv.ID, ContactID: conv.ContactID,
		Author: civicdesk.Author{Kind: civicdesk.AuthorBot, Name: b.cfg.Name}, Text: text, CreatedAt: civicdesk.Now(), Channel: conv.Channel}
	data, err := json.Marshal(civicdesk.InboundMessage{Message: m})
	if err != nil {
		return fmt.Errorf("bot: encode reply: %w", err)
	}
	_, _, err = b.bus.Publish(ctx, civicdesk.InboundSubject(civicdesk.SourceBot, conv.ID), data, "bot:"+key)
	return err
}

func preview(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 140 {
		return string(r[:140]) + "…"
	}
	return s
}
