package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/bot/kb"
	"github.com/civicdesk/civicdesk/internal/metrics"
)

// Triager classifies a citizen message.
type Triager interface {
	Triage(text, channel string) civicdesk.Triage
}

// Knowledge is the knowledge base the bot answers from.
type Knowledge interface {
	Search(query, lang string, k int) []kb.Hit
}

// Store is what the bot needs of the store.
type Store interface {
	GetConversation(ctx context.Context, id string) (civicdesk.Conversation, error)
	PutConversation(ctx context.Context, c civicdesk.Conversation) error
	ListMessages(ctx context.Context, convID string, afterSeq uint64, limit int) ([]civicdesk.Message, error)
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
	// EmergencyGuidance replaces the built-in emergency guidance (911, 988)
	// in every language when set.
	EmergencyGuidance string
	Name              string // the bot's name as authors show it
	Agency            string // the agency's name in the greeting
	// KBMinScore is the BM25 score an article needs to be offered as an
	// answer; KBMinTerms the distinct query terms it must contain.
	KBMinScore float64
	KBMinTerms int
	// ClarifyBelow is the triage confidence under which the bot asks one
	// clarifying question before handing off.
	ClarifyBelow float64
	// External, when set, is the agency's own bot, asked first.
	External *External
	// ExternalFrom, when set, returns the external bot as configured now
	// (from the admin pages); it wins over External.
	ExternalFrom func(ctx context.Context) *External
}

// Bot is the triage consumer.
type Bot struct {
	cfg     Config
	triager Triager
	kb      Knowledge
	store   Store
	bus     Bus
	log     *slog.Logger
	// handedOff remembers conversations this process saw handed off (a
	// conversation never comes back to the bot), with the message each
	// was handed off for.
	handedOff handedOffSet
}

// New returns the bot; knowledge may be nil (no answers, only hand-offs).
func New(cfg Config, triager Triager, knowledge Knowledge, store Store, bus Bus, log *slog.Logger) (*Bot, error) {
	if triager == nil {
		return nil, fmt.Errorf("bot: no triager")
	}
	if cfg.Fallback == "" {
		cfg.Fallback = "general"
	}
	if cfg.Name == "" {
		cfg.Name = "CivicDesk assistant"
	}
	if cfg.Agency == "" {
		cfg.Agency = "the City"
	}
	if cfg.KBMinScore == 0 {
		cfg.KBMinScore = 6
	}
	if cfg.KBMinTerms == 0 {
		cfg.KBMinTerms = 2
	}
	if cfg.ClarifyBelow == 0 {
		cfg.ClarifyBelow = 0.35
	}
	return &Bot{cfg: cfg, triager: triager, kb: knowledge, store: store, bus: bus, log: log.With("component", "bot")}, nil
}

// Run consumes the citizen messages the recorder hands it (those recorded
// while their conversation was not with a person) until ctx is done.
func (b *Bot) Run(ctx context.Context) error {
	// Conversations in parallel: a hand-off waits on the store and on
	// JetStream acknowledgements, which under a storm of messages take tens
	// of milliseconds; one at a time, the bot would fall minutes behind.
	return b.bus.Consume(ctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamEvents, Durable: "bot",
		Filters: []string{civicdesk.BotTriageSubject("*")}, Parallel: botLanes}, b.handle)
}

// handedOffSet maps a conversation id to the id of the message it was handed
// off for; it forgets everything when it grows past maxHandedOff, since a
// conversation is in it only until routing has queued it.
type handedOffSet struct {
	mu sync.Mutex
	m  map[string]string
}

const maxHandedOff = 100_000

func (h *handedOffSet) get(convID string) (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	id, ok := h.m[convID]
	return id, ok
}

func (h *handedOffSet) note(convID, msgID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil || len(h.m) >= maxHandedOff {
		h.m = make(map[string]string)
	}
	h.m[convID] = msgID
}

// botLanes is how many conversations the bot handles at once.
const botLanes = 16

// Prefixes of the bot's message ids: they make each reply idempotent and
// tell, from the history, what the bot has already said.
const (
	idAsk     = "msg_bot_ask_"
	idKB      = "msg_bot_kb_"
	idGlad    = "msg_bot_glad_"
	idHandoff = "msg_bot_handoff_"
	idSOS     = "msg_bot_emergency_"
)

