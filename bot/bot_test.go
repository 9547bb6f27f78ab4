package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/bot/kb"
	"github.com/civicdesk/civicdesk/bot/local"
	"github.com/civicdesk/civicdesk/internal/natsbus"
	"github.com/civicdesk/civicdesk/internal/sqlitestore"
	"github.com/civicdesk/civicdesk/internal/testworld"
)

// harness runs the bot against an embedded NATS server and an SQLite store,
// and records citizen messages the way the recorder does.
type harness struct {
	t     *testing.T
	bot   *Bot
	store *sqlitestore.Store
	bus   *natsbus.Bus
	conv  civicdesk.Conversation
	seq   uint64

	mu       sync.Mutex
	said     []civicdesk.Message
	handoffs int
	lagging  bool // bot replies are not stored: a recorder far behind
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	_, bus := testworld.Bus(t)
	store := testworld.Store(t)
	log := testworld.Quiet()
	ctx := context.Background()
	tr, err := local.New()
	if err != nil {
		t.Fatal(err)
	}
	knowledge, err := kb.Demo()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{"benefits": "Benefits", "taxes": "Taxes", "vehicles": "Vehicles", "permits": "Permits",
		"housing": "Housing", "utilities": "Utilities", "general": "General"}
	b, err := New(Config{Departments: names}, tr, knowledge, store, bus, log)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, bot: b, store: store, bus: bus}
	now := civicdesk.Now()
	h.conv, _, err = store.OpenConversation(ctx, civicdesk.Conversation{ID: civicdesk.NewID("cv"), ContactID: "ct_1",
		Channel: civicdesk.ChannelSMS, State: civicdesk.StateBot, Priority: 10, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	// Bot replies are recorded as the recorder would, so the history is real.
	unsub, err := bus.Subscribe("cd.in.bot.>", func(_ string, data []byte) {
		var in civicdesk.InboundMessage
		if json.Unmarshal(data, &in) != nil {
			return
		}
		h.mu.Lock()
		h.seq++
		in.Message.Seq = h.seq
		h.said = append(h.said, in.Message)
		lagging := h.lagging
		h.mu.Unlock()
		if !lagging {
			_, _ = store.InsertMessage(context.Background(), in.Message)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unsub)
	unsub2, err := bus.Subscribe("cd.conv.handoff.>", func(string, []byte) {
		h.mu.Lock()
		h.handoffs++
		h.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unsub2)
	return h
}

// write records a citizen message and runs the bot on it.
func (h *harness) write(text string) civicdesk.Message {
	h.t.Helper()
	h.mu.Lock()
	h.seq++
	m := civicdesk.Message{ID: civicdesk.NewID("msg"), ConversationID: h.conv.ID, ContactID: "ct_1", Author: civicdesk.Author{Kind: civicdesk.AuthorCitizen},
		Text: text, CreatedAt: civicdesk.Now(), Channel: civicdesk.ChannelSMS, Seq: h.seq}
	h.mu.Unlock()
	if _, err := h.store.InsertMessage(context.Background(), m); err != nil {
		h.t.Fatal(err)
	}
	h.deliver(m)
	return m
}

// deliver runs the bot on a recorded message (again, for a redelivery).
func (h *harness) deliver(m civicdesk.Message) {
	h.t.Helper()
	data, _ := json.Marshal(civicdesk.Event{Type: "message", Message: &m})
	if err := h.bot.handle(context.Background(), civicdesk.Delivery{Subject: civicdesk.ConvSubject("message", h.conv.ID), Data: data, Seq: m.Seq}); err != nil {
		h.t.Fatal(err)
	}
}

// replies waits until the bot has said n messages in all and returns them.
func (h *harness) replies(n int) []civicdesk.Message {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		h.mu.Lock()
		got := append([]civicdesk.Message(nil), h.said...)
		h.mu.Unlock()
		if len(got) >= n {
			if len(got) > n {
				h.t.Fatalf("bot said %d messages, want %d: %+v", len(got), n, got)
			}
			return got
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("bot said %d messages, want %d: %+v", len(got), n, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) handedOff() int {
	time.Sleep(50 * time.Millisecond)
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.handoffs
}

func (h *harness) triage() civicdesk.Triage {
	c, err := h.store.GetConversation(context.Background(), h.conv.ID)
	if err != nil || c.Triage == nil {
		h.t.Fatalf("no triage recorded: %v", err)
	}
	return *c.Triage
}

func TestAskingForAPersonHandsOffAtOnceInTheirLanguage(t *testing.T) {
	h := newHarness(t)
	h.write("quiero hablar con una persona sobre mi licencia de conducir")
	r := h.replies(1)
	if !strings.Contains(r[0].Text, "persona") || !strings.Contains(r[0].Text, "asistente automático") {
		t.Fatalf("reply = %q, want a Spanish hand-off with the disclosure", r[0].Text)
	}
	if h.handedOff() != 1 {
		t.Fatal("no hand-off published")
	}
	tr := h.triage()
	if !tr.WantsHuman || tr.Language != "es" || tr.Summary == "" {
		t.Fatalf("triage = %+v", tr)
	}
}

func TestEmergencyGetsGuidanceAndTopPriority(t *testing.T) {
	h := newHarness(t)
	h.write("my neighbor is threatening to kill his wife, I can hear her screaming")
	r := h.replies(2)
	if !strings.Contains(r[0].Text, "911") || !strings.Contains(r[0].Text, "988") {
		t.Fatalf("first reply = %q, want the emergency guidance", r[0].Text)
	}
	if h.handedOff() != 1 {
		t.Fatal("emergency not handed off")
	}
	c, _ := h.store.GetConversation(context.Background(), h.conv.ID)
	if c.Priority != civicdesk.UrgencyEmergency.Priority() || c.Triage.Urgency != civicdesk.UrgencyEmergency {
		t.Fatalf("priority %d urgency %s", c.Priority, c.Triage.Urgency)
	}
}

func TestKnowledgeAnswerThenThanksIsContained(t *testing.T) {
	h := newHarness(t)
	h.write("my water bill doubled, can I get a payment plan?")
	r := h.replies(1)
	if !strings.Contains(r[0].Text, "Payment plans") || !strings.Contains(r[0].Text, "https://www.example.gov/en/help/utilities/payment-plans") {
		t.Fatalf("reply = %q, want the payment plan article", r[0].Text)
	}
	tr := h.triage()
	if tr.Department != "utilities" || !strings.Contains(strings.Join(tr.Reasons, ";"), "payment-plans") {
		t.Fatalf("triage = %+v", tr)
	}
	h.write("thanks!")
	r = h.replies(2)
	if !strings.Contains(r[1].Text, "Glad") || h.handedOff() != 0 {
		t.Fatalf("after thanks: %q, handoffs %d", r[1].Text, h.handedOff())
	}
}

func TestKnowledgeAnswerNotEnoughGoesToAPerson(t *testing.T) {
	h := newHarness(t)
	h.write("my water bill doubled, can I get a payment plan?")
	h.replies(1)
	h.write("I already have a plan but they still sent a bill for $900")
	r := h.replies(2)
	if h.handedOff() != 1 || !strings.Contains(r[1].Text, "Utilities") {
		t.Fatalf("follow-up: %q, handoffs %d", r[1].Text, h.handedOff())
	}
	if h.triage().Department != "utilities" {
		t.Fatalf("department %s", h.triage().Department)
	}
}

// TestBacklogBeforeRepliesAreRecordedStillHandsOff is the restart after a
// crash: the bot works through a citizen's backlog faster than the recorder
// stores its own replies, so the history never shows them. It must still
// answer once and then hand off, not answer every message.
func TestBacklogBeforeRepliesAreRecordedStillHandsOff(t *testing.T) {
	h := newHarness(t)
	h.lagging = true
	h.write("my water bill doubled, can I get a payment plan?")
	h.replies(1)
	h.write("the bill is still wrong")
	h.write("hello?")
	h.write("anyone there?")
	r := h.replies(2)
	if !strings.HasPrefix(r[0].ID, idKB) || !strings.HasPrefix(r[1].ID, idHandoff) {
		t.Fatalf("replies %s, %s: want one answer then the hand-off", r[0].ID, r[1].ID)
	}
	if strings.Contains(r[1].Text, "automated assistant") {
		t.Fatal("greeted twice")
	}
	if h.handedOff() == 0 || h.triage().BotStep != stepHandedOff {
		t.Fatalf("handoffs %d, triage %+v", h.handedOff(), h.triage())
	}
}

// Routing can lag the bot by seconds in a storm: the citizen's next messages
// must not each read the history and ask routing again, and a redelivery of
// the message the hand-off was for must.
func TestMessagesAfterTheHandOffWaitForRouting(t *testing.T) {
	h := newHarness(t)
	first := h.write("I want to talk to a person about my tax bill")
	h.replies(1)
	if n := h.handedOff(); n != 1 {
		t.Fatalf("%d hand-offs published, want 1", n)
	}
	for _, text := range []string{"hello?", "is anyone there", "my account number is 1234"} {
		h.write(text)
	}
	if n := h.handedOff(); n != 1 {
		t.Fatalf("%d hand-offs published while routing had not queued it, want still 1", n)
	}
	h.deliver(first) // as if its first handling had failed after the step was saved
	if n := h.handedOff(); n != 2 {
		t.Fatalf("%d hand-offs published after the redelivery, want 2", n)
	}
	h.replies(1)
}

func TestUnclearMessageGetsOneQuestionThenAPerson(t *testing.T) {
	h := newHarness(t)
	h.write("hello??")
	r := h.replies(1)
	if !strings.Contains(r[0].Text, "right team") {
		t.Fatalf("reply = %q, want a clarifying question", r[0].Text)
	}
	h.write("its about my property tax bill")
	r = h.replies(2)
	if h.handedOff() != 1 || h.triage().Department != "taxes" {
		t.Fatalf("after clarifying: %q, handoffs %d, triage %+v", r[1].Text, h.handedOff(), h.triage())
	}
	if strings.Contains(r[1].Text, "automated assistant") {
		t.Fatal("greeted twice")
	}
}

func TestExternalBotRepliesHandsOffOrFallsBack(t *testing.T) {
	var mu sync.Mutex
	answer := `{"action":"reply","text":"Rasa here: office hours are 9 to 5."}`
	delay := time.Duration(0)
	var seen []ExternalRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req ExternalRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		seen = append(seen, req)
		a, d := answer, delay
		mu.Unlock()
		if r.Header.Get("CivicDesk-Signature") == "" {
			http.Error(w, "unsigned", http.StatusUnauthorized)
			return
		}
		time.Sleep(d)
		_, _ = w.Write([]byte(a))
	}))
	defer srv.Close()

	h := newHarness(t)
	h.bot.cfg.External = &External{URL: srv.URL, Secret: "s3cret-s3cret-s3cret", Timeout: 300 * time.Millisecond}
	h.write("when is the office open? my SSN is 123-45-6789")
	r := h.replies(1)
	if !strings.Contains(r[0].Text, "Rasa here") || !strings.Contains(r[0].Text, "automated assistant") {
		t.Fatalf("reply = %q", r[0].Text)
	}
	mu.Lock()
	if len(seen) != 1 || strings.Contains(seen[0].Text, "123-45-6789") || !strings.Contains(seen[0].Text, "[SSN]") {
		t.Fatalf("external bot saw %+v", seen)
	}
	answer = `{"action":"handoff","department":"housing","urgency":"high","summary":"needs housing help"}`
	mu.Unlock()
	h.write("ok but I have a different question")
	h.replies(2)
	if h.handedOff() != 1 || h.triage().Department != "housing" || h.triage().Urgency != civicdesk.UrgencyHigh {
		t.Fatalf("after external hand-off: %+v", h.triage())
	}

	// A slow external bot: the built-in bot answers instead.
	h2 := newHarness(t)
	h2.bot.cfg.External = &External{URL: srv.URL, Secret: "s3cret-s3cret-s3cret", Timeout: 100 * time.Millisecond}
	mu.Lock()
	delay, answer = 500*time.Millisecond, `{"action":"reply","text":"too late"}`
	mu.Unlock()
	h2.write("my water bill doubled, can I get a payment plan?")
	if r := h2.replies(1); !strings.Contains(r[0].Text, "Payment plans") {
		t.Fatalf("fallback reply = %q", r[0].Text)
	}
	// Emergencies never go to the external bot.
	mu.Lock()
	before := len(seen)
	mu.Unlock()
	h3 := newHarness(t)
	h3.bot.cfg.External = &External{URL: srv.URL, Timeout: 100 * time.Millisecond}
	h3.write("there is a fire in my building and people are trapped")
	h3.replies(2)
	mu.Lock()
	after := len(seen)
	mu.Unlock()
	if after != before {
		t.Fatal("an emergency was sent to the external bot")
	}
}
