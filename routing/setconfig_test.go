package routing

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

// closedAllWeek has no opening span on any day: the office never opens.
var closedAllWeek = &Hours{TimeZone: "UTC"}

// runRouter runs r until the test ends.
func runRouter(t *testing.T, r *Router) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("router: %v", err)
		}
	})
}

func TestRouterSetConfigClosesAndOpensLive(t *testing.T) {
	h := newHarness(t, Config{})
	h.agent("a1", civicdesk.StatusAvailable, "benefits")
	base := Config{Tick: 20 * time.Millisecond}
	closed, err := base.WithDepartments(map[string]Department{"benefits": {Hours: closedAllWeek}})
	must(t, err)
	r, err := New(base, h.store, h.bus, slog.New(slog.NewTextHandler(io.Discard, nil)))
	must(t, err)
	runRouter(t, r)

	// Closed live: a new conversation waits although a1 is free.
	must(t, r.SetConfig(context.Background(), closed))
	h.handoff("cv_1", "ct_1", "benefits")
	h.waitConv("cv_1", "queued", func(c civicdesk.Conversation) bool { return c.State == civicdesk.StateQueued })
	time.Sleep(200 * time.Millisecond) // ten ticks: still not assigned
	if c, _ := h.store.GetConversation(context.Background(), "cv_1"); c.State != civicdesk.StateQueued || c.AssignedAgentID != "" {
		t.Fatalf("closed office assigned: %+v", c)
	}
	if d := c1Decisions(t, h); !strings.Contains(d, "office is closed") {
		t.Fatalf("queue decision does not say the office is closed: %s", d)
	}

	// A bad configuration is refused and changes nothing.
	bad := base
	bad.Departments = map[string]Department{"benefits": {Strategy: "fastest"}}
	if err := r.SetConfig(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "unknown strategy") {
		t.Fatalf("bad config: %v", err)
	}
	if r.Config().Departments["benefits"].Hours == nil {
		t.Fatal("a refused configuration replaced the one in force")
	}

	// Opened live: the waiting conversation is routed at once.
	must(t, r.SetConfig(context.Background(), base))
	h.waitConv("cv_1", "assigned to a1 once open", assignedTo("a1"))
}

func c1Decisions(t *testing.T, h *harness) string {
	c, err := h.store.GetConversation(context.Background(), "cv_1")
	must(t, err)
	var out []string
	for _, d := range c.Decisions {
		out = append(out, d.Kind+": "+d.Why)
	}
	return strings.Join(out, " | ")
}

// A router that does not own routing yet keeps the configuration and starts
// with it.
func TestRouterSetConfigBeforeRun(t *testing.T) {
	h := newHarness(t, Config{})
	h.agent("a1", civicdesk.StatusAvailable, "benefits")
	base := Config{Tick: 20 * time.Millisecond}
	r, err := New(base, h.store, h.bus, slog.New(slog.NewTextHandler(io.Discard, nil)))
	must(t, err)
	closed, err := base.WithDepartments(map[string]Department{"benefits": {Hours: closedAllWeek}})
	must(t, err)
	must(t, r.SetConfig(context.Background(), closed))
	runRouter(t, r)
	h.handoff("cv_1", "ct_1", "benefits")
	h.waitConv("cv_1", "queued", func(c civicdesk.Conversation) bool { return c.State == civicdesk.StateQueued })
	time.Sleep(200 * time.Millisecond)
	if c, _ := h.store.GetConversation(context.Background(), "cv_1"); c.State != civicdesk.StateQueued {
		t.Fatalf("closed office assigned: %+v", c)
	}
}

func TestConfigWithDepartmentsAndEffective(t *testing.T) {
	base := Config{Default: Department{Strategy: LeastBusy, OfferTimeout: 20 * time.Second},
		Departments: map[string]Department{"tax": {Mode: Offer}}}
	c, err := base.WithDepartments(map[string]Department{"benefits": {Strategy: RoundRobin, ServiceLevelTarget: 90 * time.Second, ServiceLevelGoal: 0.9}})
	must(t, err)
	if _, ok := base.Departments["benefits"]; ok {
		t.Fatal("WithDepartments changed its receiver")
	}
	if c.Departments["tax"].Mode != Offer {
		t.Fatal("the file's other departments were lost")
	}
	eff, err := c.Effective("benefits")
	must(t, err)
	if eff.Strategy != RoundRobin || eff.Mode != Direct || eff.OfferTimeout != 20*time.Second || eff.ServiceLevelTarget != 90*time.Second || eff.ServiceLevelGoal != 0.9 || len(eff.Escalation) != 2 {
		t.Fatalf("effective = %+v", eff)
	}
	if eff, _ := c.Effective("unknown"); eff.Strategy != LeastBusy {
		t.Fatalf("a department without settings does not take the default: %+v", eff)
	}
	for name, d := range map[string]Department{
		"strategy":      {Strategy: "fastest"},
		"mode":          {Mode: "maybe"},
		"offer timeout": {OfferTimeout: time.Millisecond},
		"goal":          {ServiceLevelGoal: 1.5},
		"target":        {ServiceLevelTarget: -time.Second},
		"time zone":     {Hours: &Hours{TimeZone: "Mars/Olympus"}},
		"hours":         {Hours: &Hours{Week: [7][]Span{1: {{From: "17:00", To: "09:00"}}}}},
		"holiday":       {Hours: &Hours{Holidays: []string{"25/12/2026"}}},
	} {
		if _, err := base.WithDepartments(map[string]Department{"benefits": d}); err == nil {
			t.Errorf("%s: a bad setting was accepted", name)
		}
	}
}
