package sqlitestore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/sqlitestore"
)

// newStore opens a store in a fresh directory, closed when the test ends.
func newStore(t *testing.T) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.New(context.Background(), sqlitestore.Config{Path: filepath.Join(t.TempDir(), "cd.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// InsertMessages is the recorder's batch write: one transaction, each
// message stored once, redeliveries (inside or across batches) harmless.
func TestInsertMessagesBatch(t *testing.T) {
	ctx, s := context.Background(), newStore(t)
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	msg := func(i int) civicdesk.Message {
		return civicdesk.Message{ID: fmt.Sprintf("msg_%03d", i), ConversationID: "cv_1", Author: civicdesk.Author{Kind: civicdesk.AuthorCitizen},
			Text: fmt.Sprintf("text %d", i), CreatedAt: at, Channel: civicdesk.ChannelWebchat, Seq: uint64(100 + i)}
	}
	if _, err := s.InsertMessage(ctx, msg(0)); err != nil {
		t.Fatal(err)
	}
	batch := []civicdesk.Message{msg(0), msg(1), msg(2), msg(1), msg(3)}
	got, err := s.InsertMessages(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{false, true, true, false, true}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("inserted = %v, want %v", got, want)
	}
	if got, err := s.InsertMessages(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("empty batch = %v, %v", got, err)
	}
	ms, err := s.ListMessages(ctx, "cv_1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 4 {
		t.Fatalf("stored %d messages, want 4", len(ms))
	}
	for i, m := range ms {
		if m.ID != msg(i).ID || m.Seq != uint64(100+i) || m.Text != msg(i).Text {
			t.Fatalf("message %d = %+v", i, m)
		}
	}
	if ms, err := s.ListMessages(ctx, "cv_1", 101, 1); err != nil || len(ms) != 1 || ms[0].ID != "msg_002" {
		t.Fatalf("after 101, limit 1 = %+v, %v", ms, err)
	}
	// A cancelled context stores nothing of the batch.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.InsertMessages(cctx, []civicdesk.Message{msg(4), msg(5)}); err == nil {
		t.Fatal("a cancelled batch succeeded")
	}
	if _, err := s.GetMessage(ctx, msg(4).ID); !civicdesk.IsNotFound(err) {
		t.Fatalf("message of a failed batch: %v", err)
	}
}

func TestGetConversationsBatch(t *testing.T) {
	ctx, s := context.Background(), newStore(t)
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 600 { // more than one chunk of the IN list
		c := civicdesk.Conversation{ID: fmt.Sprintf("cv_%03d", i), ContactID: fmt.Sprintf("ct_%03d", i), Channel: civicdesk.ChannelWebchat,
			State: civicdesk.StateBot, Priority: 10, CreatedAt: at, UpdatedAt: at}
		if _, _, err := s.OpenConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	got, err := s.GetConversations(ctx, append(ids, "cv_missing"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 600 {
		t.Fatalf("got %d conversations, want 600", len(got))
	}
	for _, id := range ids {
		want, err := s.GetConversation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got[id]) != fmt.Sprint(want) {
			t.Fatalf("%s = %+v, want %+v", id, got[id], want)
		}
	}
	if got, err := s.GetConversations(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("no ids = %v, %v", got, err)
	}
}

// GetConversationHeads gives whose each conversation is and where it
// stands, as the full read does, and leaves the triage and history out.
func TestGetConversationHeads(t *testing.T) {
	ctx, s := context.Background(), newStore(t)
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	expires := at.Add(time.Minute)
	c := civicdesk.Conversation{ID: "cv_1", ContactID: "ct_1", Channel: civicdesk.ChannelSMS, State: civicdesk.StateBot, Priority: 10, CreatedAt: at, UpdatedAt: at}
	if _, _, err := s.OpenConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.State, c.DepartmentID, c.OfferedAgentID, c.OfferExpiresAt, c.Priority, c.UpdatedAt = civicdesk.StateQueued, "permits", "ag_2", &expires, 30, at.Add(time.Second)
	c.Triage = &civicdesk.Triage{Department: "permits", Urgency: civicdesk.UrgencyHigh, Language: "en", Reasons: []string{"words permit"}}
	c.LastMessage = "my porch"
	c.Decisions = []civicdesk.RoutingDecision{{Kind: "queue", Rule: "handoff", At: at}}
	if err := s.PutConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetConversationHeads(ctx, []string{"cv_1", "cv_missing"})
	if err != nil {
		t.Fatal(err)
	}
	want := civicdesk.Conversation{ID: "cv_1", ContactID: "ct_1", Channel: civicdesk.ChannelSMS, State: civicdesk.StateQueued,
		DepartmentID: "permits", OfferedAgentID: "ag_2", Priority: 30, CreatedAt: at, UpdatedAt: at.Add(time.Second)}
	if len(got) != 1 || fmt.Sprint(got["cv_1"]) != fmt.Sprint(want) {
		t.Fatalf("heads = %+v, want only %+v", got, want)
	}

	// Heads are kept between calls only while nothing else is written:
	// messages inserted keep them, a conversation changed (by another
	// connection, as the router's are) is read again.
	if _, err := s.InsertMessages(ctx, []civicdesk.Message{{ID: "msg_1", ConversationID: "cv_1", Seq: 1, Text: "hi", CreatedAt: at}}); err != nil {
		t.Fatal(err)
	}
	if got, err = s.GetConversationHeads(ctx, []string{"cv_1"}); err != nil || got["cv_1"].State != civicdesk.StateQueued {
		t.Fatalf("heads after a message = %+v, %v", got, err)
	}
	c.State, c.AssignedAgentID, c.OfferedAgentID, c.OfferExpiresAt = civicdesk.StateAssigned, "ag_2", "", nil
	if err := s.PutConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetConversationHeads(ctx, []string{"cv_1"})
	if err != nil {
		t.Fatal(err)
	}
	if h := got["cv_1"]; h.State != civicdesk.StateAssigned || h.AssignedAgentID != "ag_2" || h.OfferedAgentID != "" {
		t.Fatalf("head after the conversation changed = %+v, want it assigned to ag_2", h)
	}
}
