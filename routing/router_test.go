package routing

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/natsbus"
	"github.com/civicdesk/civicdesk/internal/sqlitestore"
	"github.com/civicdesk/civicdesk/internal/testworld"
)

// harness runs routers against an embedded NATS server and an SQLite store
// and records every event and system message they publish.
type harness struct {
	t     *testing.T
	store *sqlitestore.Store
	bus   *natsbus.Bus
	cfg   Config
	stop  func()

	mu     sync.Mutex
	events []civicdesk.Event
	system []civicdesk.Message
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	_, bus := testworld.Bus(t)
	store := testworld.Store(t)
	ctx := context.Background()
	if cfg.Tick == 0 {
		cfg.Tick = 20 * time.Millisecond
	}
	h := &harness{t: t, store: store, bus: bus, cfg: cfg}
	for _, subj := range []string{civicdesk.SubjectsConv, civicdesk.SubjectsAgent} {
		unsub, err := bus.Subscribe(subj, func(_ string, data []byte) {
			var ev civicdesk.Event
			if json.Unmarshal(data, &ev) == nil {
				h.mu.Lock()
				h.events = append(h.events, ev)
				h.mu.Unlock()
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(unsub)
	}
	unsub, err := bus.Subscribe("cd.in.system.>", func(_ string, data []byte) {
		var in civicdesk.InboundMessage
		if json.Unmarshal(data, &in) == nil {
			h.mu.Lock()
			h.system = append(h.system, in.Message)
			h.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unsub)
	for _, d := range []string{"benefits", "general"} {
		must(t, store.PutDepartment(ctx, civicdesk.Department{ID: d, Name: strings.ToUpper(d[:1]) + d[1:]}))
	}
	return h
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// start runs a router until stopped (or the test ends).
func (h *harness) start() {
	h.t.Helper()
	r, err := New(h.cfg, h.store, h.bus, slog.New(slog.NewTextHandler(io.Discard, nil)))
	must(h.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	h.stop = func() {
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("router: %v", err)
		}
		h.stop = func() {}
	}
	h.t.Cleanup(func() { h.stop() })
}

func (h *harness) agent(id string, status civicdesk.AgentStatus, depts ...string) {
	must(h.t, h.store.PutAgent(context.Background(), civicdesk.Agent{ID: id, Name: id, Email: id + "@test.gov", Role: civicdesk.RoleCaseworker,
		Departments: depts, Languages: []string{"en"}, Status: status}))
}

func (h *harness) publish(subject string, ev civicdesk.Event) {
	h.t.Helper()
	ev.At = civicdesk.Now()
	data, err := json.Marshal(ev)
	must(h.t, err)
	_, _, err = h.bus.Publish(context.Background(), subject, data, "")
	must(h.t, err)
}

func (h *harness) status(id string, s civicdesk.AgentStatus) {
	must(h.t, h.store.SetAgentStatus(context.Background(), id, s))
	h.publish(civicdesk.AgentStatusSubject(id), civicdesk.Event{Type: "agent.status", AgentID: id, Status: s})
}

// handoff opens a conversation as the bot leaves it and hands it off.
func (h *harness) handoff(id, contact, dept string) {
	h.t.Helper()
	now := civicdesk.Now()
	c := civicdesk.Conversation{ID: id, ContactID: contact, Channel: civicdesk.ChannelWebchat, State: civicdesk.StateBot, DepartmentID: dept,
		Priority: 10, Triage: &civicdesk.Triage{Department: dept, Urgency: civicdesk.UrgencyNormal, Language: "en"}, CreatedAt: now, UpdatedAt: now}
	_, _, err := h.store.OpenConversation(context.Background(), c)
	must(h.t, err)
	h.publish(civicdesk.ConvSubject(civicdesk.VerbHandoff, id), civicdesk.Event{Type: "conversation.handoff", Conversation: &c})
}

func (h *harness) request(id string, ev civicdesk.Event) {
	c, err := h.store.GetConversation(context.Background(), id)
	must(h.t, err)
	ev.Type, ev.Conversation = "conversation.transfer", &c
	h.publish(civicdesk.ConvSubject(civicdesk.VerbTransfer, id), ev)
}

// waitConv waits until the stored conversation satisfies ok.
func (h *harness) waitConv(id, what string, ok func(c civicdesk.Conversation) bool) civicdesk.Conversation {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := h.store.GetConversation(context.Background(), id)
		must(h.t, err)
		if ok(c) {
			return c
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: %s never happened; conversation %+v", id, what, c)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func assignedTo(agent string) func(c civicdesk.Conversation) bool {
	return func(c civicdesk.Conversation) bool {
		return c.State == civicdesk.StateAssigned && c.AssignedAgentID == agent
	}
}

func (h *harness) waitEvent(what string, ok func(ev civicdesk.Event) bool) civicdesk.Event {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.mu.Lock()
		for _, ev := range h.events {
			if ok(ev) {
				h.mu.Unlock()
				return ev
			}
		}
		h.mu.Unlock()
		if time.Now().After(deadline) {
			h.t.Fatalf("no event: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRouterAssignsRecordsAndRequeuesAfterGrace(t *testing.T) {
	h := newHarness(t, Config{OfflineGrace: 300 * time.Millisecond})
	h.agent("a1", civicdesk.StatusAvailable, "benefits")
	h.agent("a2", civicdesk.StatusOffline, "benefits")
	h.start()
	h.handoff("cv_1", "ct_1", "benefits")
	c := h.waitConv("cv_1", "assigned to a1", assignedTo("a1"))
	if len(c.Decisions) != 2 || c.Decisions[0].Kind != "queue" || c.Decisions[1].Kind != "assign" || c.QueuedAt == nil || c.AssignedAt == nil {
		t.Fatalf("decisions = %+v", c.Decisions)
	}
	if cands := c.Decisions[1].Candidates; len(cands) != 2 || cands[1].AgentID != "a2" || cands[1].Eligible || cands[1].Why != "offline" {
		t.Fatalf("candidates = %+v", cands)
	}
	h.waitEvent("conversation.assigned", func(ev civicdesk.Event) bool {
		return ev.Type == "conversation.assigned" && ev.Conversation.ID == "cv_1" && ev.Conversation.AssignedAgentID == "a1"
	})
	// a1 goes offline and a2 comes: after the grace a2 has it.
	h.status("a2", civicdesk.StatusAvailable)
	h.status("a1", civicdesk.StatusOffline)
	c = h.waitConv("cv_1", "re-queued to a2", assignedTo("a2"))
	if got := c.Decisions[len(c.Decisions)-2]; got.Kind != "requeue" || got.AgentID != "a1" {
		t.Fatalf("requeue decision = %+v", got)
	}
	h.waitEvent("queued with previousAgentId", func(ev civicdesk.Event) bool {
		return ev.Type == "conversation.queued" && ev.PreviousAgentID == "a1"
	})

	// A second conversation waits (a2 is the only one, at capacity 1 here
	// by closing it later); positions are announced.
	h.status("a2", civicdesk.StatusAway)
	h.handoff("cv_2", "ct_2", "benefits")
	h.waitEvent("position 1", func(ev civicdesk.Event) bool {
		return ev.Type == "conversation.queued" && ev.Conversation.ID == "cv_2" && ev.Position == 1
	})
	// Routing restarts: the waiting conversation is rebuilt and routed
	// when someone comes.
	h.stop()
	h.start()
	h.status("a1", civicdesk.StatusAvailable)
	h.waitConv("cv_2", "assigned after restart", assignedTo("a1"))
	// The citizen of cv_1 comes back: sticky to a2 once it is back.
	h.status("a2", civicdesk.StatusAvailable)
	cv1, err := h.store.GetConversation(context.Background(), "cv_1")
	must(t, err)
	now := civicdesk.Now()
	cv1.State, cv1.ClosedAt = civicdesk.StateClosed, &now
	must(t, h.store.PutConversation(context.Background(), cv1))
	h.publish(civicdesk.ConvSubject(civicdesk.VerbClosed, "cv_1"), civicdesk.Event{Type: "conversation.closed", Conversation: &cv1})
	h.handoff("cv_3", "ct_1", "benefits")
	c = h.waitConv("cv_3", "sticky to a2", assignedTo("a2"))
	if c.Decisions[len(c.Decisions)-1].Rule != "sticky" {
		t.Fatalf("decision = %+v", c.Decisions[len(c.Decisions)-1])
	}
}

func TestRouterOffersDeclineMissAndAccept(t *testing.T) {
	h := newHarness(t, Config{Default: Department{Mode: Offer, OfferTimeout: time.Second}, MaxMissedOffers: 1})
	h.agent("a1", civicdesk.StatusAvailable, "benefits")
	h.agent("a2", civicdesk.StatusAvailable, "benefits")
	h.start()
	h.handoff("cv_1", "ct_1", "benefits")
	c := h.waitConv("cv_1", "offered", func(c civicdesk.Conversation) bool { return c.OfferedAgentID != "" })
	first := c.OfferedAgentID
	if c.State != civicdesk.StateQueued || c.OfferExpiresAt == nil {
		t.Fatalf("offered conversation = %+v", c)
	}
	h.waitEvent("conversation.offered", func(ev civicdesk.Event) bool {
		return ev.Type == "conversation.offered" && ev.AgentID == first && ev.Conversation.OfferedAgentID == first
	})
	h.request("cv_1", civicdesk.Event{AgentID: first, Reason: civicdesk.ReasonDeclined})
	c = h.waitConv("cv_1", "offered to the other", func(c civicdesk.Conversation) bool { return c.OfferedAgentID != "" && c.OfferedAgentID != first })
	second := c.OfferedAgentID
	h.waitEvent("offer ended", func(ev civicdesk.Event) bool {
		return ev.Type == "conversation.offer_ended" && ev.AgentID == first && ev.Reason == civicdesk.ReasonDeclined
	})
	// The second lets it time out: it is set away and told why.
	h.waitEvent("agent set away", func(ev civicdesk.Event) bool {
		return ev.Type == "agent.status" && ev.AgentID == second && ev.Status == civicdesk.StatusAway && strings.Contains(ev.Reason, "unanswered")
	})
	a, err := h.store.GetAgent(context.Background(), second)
	must(t, err)
	if a.Status != civicdesk.StatusAway {
		t.Fatalf("%s status = %s", second, a.Status)
	}
	// The first takes it from the queue after all.
	h.request("cv_1", civicdesk.Event{AgentID: first, Reason: civicdesk.ReasonAccepted})
	c = h.waitConv("cv_1", "accepted", assignedTo(first))
	if c.OfferedAgentID != "" || c.OfferExpiresAt != nil {
		t.Fatalf("accepted conversation keeps its offer: %+v", c)
	}
	// Transfer to general: nobody there; it waits in general's queue.
	h.request("cv_1", civicdesk.Event{DepartmentID: "general", Reason: "transfer"})
	h.waitConv("cv_1", "queued in general", func(c civicdesk.Conversation) bool {
		return c.State == civicdesk.StateQueued && c.DepartmentID == "general" && c.AssignedAgentID == ""
	})
}

func TestRouterAfterHoursTellsCitizen(t *testing.T) {
	tomorrow := time.Now().UTC().Add(24 * time.Hour)
	hours := &Hours{}
	hours.Week[tomorrow.Weekday()] = []Span{{"09:00", "17:00"}}
	h := newHarness(t, Config{Departments: map[string]Department{"benefits": {Hours: hours}}})
	h.agent("a1", civicdesk.StatusAvailable, "benefits")
	h.start()
	h.handoff("cv_1", "ct_1", "benefits")
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.mu.Lock()
		n := len(h.system)
		h.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no after-hours message")
		}
		time.Sleep(10 * time.Millisecond)
	}
	m := h.system[0]
	if m.Author.Kind != civicdesk.AuthorSystem || !strings.Contains(m.Text, "Benefits office is closed") || !strings.Contains(m.Text, "09:00") || m.ConversationID != "cv_1" {
		t.Fatalf("after-hours message = %+v", m)
	}
	c := h.waitConv("cv_1", "queued", func(c civicdesk.Conversation) bool { return c.State == civicdesk.StateQueued })
	if !strings.Contains(c.Decisions[0].Why, "office is closed") {
		t.Fatalf("decision = %+v", c.Decisions[0])
	}
	ev := h.waitEvent("queued with the wait until opening", func(ev civicdesk.Event) bool {
		return ev.Type == "conversation.queued" && ev.Position == 1
	})
	if ev.EstimatedWaitSeconds < 60 {
		t.Fatalf("estimate = %d", ev.EstimatedWaitSeconds)
	}
}
