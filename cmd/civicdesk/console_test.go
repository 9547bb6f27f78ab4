package main

import (
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

// The supervisor console's own endpoints: every open conversation, the
// charts' history of queue length and service level, and how long each
// agent has been in its status.
func TestSupervisorConsoleHistoryConversationsAndStatusSince(t *testing.T) {
	base, _, _ := startMain(t, t.TempDir())
	sup := login(t, base, "supervisor@demo.gov")

	type sample struct {
		At           time.Time `json:"at"`
		Waiting      int       `json:"waiting"`
		ServiceLevel float64   `json:"serviceLevel"`
		Answered     int       `json:"answered"`
	}
	var hist struct {
		StepSeconds int      `json:"stepSeconds"`
		Samples     []sample `json:"samples"`
	}
	last := func() sample {
		sup.must("GET", "/api/v1/supervisor/stats/history?step=60&since="+time.Now().Add(-30*time.Minute).UTC().Format(time.RFC3339), nil, &hist, 200)
		if hist.StepSeconds != 60 || len(hist.Samples) < 30 || len(hist.Samples) > 32 {
			t.Fatalf("step %d with %d samples over 30 minutes", hist.StepSeconds, len(hist.Samples))
		}
		for i := 1; i < len(hist.Samples); i++ {
			if !hist.Samples[i].At.After(hist.Samples[i-1].At) {
				t.Fatalf("samples out of order at %d: %+v", i, hist.Samples)
			}
		}
		return hist.Samples[len(hist.Samples)-1]
	}
	if s := last(); s.Waiting != 0 || s.ServiceLevel != 1 || s.Answered != 0 {
		t.Fatalf("empty floor: %+v", s)
	}

	// No caseworker is signed in: two citizens wait in the queue.
	for i := range 2 {
		var sess session
		api{t: t, base: base}.must("POST", "/api/v1/widget/sessions", map[string]string{}, &sess, 201)
		api{t: t, base: base, token: sess.VisitorToken}.must("POST", "/api/v1/widget/messages",
			map[string]string{"clientMessageId": uuid(100 + i), "text": "I want to talk to a person about my water bill"}, nil, 202)
	}
	var open struct {
		Conversations []civicdesk.Conversation `json:"conversations"`
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		sup.must("GET", "/api/v1/supervisor/conversations?state=queued", nil, &open, 200)
		if len(open.Conversations) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queued = %+v", open.Conversations)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if open.Conversations[0].LastMessage == "" {
		t.Errorf("the console's list lacks the citizen's latest words: %+v", open.Conversations[0])
	}
	if s := last(); s.Waiting != 2 {
		t.Fatalf("with two waiting: %+v", s)
	}
	var dept struct {
		Samples []sample `json:"samples"`
	}
	sup.must("GET", "/api/v1/supervisor/stats/history?departmentId=taxes", nil, &dept, 200)
	if s := dept.Samples[len(dept.Samples)-1]; s.Waiting != 0 {
		t.Fatalf("taxes has no one waiting, got %+v", s)
	}

	// A caseworker signs in and takes both, well within the target.
	agent := login(t, base, "agent1@demo.gov")
	deadline = time.Now().Add(15 * time.Second)
	for {
		sup.must("GET", "/api/v1/supervisor/conversations", nil, &open, 200)
		n := 0
		for _, cv := range open.Conversations {
			if cv.State == civicdesk.StateAssigned && cv.AssignedAgentID == "ag_agent1" {
				n++
			}
		}
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("open = %+v", open.Conversations)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s := last(); s.Waiting != 0 || s.Answered != 2 || s.ServiceLevel != 1 {
		t.Fatalf("after answering: %+v", s)
	}

	// Time in status: known from the sign-in on.
	var agents struct {
		Agents []struct {
			ID          string     `json:"id"`
			Status      string     `json:"status"`
			StatusSince *time.Time `json:"statusSince"`
		} `json:"agents"`
	}
	// The time is known once this replica's desk has seen the status
	// event, which may trail the routing that already assigned both.
	found := false
	for deadline := time.Now().Add(10 * time.Second); !found; time.Sleep(100 * time.Millisecond) {
		sup.must("GET", "/api/v1/supervisor/agents", nil, &agents, 200)
		for _, a := range agents.Agents {
			if a.ID != "ag_agent1" {
				continue
			}
			if a.Status != "available" || (a.StatusSince != nil && time.Since(*a.StatusSince) > time.Minute) {
				t.Fatalf("agent1 = %+v", a)
			}
			found = a.StatusSince != nil
		}
		if !found && time.Now().After(deadline) {
			t.Fatalf("agent1 without a time in status in %+v", agents.Agents)
		}
	}

	// Bad input is a clear 400; caseworkers may not look.
	for _, q := range []string{"step=5", "step=x", "since=yesterday", "since=2000-01-01T00:00:00Z", "departmentId=nope"} {
		sup.must("GET", "/api/v1/supervisor/stats/history?"+q, nil, nil, 400)
	}
	sup.must("GET", "/api/v1/supervisor/conversations?state=bot", nil, nil, 400)
	agent.must("GET", "/api/v1/supervisor/conversations", nil, nil, 403)
	agent.must("GET", "/api/v1/supervisor/stats/history", nil, nil, 403)
}
