package webchat

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

// A message left when no one answers: bad contact details get a clear 400;
// a good one is stored on a conversation of the answering channel, queued
// for a caseworker (routing is asked), with the contact's address, and a
// retry stores nothing twice.
func TestLeaveMessageIsQueuedForTheAnsweringChannel(t *testing.T) {
	en := newEnv(t)
	ctx := context.Background()
	handoffs := make(chan civicdesk.Event, 10)
	unsub, err := en.bus.Subscribe("cd.conv.handoff.*", func(_ string, data []byte) {
		var ev civicdesk.Event
		if json.Unmarshal(data, &ev) == nil {
			handoffs <- ev
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	token := en.session()
	if code := en.do("POST", "/api/v1/widget/leave-message", "", map[string]string{"clientMessageId": "x", "text": "hi", "email": "a@b.org"}, nil); code != 401 {
		t.Fatalf("without a token: %d", code)
	}
	for _, bad := range []map[string]string{
		{"clientMessageId": "c1", "text": "Please call me back"},                                   // no way to answer
		{"clientMessageId": "c1", "text": "Please call me back", "email": "not-an-address"},        // bad email
		{"clientMessageId": "c1", "text": "Please call me back", "email": "Ana <ana@example.org>"}, // a name is not an address
		{"clientMessageId": "c1", "text": "Please call me back", "phone": "call me"},               // bad phone
		{"clientMessageId": "c1", "text": "Please call me back", "phone": "12345"},                 // too short
		{"clientMessageId": "c1", "text": "   ", "email": "ana@example.org"},                       // no text
		{"text": "Please call me back", "email": "ana@example.org"},                                // no client id
	} {
		if code := en.do("POST", "/api/v1/widget/leave-message", token, bad, nil); code != 400 {
			t.Errorf("%v: %d, want 400", bad, code)
		}
	}
	req := map[string]string{"clientMessageId": "c1", "text": "Necesito ayuda con mi factura del agua", "email": " ana@example.org ", "phone": "(555) 123-4567"}
	var first, again leaveAccepted
	if code := en.do("POST", "/api/v1/widget/leave-message", token, req, &first); code != 202 {
		t.Fatalf("leave: %d", code)
	}
	if code := en.do("POST", "/api/v1/widget/leave-message", token, req, &again); code != 202 || again != first {
		t.Fatalf("retry: %d %+v, first %+v", code, again, first)
	}
	if first.Channel != civicdesk.ChannelEmail || first.ConversationID == "" {
		t.Fatalf("accepted: %+v", first)
	}
	conv, err := en.store.GetConversation(ctx, first.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Channel != civicdesk.ChannelEmail || conv.State != civicdesk.StateQueued || conv.QueuedAt == nil {
		t.Fatalf("conversation: %+v", conv)
	}
	contact, err := en.store.GetContact(ctx, conv.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	if contact.Email != "ana@example.org" || contact.Phone != "+15551234567" {
		t.Fatalf("contact: %+v", contact)
	}
	select {
	case ev := <-handoffs:
		if ev.Conversation == nil || ev.Conversation.ID != conv.ID {
			t.Fatalf("handoff: %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("routing was not asked to queue it")
	}
	// The recorder stores the message once, as the citizen's.
	deadline := time.Now().Add(5 * time.Second)
	for {
		ms, err := en.store.ListMessages(ctx, conv.ID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 1 && ms[0].Text == req["text"] && ms[0].Author.Kind == civicdesk.AuthorCitizen && ms[0].Channel == civicdesk.ChannelEmail {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("messages: %+v", ms)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A phone number alone is answered by text message.
	token2 := en.session()
	var bySMS leaveAccepted
	if code := en.do("POST", "/api/v1/widget/leave-message", token2, map[string]string{"clientMessageId": "c2", "text": "Text me", "phone": "+44 20 7946 0958"}, &bySMS); code != 202 || bySMS.Channel != civicdesk.ChannelSMS {
		t.Fatalf("by SMS: %d %+v", code, bySMS)
	}
}

func TestAvailabilityAnswersWithoutAToken(t *testing.T) {
	en := newEnv(t)
	var a Availability
	if code := en.do("GET", "/api/v1/widget/availability", "", nil, &a); code != 200 || a.Status != AvailOpen {
		t.Fatalf("no availability source: %d %+v", code, a)
	}
	var calls atomic.Int32
	opens := time.Date(2026, 11, 30, 13, 0, 0, 0, time.UTC)
	en.ch.SetAvailability(func(context.Context) (Availability, error) {
		calls.Add(1)
		return Availability{Status: AvailClosed, OpensAt: &opens}, nil
	})
	for range 3 {
		a = Availability{}
		if code := en.do("GET", "/api/v1/widget/availability", "", nil, &a); code != 200 || a.Status != AvailClosed || a.OpensAt == nil || !a.OpensAt.Equal(opens) {
			t.Fatalf("closed: %d %+v", code, a)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("availability computed %d times in a row, want 1 (cached)", n)
	}
}

// When routing assigns the conversation, the citizen's socket hears the
// caseworker's display name and never their id; the history says it too.
func TestAssignmentTellsTheCitizenTheCaseworkersName(t *testing.T) {
	en := newEnv(t)
	ctx := context.Background()
	if err := en.store.PutAgent(ctx, civicdesk.Agent{ID: "ag_x1", Name: "Alex Rivera", Email: "alex@city.gov", Role: civicdesk.RoleCaseworker,
		Departments: []string{"general"}, Status: civicdesk.StatusAvailable}); err != nil {
		t.Fatal(err)
	}
	token := en.session()
	acc := en.send(token, "m1", "I need a person")
	ws := en.dial(token, "")
	conv, err := en.store.GetConversation(ctx, acc.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	conv.State, conv.AssignedAgentID = civicdesk.StateAssigned, "ag_x1"
	if err := en.store.PutConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(civicdesk.Event{Type: "conversation.assigned", Conversation: &conv, AgentID: "ag_x1", At: civicdesk.Now()})
	if _, _, err := en.bus.Publish(ctx, civicdesk.ConvSubject("assigned", conv.ID), data, ""); err != nil {
		t.Fatal(err)
	}
	ev := ws.waitFor("the assignment", func(ev civicdesk.Event) bool { return ev.Type == "conversation.assigned" })
	if ev.Author == nil || ev.Author.Name != "Alex Rivera" || ev.Author.Kind != civicdesk.AuthorAgent || ev.Author.ID != "" {
		t.Fatalf("assignment author: %+v", ev.Author)
	}
	if ev.AgentID != "" || ev.Conversation.AssignedAgentID != "" {
		t.Fatalf("the caseworker's id reached the citizen: %+v %+v", ev, ev.Conversation)
	}
	var hist messagesResponse
	if code := en.do("GET", "/api/v1/widget/messages", token, nil, &hist); code != 200 || hist.AgentName != "Alex Rivera" {
		t.Fatalf("history: %d %+v", code, hist.AgentName)
	}
}

// TestQueuePlaceReachesAWidgetThatConnectsLate: the place in the queue is
// announced once; a widget whose socket was not yet open (or was down) reads
// it from the history instead, until the conversation is assigned.
func TestQueuePlaceReachesAWidgetThatConnectsLate(t *testing.T) {
	en := newEnv(t)
	ctx := context.Background()
	token := en.session()
	acc := en.send(token, "m1", "I need a person")
	conv, err := en.store.GetConversation(ctx, acc.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	publish := func(verb string, ev civicdesk.Event) {
		t.Helper()
		ev.Type, ev.Conversation, ev.At = civicdesk.EventTypeOf(verb), &conv, civicdesk.Now()
		data, _ := json.Marshal(ev)
		if _, _, err := en.bus.Publish(ctx, civicdesk.ConvSubject(verb, conv.ID), data, ""); err != nil {
			t.Fatal(err)
		}
	}
	history := func() messagesResponse {
		t.Helper()
		var h messagesResponse
		if code := en.do("GET", "/api/v1/widget/messages", token, nil, &h); code != 200 {
			t.Fatalf("history: %d", code)
		}
		return h
	}
	conv.State = civicdesk.StateQueued
	if err := en.store.PutConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	publish(civicdesk.VerbQueued, civicdesk.Event{Position: 3, EstimatedWaitSeconds: 240})
	deadline := time.Now().Add(5 * time.Second)
	for h := history(); h.Position != 3 || h.EstimatedWaitSeconds != 240; h = history() {
		if time.Now().After(deadline) {
			t.Fatalf("history gives place %d, wait %d; want 3, 240", h.Position, h.EstimatedWaitSeconds)
		}
		time.Sleep(20 * time.Millisecond)
	}
	conv.State, conv.AssignedAgentID = civicdesk.StateAssigned, "ag_x1"
	if err := en.store.PutConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	publish(civicdesk.VerbAssigned, civicdesk.Event{AgentID: "ag_x1"})
	for h := history(); h.Position != 0; h = history() {
		if time.Now().After(deadline) {
			t.Fatalf("an assigned conversation still shows place %d", h.Position)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The history reads the stored state; the hub forgets the place when
	// the assignment event reaches it, which may be a moment later.
	for _, ok := en.ch.hub.place(conv.ID); ok; _, ok = en.ch.hub.place(conv.ID) {
		if time.Now().After(deadline) {
			t.Fatal("the place is still remembered after the assignment")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLateStoredMessageReachesAResumedSocket: a message held by a replica
// that died is stored late, with an earlier sequence than messages already
// shown. A socket resumed after those still passes it on, and the messages
// its replay sent are not sent twice.
func TestLateStoredMessageReachesAResumedSocket(t *testing.T) {
	en := newEnv(t)
	ctx := context.Background()
	token := en.session()
	first := en.send(token, "m1", "first")
	second := en.send(token, "m2", "second")
	var stored []civicdesk.Message
	deadline := time.Now().Add(5 * time.Second)
	for len(stored) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("recorded %d of 2", len(stored))
		}
		time.Sleep(20 * time.Millisecond)
		var err error
		if stored, err = en.store.ListMessages(ctx, first.ConversationID, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	ws := en.dial(token, stored[0].ID) // replays the second message
	ws.waitFor("the replayed message", func(ev civicdesk.Event) bool { return ev.Message != nil && ev.Message.ID == second.MessageID })
	// The second message's live event, racing the replay, is skipped;
	// a late message with an earlier sequence is not.
	for _, m := range []civicdesk.Message{stored[1], {ID: "msg_late", ConversationID: first.ConversationID, ContactID: stored[0].ContactID,
		Author: civicdesk.Author{Kind: civicdesk.AuthorCitizen}, Text: "held by a dead replica", Seq: stored[0].Seq, Channel: civicdesk.ChannelWebchat}} {
		data, _ := json.Marshal(civicdesk.Event{Type: "message", Message: &m, At: civicdesk.Now()})
		if _, _, err := en.bus.Publish(ctx, civicdesk.ConvSubject(civicdesk.VerbMessage, first.ConversationID), data, ""); err != nil {
			t.Fatal(err)
		}
	}
	ev := ws.waitFor("a message", func(ev civicdesk.Event) bool { return ev.Message != nil })
	if ev.Message.ID != "msg_late" {
		t.Fatalf("got %s again, want the late message", ev.Message.ID)
	}
}
