package webchat

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

// The hub decodes a message event's text only when a socket here gets it.
// Every socket that should get the message gets it whole (text and all,
// staff ids removed), the sender's socket gets no echo, and the no-echo
// entry is consumed either way.
func TestDispatchSendsEachSocketTheWholeMessage(t *testing.T) {
	const contact, other = "ct_dispatch_1", "ct_dispatch_2"
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	event := func(id string, seq uint64, author civicdesk.Author, text string) []byte {
		m := civicdesk.Message{ID: id, ConversationID: "conv_d", ContactID: contact, Author: author, Text: text,
			CreatedAt: now, Channel: civicdesk.ChannelWebchat, Seq: seq}
		head := civicdesk.Conversation{ID: "conv_d", ContactID: contact, Channel: civicdesk.ChannelWebchat,
			State: civicdesk.StateAssigned, AssignedAgentID: "agt_secret"}.Head()
		data, err := json.Marshal(civicdesk.Event{Type: "message", Message: &m, Conversation: &head, At: now})
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	citizen := civicdesk.Author{Kind: civicdesk.AuthorCitizen, Name: "Visitor"}
	agent := civicdesk.Author{Kind: civicdesk.AuthorAgent, Name: "Ana", ID: "agt_secret"}
	for _, tc := range []struct {
		name    string
		sockets []string // socket names of the contact's sockets here ("" for unnamed)
		noEcho  string   // the socket the message was sent from, asking for no echo
		author  civicdesk.Author
		want    []bool // which sockets get the message
	}{
		{"the sender's only socket", []string{"tab-one-socket"}, "tab-one-socket", citizen, []bool{false}},
		{"a caseworker's reply to a named socket", []string{"tab-one-socket"}, "", agent, []bool{true}},
		{"a citizen's message sent without the socket's name", []string{"tab-one-socket"}, "", citizen, []bool{true}},
		{"a message sent from another replica's socket", []string{"tab-one-socket"}, "tab-elsewhere-1", citizen, []bool{true}},
		{"the sender's socket and a second tab", []string{"tab-one-socket", "tab-two-socket"}, "tab-one-socket", citizen, []bool{false, true}},
		{"an unnamed socket", []string{""}, "", citizen, []bool{true}},
		{"a caseworker's reply to two tabs", []string{"tab-one-socket", ""}, "", agent, []bool{true, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHub(slog.New(slog.NewTextHandler(io.Discard, nil)))
			var clients []*client
			for _, s := range tc.sockets {
				cl := &client{contactID: contact, socketID: s, writing: true} // writing: frames stay queued
				h.add(cl)
				clients = append(clients, cl)
			}
			bystander := &client{contactID: other, socketID: "tab-bystander", writing: true}
			h.add(bystander)
			const id, seq = "msg_dispatch", 7
			if tc.noEcho != "" {
				h.noEcho.note(id, tc.noEcho, seq, now)
			}
			h.dispatch(civicdesk.ConvSubject(civicdesk.VerbMessage, "conv_d"), event(id, seq, tc.author, "Your renewal is approved."))
			for i, cl := range clients {
				if got := len(cl.queue) == 1; got != tc.want[i] {
					t.Fatalf("socket %d (%q) got the message: %v, want %v", i, tc.sockets[i], got, tc.want[i])
				}
				if !tc.want[i] {
					continue
				}
				var ev civicdesk.Event
				if err := json.Unmarshal(cl.queue[0].data, &ev); err != nil {
					t.Fatal(err)
				}
				if ev.Type != "message" || ev.Message == nil || ev.Message.ID != id || ev.Message.Text != "Your renewal is approved." ||
					ev.Message.Seq != seq || !ev.Message.CreatedAt.Equal(now) || !ev.At.Equal(now) || ev.Message.Author.Name != tc.author.Name {
					t.Fatalf("socket %d got %s", i, cl.queue[0].data)
				}
				if ev.Message.Author.ID != "" || ev.Conversation != nil {
					t.Fatalf("socket %d got staff ids or the conversation: %s", i, cl.queue[0].data)
				}
				if cl.queue[0].id != id {
					t.Fatalf("frame id %q, want %q", cl.queue[0].id, id)
				}
			}
			if len(bystander.queue) != 0 {
				t.Fatal("another contact's socket got the message")
			}
			if _, left := h.noEcho.m[id]; left {
				t.Fatal("the no-echo entry was not consumed")
			}
		})
	}
}

// messageEvent is a citizen's message event as the recorder announces it.
func messageEvent(b *testing.B, i int, contactID string) (civicdesk.Message, []byte) {
	b.Helper()
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	m := civicdesk.Message{ID: fmt.Sprintf("msg_%032x", i), ConversationID: "conv_0123456789abcdef", ContactID: contactID,
		Author: civicdesk.Author{Kind: civicdesk.AuthorCitizen, Name: "Visitor"}, Text: "Hello, I need help with my benefits renewal form, it says my address is wrong.",
		CreatedAt: now, Channel: civicdesk.ChannelWebchat, Seq: uint64(i + 1), ClientMessageID: fmt.Sprintf("cmid-%d", i)}
	conv := civicdesk.Conversation{ID: m.ConversationID, ContactID: contactID, Channel: civicdesk.ChannelWebchat, State: civicdesk.StateAssigned,
		DepartmentID: "benefits", AssignedAgentID: "agt_0123456789", Priority: 2, CreatedAt: now, UpdatedAt: now}
	head := conv.Head()
	data, err := json.Marshal(civicdesk.Event{Type: "message", Message: &m, Conversation: &head, At: m.CreatedAt})
	if err != nil {
		b.Fatal(err)
	}
	return m, data
}

// BenchmarkDispatchMessageEvent measures the hub on its busiest path, a
// citizen's message event, for a contact whose only socket sent the message
// (no echo), for one with no socket on this replica, and for one with a
// second tab to echo to.
func BenchmarkDispatchMessageEvent(b *testing.B) {
	for _, tc := range []struct {
		name    string
		sockets []string
	}{
		{"sender-only", []string{"tab-one-socket-1"}},
		{"no-socket-here", nil},
		{"second-tab", []string{"tab-one-socket-1", "tab-two-socket-2"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := newHub(slog.New(slog.NewTextHandler(io.Discard, nil)))
			const contact = "ct_0123456789abcdef"
			var clients []*client
			for _, s := range tc.sockets {
				cl := &client{contactID: contact, socketID: s, writing: true} // writing: frames queue, no writer starts
				h.add(cl)
				clients = append(clients, cl)
			}
			subject := civicdesk.ConvSubject(civicdesk.VerbMessage, "conv_0123456789abcdef")
			events := make([][]byte, 1024)
			ids := make([]string, len(events))
			for i := range events {
				m, data := messageEvent(b, i, contact)
				events[i], ids[i] = data, m.ID
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k := i % len(events)
				h.noEcho.note(ids[k], "tab-one-socket-1", uint64(k+1), time.Time{})
				h.dispatch(subject, events[k])
				for _, cl := range clients {
					cl.queue = cl.queue[:0]
				}
			}
		})
	}
}
