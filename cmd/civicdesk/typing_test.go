package main

import (
	"testing"

	"github.com/civicdesk/civicdesk"
)

// Typing goes both ways: the caseworker's socket hears the citizen and the
// citizen's hears the caseworker (by name), and each event carries the
// conversation as message events do, not a half-filled one.
func TestTypingBothWays(t *testing.T) {
	base, _, _ := startMain(t, t.TempDir())
	agent := login(t, base, "agent1@demo.gov") // in every department
	desk := dial(t, base+"/api/v1/desk/ws?token="+agent.token)
	var sess session
	api{t: t, base: base}.must("POST", "/api/v1/widget/sessions", map[string]string{}, &sess, 201)
	citizen := api{t: t, base: base, token: sess.VisitorToken}
	var acc accepted
	citizen.must("POST", "/api/v1/widget/messages", map[string]string{"clientMessageId": uuid(1), "text": "Agent please: my water bill doubled"}, &acc, 202)
	assigned := desk.waitFor("the assignment", func(ev civicdesk.Event) bool {
		return ev.Type == "conversation.assigned" && ev.Conversation.ID == acc.ConversationID
	})
	widget := dial(t, base+"/api/v1/widget/ws?token="+sess.VisitorToken)

	citizen.must("POST", "/api/v1/widget/typing", map[string]bool{"typing": true}, nil, 204)
	ev := desk.waitFor("the citizen typing", func(ev civicdesk.Event) bool { return ev.Type == "typing" })
	if ev.Author == nil || ev.Author.Kind != civicdesk.AuthorCitizen || ev.Reason != "typing" {
		t.Fatalf("citizen typing: %+v", ev)
	}
	c := ev.Conversation
	if c == nil || c.ID != acc.ConversationID || c.Priority != assigned.Conversation.Priority || c.Priority == 0 ||
		!c.CreatedAt.Equal(assigned.Conversation.CreatedAt) || c.UpdatedAt.IsZero() || c.AssignedAgentID != assigned.Conversation.AssignedAgentID {
		t.Fatalf("the conversation of a typing event: %+v, assigned %+v", c, assigned.Conversation)
	}

	agent.must("POST", "/api/v1/desk/conversations/"+acc.ConversationID+"/typing", map[string]bool{"typing": true}, nil, 204)
	ev = widget.waitFor("the caseworker typing", func(ev civicdesk.Event) bool { return ev.Type == "typing" })
	if ev.Author == nil || ev.Author.Kind != civicdesk.AuthorAgent || ev.Author.Name == "" || ev.Conversation == nil || ev.Conversation.CreatedAt.IsZero() {
		t.Fatalf("caseworker typing: %+v", ev)
	}
}
