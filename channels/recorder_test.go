package channels_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/channels"
	"github.com/civicdesk/civicdesk/internal/natsbus"
	"github.com/civicdesk/civicdesk/internal/sqlitestore"
	"github.com/civicdesk/civicdesk/internal/testworld"
)

// The recorder stores every accepted message exactly once, in stream order,
// announces each once (in batches when many wait), and a message sent again
// after JetStream forgot its id stores nothing and announces what is stored.
func TestRecorderBatchesExactlyOnceInOrder(t *testing.T) {
	ctx := context.Background()
	bus, store, log := recorderWorld(t)

	const convs, perConv = 4, 150
	now := civicdesk.Now()
	for c := range convs {
		cv := civicdesk.Conversation{ID: fmt.Sprintf("cv_%d", c), ContactID: fmt.Sprintf("ct_%d", c), Channel: civicdesk.ChannelWebchat,
			State: civicdesk.StateAssigned, AssignedAgentID: "ag_1", Priority: 10, CreatedAt: now, UpdatedAt: now,
			Triage: &civicdesk.Triage{Department: "permits", Reasons: []string{"words permit"}}, LastMessage: "a preview"}
		if _, _, err := store.OpenConversation(ctx, cv); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	events := map[string]int{}
	var order []string
	unsub, err := bus.Subscribe(civicdesk.ConvSubject(civicdesk.VerbMessage, "*"), func(_ string, data []byte) {
		var ev civicdesk.Event
		if err := json.Unmarshal(data, &ev); err != nil || ev.Message == nil || ev.Conversation == nil || ev.Conversation.AssignedAgentID != "ag_1" {
			t.Errorf("bad event %s", data)
			return
		}
		// Message events carry whose the conversation is and where it
		// stands, not its triage or preview (conversation.* events do).
		if cv := ev.Conversation; cv.ContactID != ev.Message.ContactID || cv.State != civicdesk.StateAssigned || cv.Priority != 10 ||
			cv.Triage != nil || cv.LastMessage != "" {
			t.Errorf("message event's conversation = %+v", *cv)
			return
		}
		mu.Lock()
		events[ev.Message.ID]++
		order = append(order, ev.Message.ID)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()

	// Everything is accepted before the recorder runs, so it finds a backlog.
	var ids []string
	accept := func(i int, dedupe string) civicdesk.Message {
		c := i % convs
		m := civicdesk.Message{ID: fmt.Sprintf("msg_%04d", i), ConversationID: fmt.Sprintf("cv_%d", c), ContactID: fmt.Sprintf("ct_%d", c),
			Author: civicdesk.Author{Kind: civicdesk.AuthorCitizen}, Text: fmt.Sprintf("text %d", i), CreatedAt: now, Channel: civicdesk.ChannelWebchat}
		if _, err := channels.Accept(ctx, bus, string(civicdesk.ChannelWebchat), m, dedupe); err != nil {
			t.Fatal(err)
		}
		return m
	}
	for i := range convs * perConv {
		ids = append(ids, accept(i, fmt.Sprintf("d%d", i)).ID)
	}
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := channels.NewRecorder(store, bus, log).Run(rctx); err != nil {
			t.Error(err)
		}
	}()
	defer func() { stop(); wg.Wait() }()

	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	waitFor("every event", func() bool { mu.Lock(); defer mu.Unlock(); return len(order) >= len(ids) })
	for c := range convs {
		ms, err := store.ListMessages(ctx, fmt.Sprintf("cv_%d", c), 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != perConv {
			t.Fatalf("cv_%d holds %d messages, want %d", c, len(ms), perConv)
		}
		for i, m := range ms {
			if want := fmt.Sprintf("msg_%04d", i*convs+c); m.ID != want || (i > 0 && m.Seq <= ms[i-1].Seq) {
				t.Fatalf("cv_%d message %d = %s seq %d, want %s in sequence order", c, i, m.ID, m.Seq, want)
			}
		}
	}
	mu.Lock()
	for i, id := range order {
		if events[id] != 1 {
			t.Errorf("message %s announced %d times", id, events[id])
		}
		if id != ids[i] {
			t.Fatalf("announcement %d is %s, want %s (stream order)", i, id, ids[i])
		}
	}
	mu.Unlock()

	// The same message again under a new dedupe id (as after JetStream's
	// window): nothing new is stored or announced (its first acceptance
	// was); the message after it is.
	first, err := store.GetMessage(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	again := first
	again.Seq, again.Text = 0, "changed"
	if _, err := channels.Accept(ctx, bus, string(civicdesk.ChannelWebchat), again, "another-dedupe-id"); err != nil {
		t.Fatal(err)
	}
	next := accept(len(ids), "after-the-repeat")
	waitFor("the next message's announcement", func() bool { mu.Lock(); defer mu.Unlock(); return events[next.ID] == 1 })
	mu.Lock()
	if events[ids[0]] != 1 {
		t.Errorf("the repeated message was announced %d times, want once", events[ids[0]])
	}
	mu.Unlock()
	stored, err := store.GetMessage(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if stored.Seq != first.Seq || stored.Text != first.Text {
		t.Fatalf("the repeat changed the stored message: %+v, was %+v", stored, first)
	}
	if ms, _ := store.ListMessages(ctx, "cv_0", 0, 0); len(ms) != perConv+1 {
		t.Fatalf("cv_0 holds %d messages after the repeat and the next, want %d", len(ms), perConv+1)
	}
}

// A message event is stored once in CD_EVENTS, and a first one without a
// Nats-Msg-Id (JetStream would keep the id in memory for nothing), also when
// the recorder is handed a batch again: after a crash that came after its
// announcements, or between its inserts and its announcements, or when the
// same message was accepted twice.
func TestRecorderStoresEachMessageEventOnce(t *testing.T) {
	ctx := context.Background()
	bus, store, log := recorderWorld(t)
	now := civicdesk.Now()
	for _, id := range []string{"cv_a", "cv_b"} {
		cv := civicdesk.Conversation{ID: id, ContactID: "ct_" + id, Channel: civicdesk.ChannelWebchat, State: civicdesk.StateAssigned,
			AssignedAgentID: "ag_1", Priority: 10, CreatedAt: now, UpdatedAt: now}
		if _, _, err := store.OpenConversation(ctx, cv); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	live := map[string]int{}
	unsub, err := bus.Subscribe(civicdesk.ConvSubject(civicdesk.VerbMessage, "*"), func(_ string, data []byte) {
		var ev civicdesk.Event
		if json.Unmarshal(data, &ev) == nil && ev.Message != nil {
			mu.Lock()
			live[ev.Message.ID]++
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()

	delivery := func(id, conv string, seq uint64) civicdesk.Delivery {
		m := civicdesk.Message{ID: id, ConversationID: conv, ContactID: "ct_" + conv, Author: civicdesk.Author{Kind: civicdesk.AuthorCitizen},
			Text: "text of " + id, CreatedAt: now, Channel: civicdesk.ChannelWebchat}
		data, err := json.Marshal(civicdesk.InboundMessage{Message: m})
		if err != nil {
			t.Fatal(err)
		}
		return civicdesk.Delivery{Subject: civicdesk.InboundSubject("webchat", conv), Data: data, Seq: seq, Time: time.Now(), NumDelivered: 1}
	}
	stored := func(conv string) map[string]int {
		t.Helper()
		events, all, err := bus.MessagesSince(ctx, civicdesk.StreamEvents, civicdesk.ConvSubject(civicdesk.VerbMessage, conv), time.Time{}, 100)
		if err != nil || !all {
			t.Fatalf("events of %s: all %v, %v", conv, all, err)
		}
		n := map[string]int{}
		for _, data := range events {
			var ev civicdesk.Event
			if err := json.Unmarshal(data, &ev); err != nil || ev.Message == nil {
				t.Fatalf("bad event %s", data)
			}
			n[ev.Message.ID]++
		}
		return n
	}
	r := channels.NewRecorder(store, bus, log)

	// Handed twice: as if it crashed after announcing, before acknowledging.
	batch := []civicdesk.Delivery{delivery("msg_a1", "cv_a", 11), delivery("msg_a2", "cv_a", 12), delivery("msg_b1", "cv_b", 13)}
	for range 2 {
		if err := r.HandleBatch(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	if id, err := bus.LastMessageID(ctx, civicdesk.StreamEvents, civicdesk.ConvSubject(civicdesk.VerbMessage, "cv_b")); err != nil || id != "" {
		t.Errorf("a first message event's Nats-Msg-Id = %q (%v), want none", id, err)
	}

	// Stored, but it crashed before announcing: announced now, once.
	lost := delivery("msg_a3", "cv_a", 14)
	var m civicdesk.InboundMessage
	if err := json.Unmarshal(lost.Data, &m); err != nil {
		t.Fatal(err)
	}
	m.Message.Seq = lost.Seq
	if _, err := store.InsertMessages(ctx, []civicdesk.Message{m.Message}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := r.HandleBatch(ctx, []civicdesk.Delivery{lost}); err != nil {
			t.Fatal(err)
		}
	}

	// Accepted a second time (a later sequence), long after the first (its
	// event is older than what a redelivery looks back through): its first
	// acceptance announced it.
	repeat := delivery("msg_b1", "cv_b", 15)
	repeat.Time = repeat.Time.Add(10 * time.Minute)
	if err := r.HandleBatch(ctx, []civicdesk.Delivery{repeat}); err != nil {
		t.Fatal(err)
	}

	want := map[string]map[string]int{"cv_a": {"msg_a1": 1, "msg_a2": 1, "msg_a3": 1}, "cv_b": {"msg_b1": 1}}
	for conv, w := range want {
		if got := stored(conv); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("message events stored for %s: %v, want %v", conv, got, w)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		got := fmt.Sprint(live)
		mu.Unlock()
		if got == "map[msg_a1:1 msg_a2:1 msg_a3:1 msg_b1:1]" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("message events heard: %s, want each once", got)
		}
	}
	if ms, err := store.ListMessages(ctx, "cv_a", 0, 0); err != nil || len(ms) != 3 {
		t.Fatalf("cv_a holds %d messages (%v), want 3", len(ms), err)
	}
}

// recorderWorld is the bus and store a recorder runs on.
func recorderWorld(t *testing.T) (*natsbus.Bus, *sqlitestore.Store, *slog.Logger) {
	t.Helper()
	_, bus := testworld.Bus(t)
	return bus, testworld.Store(t), testworld.Quiet()
}

// The bot hears of a citizen's message only while the conversation is not
// with a person, and never of its own or a caseworker's; every message is
// announced as a message event all the same.
func TestRecorderHandsTheBotOnlyConversationsNotWithAPerson(t *testing.T) {
	ctx := context.Background()
	bus, store, log := recorderWorld(t)
	now := civicdesk.Now()
	for id, state := range map[string]civicdesk.ConversationState{"cv_bot": civicdesk.StateBot, "cv_queued": civicdesk.StateQueued, "cv_assigned": civicdesk.StateAssigned} {
		cv := civicdesk.Conversation{ID: id, ContactID: "ct_" + id, Channel: civicdesk.ChannelWebchat, State: state, Priority: 10, CreatedAt: now, UpdatedAt: now}
		if state == civicdesk.StateAssigned {
			cv.AssignedAgentID = "ag_1"
		}
		if _, _, err := store.OpenConversation(ctx, cv); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var triage, announced []string
	for subj, into := range map[string]*[]string{civicdesk.BotTriageSubject("*"): &triage, civicdesk.ConvSubject(civicdesk.VerbMessage, "*"): &announced} {
		unsub, err := bus.Subscribe(subj, func(_ string, data []byte) {
			var ev civicdesk.Event
			if err := json.Unmarshal(data, &ev); err != nil || ev.Message == nil {
				t.Errorf("bad event %s", data)
				return
			}
			mu.Lock()
			*into = append(*into, ev.Message.ID)
			mu.Unlock()
		})
		if err != nil {
			t.Fatal(err)
		}
		defer unsub()
	}
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := channels.NewRecorder(store, bus, log).Run(rctx); err != nil {
			t.Error(err)
		}
	})
	defer func() { stop(); wg.Wait() }()

	send := func(id, conv string, kind civicdesk.AuthorKind) {
		m := civicdesk.Message{ID: id, ConversationID: conv, ContactID: "ct_" + conv, Author: civicdesk.Author{Kind: kind},
			Text: "text of " + id, CreatedAt: now, Channel: civicdesk.ChannelWebchat}
		source := string(civicdesk.ChannelWebchat)
		if kind == civicdesk.AuthorBot {
			source = civicdesk.SourceBot
		}
		if _, err := channels.Accept(ctx, bus, source, m, id); err != nil {
			t.Fatal(err)
		}
	}
	send("msg_1", "cv_bot", civicdesk.AuthorCitizen)
	send("msg_2", "cv_queued", civicdesk.AuthorCitizen)
	send("msg_3", "cv_assigned", civicdesk.AuthorCitizen)
	send("msg_4", "cv_bot", civicdesk.AuthorBot)
	send("msg_5", "cv_bot", civicdesk.AuthorCitizen)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := len(announced)
		mu.Unlock()
		if n >= 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 5 messages announced", n)
		}
	}
	time.Sleep(100 * time.Millisecond) // a stray triage request would be published with the batch's events
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(triage) != "[msg_1 msg_5]" {
		t.Fatalf("the bot was handed %v, want [msg_1 msg_5]", triage)
	}
}