// The bot's steps, saved in the triage record (Triage.BotStep).
const (
	stepAsked     = "asked"
	stepAnswered  = "answered"
	stepHandedOff = "handed_off"
)

// eventHead is what the bot looks at first of every message it is handed:
// later messages of a conversation it has just handed off are skipped
// without decoding the rest. (Messages of conversations already with a
// person never reach it: the recorder hands it only the others.)
type eventHead struct {
	Message *struct {
		ID             string `json:"id"`
		ConversationID string `json:"conversationId"`
		Author         struct {
			Kind civicdesk.AuthorKind `json:"kind"`
		} `json:"author"`
	} `json:"message"`
}

func (b *Bot) handle(ctx context.Context, d civicdesk.Delivery) error {
	var head eventHead
	if err := json.Unmarshal(d.Data, &head); err != nil || head.Message == nil {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "undecodable message event")
	}
	if head.Message.Author.Kind != civicdesk.AuthorCitizen {
		return nil
	}
	if forID, ok := b.handedOff.get(head.Message.ConversationID); ok && forID != head.Message.ID {
		return nil // handed off, not yet queued: see below
	}
	var ev civicdesk.Event
	if err := json.Unmarshal(d.Data, &ev); err != nil || ev.Message == nil {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "undecodable message event")
	}
	m := ev.Message
	conv, err := b.store.GetConversation(ctx, m.ConversationID)
	if err != nil {
		return fmt.Errorf("bot: conversation: %w", err)
	}
	if conv.State == civicdesk.StateQueued || conv.State == civicdesk.StateAssigned {
		return nil // with a person: nothing for the bot (checked before reading the history)
	}
	if t := conv.Triage; t != nil && t.BotStep == stepHandedOff && t.BotStepFor != m.ID {
		// Handed off for an earlier message, not yet queued: routing is
		// asked by the handling of that message, which is retried until
		// it has asked. Under a storm routing can lag by seconds, and
		// every message meanwhile would otherwise cost a history read and
		// another ask (and, remembered, a read of the conversation).
		b.handedOff.note(conv.ID, t.BotStepFor)
		return nil
	}
	history, err := b.store.ListMessages(ctx, conv.ID, 0, 0)
	if err != nil {
		return fmt.Errorf("bot: history: %w", err)
	}
	var citizen []string
	greeted, asked, answered, handedOff := false, false, false, false
	for _, h := range history {
		switch {
		case h.Author.Kind == civicdesk.AuthorCitizen && h.Seq <= m.Seq:
			citizen = append(citizen, h.Text)
		case strings.HasPrefix(h.ID, idAsk):
			asked = true
		case strings.HasPrefix(h.ID, idKB):
			answered = true
		case strings.HasPrefix(h.ID, idHandoff):
			handedOff = true
		}
		if h.Author.Kind == civicdesk.AuthorBot {
			greeted = true // the first bot message carries the greeting
		}
	}
	// The bot's own replies reach the history only after the recorder has
	// stored them, possibly after many more citizen messages (a backlog after
	// a restart): the step saved on the conversation before each reply is
	// what says what the bot has done. A redelivery of the message a step
	// was taken for repeats that step (its reply id makes it idempotent).
	if t := conv.Triage; t != nil && t.BotStep != "" {
		greeted = true
		if t.BotStepFor != m.ID {
			switch t.BotStep {
			case stepAsked:
				asked = true
			case stepAnswered:
				answered = true
			case stepHandedOff:
				handedOff = true
			}
		}
	}
	if handedOff && conv.State == civicdesk.StateBot && conv.Triage != nil {
		// A redelivery after the hand-off message: make sure routing was
		// asked (the dedupe id makes a second ask harmless).
		return b.publishHandoff(ctx, conv)
	}
	if !greeted && len(citizen) == 1 {
		// The first citizen message of a conversation: tell integrations.
		data, err := json.Marshal(civicdesk.Event{Type: "conversation.created", Conversation: &conv, At: conv.CreatedAt})
		if err != nil {
			return fmt.Errorf("bot: encode created: %w", err)
		}
		if _, _, err := b.bus.Publish(ctx, civicdesk.ConvSubject(civicdesk.VerbCreated, conv.ID), data, "created:"+conv.ID); err != nil {
			return err
		}
	}
	if conv.State != civicdesk.StateBot {
		return nil // with a person, or closed
	}
	// The latest message decides urgency and a wish for a person on its own;
	// the whole exchange decides the department.
	latest := b.triager.Triage(m.Text, string(m.Channel))
	t := latest
	if len(citizen) > 1 {
		t = b.triager.Triage(strings.Join(citizen, "\n"), string(m.Channel))
		t.WantsHuman = t.WantsHuman || latest.WantsHuman
		if latest.Urgency.Priority() > t.Urgency.Priority() {
			t.Urgency = latest.Urgency
		}
		t.Reasons = append(t.Reasons, fmt.Sprintf("triaged on %d citizen messages", len(citizen)))
	}
	if _, ok := b.cfg.Departments[t.Department]; !ok {
		t.Reasons = append(t.Reasons, fmt.Sprintf("department %q unknown here, sent to %s", t.Department, b.cfg.Fallback))
		t.Department = b.cfg.Fallback
	}
	lang := t.Language
	vars := map[string]string{"agency": b.cfg.Agency, "dept": b.cfg.Departments[t.Department]}
	greet := ""
	if !greeted {
		greet = phrase(lang, func(p phrases) string { return p.greet }, vars) + "\n"
	}

	ext := b.cfg.External
	if b.cfg.ExternalFrom != nil {
		if e := b.cfg.ExternalFrom(ctx); e != nil {
			ext = e
		}
	}
	if ext != nil && ext.URL != "" && t.Urgency != civicdesk.UrgencyEmergency && !t.WantsHuman {
		if handled, err := b.external(ctx, ext, conv, m, t, greet); handled || err != nil {
			return err
		}
	}
	switch {
	case t.Urgency == civicdesk.UrgencyEmergency:
		guidance := b.cfg.EmergencyGuidance
		if guidance == "" {
			guidance = phrase(lang, func(p phrases) string { return p.emergency }, vars)
		}
		if err := b.say(ctx, conv, idSOS+m.ID, guidance); err != nil {
			return err
		}
		return b.handoff(ctx, conv, m, t, "", idHandoff+m.ID, "")
	case t.WantsHuman:
		return b.handoff(ctx, conv, m, t, greet, idHandoff+m.ID, phrase(lang, func(p phrases) string { return p.handoffHuman }, vars))
	case answered && isThanks(m.Text):
		metrics.Triages.WithLabelValues(t.Department, "contained").Inc()
		return b.say(ctx, conv, idGlad+m.ID, phrase(lang, func(p phrases) string { return p.glad }, vars))
	case answered || asked:
		// One answer or one question at most: then a person.
		return b.handoff(ctx, conv, m, t, greet, idHandoff+m.ID, "")
	}
	if hit, ok := b.answer(m.Text, lang, t); ok {
		a := hit.Article
		text := greet + phrase(lang, func(p phrases) string { return p.kbAnswer }, map[string]string{
			"title": a.Title, "url": a.URL, "summary": a.Summary})
		t.Reasons = append(t.Reasons, fmt.Sprintf("answered from article %q (score %.1f; matched %s)", a.ID, hit.Score, strings.Join(hit.Matched, ", ")))
		if err := b.record(ctx, conv, t, stepAnswered, m.ID); err != nil {
			return err
		}
		return b.say(ctx, conv, idKB+m.ID, text)
	}
	if b.unsure(t, m.Text) {
		t.Reasons = append(t.Reasons, fmt.Sprintf("confidence %.2f below %.2f: asked one clarifying question", t.Confidence, b.cfg.ClarifyBelow))
		if err := b.record(ctx, conv, t, stepAsked, m.ID); err != nil {
			return err
		}
		return b.say(ctx, conv, idAsk+m.ID, greet+phrase(lang, func(p phrases) string { return p.clarify }, vars))
	}
	return b.handoff(ctx, conv, m, t, greet, idHandoff+m.ID, "")
}

