package civicdesk

import (
	"encoding/json"
	"testing"
	"time"
)

// benchMessage returns a typical citizen message and its conversation's head.
func benchMessage() (Message, Conversation) {
	at := time.Date(2026, 11, 29, 18, 1, 17, 260e6, time.UTC)
	m := Message{ID: "msg_abcdefghijklmnop", ConversationID: "cv_abcdefghijklmnop", ContactID: "ct_abcdefghijklmnop",
		Author: Author{Kind: AuthorCitizen, Name: "Ada"}, Text: "My benefits payment did not arrive this month, can you check?",
		CreatedAt: at, Channel: ChannelWebchat, Seq: 123456, ClientMessageID: "4f7c2a9e-3b1d-4e8a-9c6f-2d5b8a1e7f30"}
	cv := Conversation{ID: m.ConversationID, ContactID: m.ContactID, Channel: ChannelWebchat, State: StateAssigned,
		DepartmentID: "benefits", AssignedAgentID: "ag_abcdefghijklmnop", Priority: 10, CreatedAt: at.Add(-time.Minute), UpdatedAt: at}
	return m, cv.Head()
}

// BenchmarkMarshalJSON marshals what the message path encodes for every
// message: the recorder's message event (the message and its conversation's
// head), the stored message document, and a channel's inbound message.
func BenchmarkMarshalJSON(b *testing.B) {
	m, head := benchMessage()
	for _, c := range []struct {
		name string
		v    func() any
	}{
		{"MessageEvent", func() any { return Event{Type: "message", Message: &m, Conversation: &head, At: m.CreatedAt} }},
		{"Message", func() any { return m }},
		{"InboundMessage", func() any { return InboundMessage{Message: m} }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := json.Marshal(c.v()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