// unsure reports whether the triage is too weak to hand off without asking:
// low confidence, or a short message that names no department at all.
func (b *Bot) unsure(t civicdesk.Triage, text string) bool {
	if t.Urgency != civicdesk.UrgencyNormal {
		return false
	}
	vague := t.Department == b.cfg.Fallback && t.Confidence < 0.7 && len(strings.Fields(text)) < 8
	return t.Confidence < b.cfg.ClarifyBelow || vague
}

// answer finds a knowledge-base article good enough to offer.
func (b *Bot) answer(text, lang string, t civicdesk.Triage) (kb.Hit, bool) {
	if b.kb == nil || t.Urgency != civicdesk.UrgencyNormal {
		return kb.Hit{}, false
	}
	for _, h := range b.kb.Search(text, baseLang(lang), 3) {
		if h.Score >= b.cfg.KBMinScore && len(h.Matched) >= b.cfg.KBMinTerms && h.Article.Department == t.Department {
			return h, true
		}
	}
	return kb.Hit{}, false
}

// record saves the triage on the conversation while it stays with the bot,
// with the step the bot is about to take for message msgID.
func (b *Bot) record(ctx context.Context, conv civicdesk.Conversation, t civicdesk.Triage, step, msgID string) error {
	t.BotStep, t.BotStepFor = step, msgID
	conv.Triage = &t
	conv.DepartmentID = t.Department
	conv.Priority = t.Urgency.Priority()
	conv.UpdatedAt = civicdesk.Now()
	if err := b.store.PutConversation(ctx, conv); err != nil {
		return fmt.Errorf("bot: save triage: %w", err)
	}
	return nil
}

// handoff records the triage with a summary, tells the citizen and asks
// routing to queue the conversation.
func (b *Bot) handoff(ctx context.Context, conv civicdesk.Conversation, m *civicdesk.Message, t civicdesk.Triage, greet, key, text string) error {
	if text == "" {
		text = phrase(t.Language, func(p phrases) string { return p.handoff }, map[string]string{"dept": b.cfg.Departments[t.Department]})
	}
	if t.Summary == "" {
		t.Summary = preview(m.Text)
	}
	metrics.Triages.WithLabelValues(t.Department, string(t.Urgency)).Inc()
	conv.LastMessage = preview(m.Text)
	if err := b.record(ctx, conv, t, stepHandedOff, m.ID); err != nil {
		return err
	}
	if err := b.say(ctx, conv, key, greet+text); err != nil {
		return err
	}
	t.BotStep, t.BotStepFor = stepHandedOff, m.ID
	conv.Triage, conv.DepartmentID, conv.Priority = &t, t.Department, t.Urgency.Priority()
	if err := b.publishHandoff(ctx, conv); err != nil {
		return err
	}
	b.handedOff.note(conv.ID, m.ID)
	return nil
}

// publishHandoff asks routing to queue conv, once (its dedupe id).
func (b *Bot) publishHandoff(ctx context.Context, conv civicdesk.Conversation) error {
	data, err := json.Marshal(civicdesk.Event{Type: "conversation.handoff", Conversation: &conv, At: civicdesk.Now()})
	if err != nil {
		return fmt.Errorf("bot: encode handoff: %w", err)
	}
	_, _, err = b.bus.Publish(ctx, civicdesk.ConvSubject(civicdesk.VerbHandoff, conv.ID), data, "handoff:"+conv.ID)
	return err
}

// say records a bot message in the conversation; id makes it idempotent.
func (b *Bot) say(ctx context.Context, conv civicdesk.Conversation, id, text string) error {
	m := civicdesk.Message{ID: id, ConversationID: conv.ID, ContactID: conv.ContactID,
		Author: civicdesk.Author{Kind: civicdesk.AuthorBot, Name: b.cfg.Name}, Text: text, CreatedAt: civicdesk.Now(), Channel: conv.Channel}
	data, err := json.Marshal(civicdesk.InboundMessage{Message: m})
	if err != nil {
		return fmt.Errorf("bot: encode reply: %w", err)
	}
	_, _, err = b.bus.Publish(ctx, civicdesk.InboundSubject(civicdesk.SourceBot, conv.ID), data, id)
	return err
}

func preview(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 140 {
		return string(r[:140]) + "…"
	}
	return s
}
