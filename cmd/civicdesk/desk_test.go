package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/civicdesk/civicdesk"
)

// startChat opens a visitor session, sends text and waits until agent's
// socket sees the conversation assigned.
func startChat(t *testing.T, base string, agentWS *socket, text string) (session, civicdesk.Conversation) {
	t.Helper()
	var sess session
	api{t: t, base: base}.must("POST", "/api/v1/widget/sessions", map[string]string{}, &sess, 201)
	var a accepted
	api{t: t, base: base, token: sess.VisitorToken}.must("POST", "/api/v1/widget/messages", map[string]string{"clientMessageId": uuid(1), "text": text}, &a, 202)
	ev := agentWS.waitFor("assignment", func(ev civicdesk.Event) bool {
		return ev.Type == "conversation.assigned" && ev.Conversation.ID == a.ConversationID
	})
	return sess, *ev.Conversation
}

func TestDeskContactsCannedExportAndStats(t *testing.T) {
	base, _, _ := startMain(t, t.TempDir())
	agent := login(t, base, "agent1@demo.gov")
	ws := dial(t, base+"/api/v1/desk/ws?token="+agent.token)
	sess1, cv1 := startChat(t, base, ws, "I want to talk to an agent about my property tax bill")
	sess2, cv2 := startChat(t, base, ws, "representative please, my property tax bill is wrong")

	// History across conversations, edit, merge with confirmation.
	var hist struct {
		Contact       civicdesk.Contact `json:"contact"`
		Conversations []struct {
			Conversation civicdesk.Conversation `json:"conversation"`
			Messages     []civicdesk.Message    `json:"messages"`
		} `json:"conversations"`
	}
	agent.must("GET", "/api/v1/desk/contacts/"+sess1.ContactID+"/history", nil, &hist, 200)
	if len(hist.Conversations) != 1 || hist.Conversations[0].Conversation.ID != cv1.ID || len(hist.Conversations[0].Messages) < 2 {
		t.Fatalf("history = %+v", hist)
	}
	login(t, base, "agent4@demo.gov").must("GET", "/api/v1/desk/contacts/"+sess1.ContactID+"/history", nil, nil, 404)
	agent.must("PUT", "/api/v1/desk/contacts/"+sess1.ContactID, map[string]string{"name": "Ana Díaz", "phone": "+15551230000"}, nil, 200)
	agent.must("PUT", "/api/v1/desk/contacts/"+sess1.ContactID, map[string]string{"nickname": "x"}, nil, 400)
	// Canned responses: everyone reads, supervisors write.
	var canned struct {
		Canned []struct{ Shortcut, Text string } `json:"canned"`
	}
	agent.must("GET", "/api/v1/desk/canned", nil, &canned, 200)
	if len(canned.Canned) != 4 {
		t.Fatalf("demo canned responses = %+v", canned.Canned)
	}
	agent.must("PUT", "/api/v1/supervisor/canned", map[string]string{"shortcut": "tax", "title": "Tax", "text": "x"}, nil, 403)
	sup := login(t, base, "supervisor@demo.gov")
	sup.must("PUT", "/api/v1/supervisor/canned", map[string]string{"shortcut": "tax", "title": "Property tax", "text": "Your bill is at the treasurer's page."}, nil, 200)
	sup.must("PUT", "/api/v1/supervisor/canned", map[string]string{"shortcut": "Bad Shortcut!", "title": "x", "text": "x"}, nil, 400)
	agent.must("GET", "/api/v1/desk/canned", nil, &canned, 200)
	if len(canned.Canned) != 5 {
		t.Fatalf("after adding: %+v", canned.Canned)
	}

	// A reply, a close, then the export and the stats show them.
	agent.must("POST", "/api/v1/desk/conversations/"+cv1.ID+"/messages", map[string]string{"clientMessageId": uuid(9), "text": "Let me check."}, nil, 202)
	ws.waitFor("the reply recorded", func(ev civicdesk.Event) bool {
		return ev.Type == "message" && ev.Message.Author.Kind == civicdesk.AuthorAgent
	})
	agent.must("POST", "/api/v1/desk/conversations/"+cv1.ID+"/close", map[string]string{"disposition": "resolved"}, nil, 200)
	api{t: t, base: base, token: sess1.VisitorToken}.must("POST", "/api/v1/widget/conversation/rating", map[string]any{"score": 5}, nil, 200)

	req, _ := http.NewRequest("GET", base+"/api/v1/supervisor/export/conversations", nil)
	req.Header.Set("Authorization", "Bearer "+sup.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	if resp.StatusCode != 200 || !strings.HasPrefix(lines[0], "id,channel,department") || len(lines) != 3 {
		t.Fatalf("export = %d:\n%s", resp.StatusCode, body)
	}
	var row string
	for _, l := range lines {
		if strings.HasPrefix(l, cv1.ID) {
			row = l
		}
	}
	cols := strings.Split(row, ",")
	if len(cols) != 12 || cols[7] != "resolved" || cols[8] == "" || cols[9] == "" || cols[10] != "5" {
		t.Fatalf("export row = %q", row)
	}
	var stats struct {
		Conversations   int     `json:"conversations"`
		ContainmentRate float64 `json:"containmentRate"`
		AverageRating   float64 `json:"averageRating"`
	}
	sup.must("GET", "/api/v1/supervisor/stats", nil, &stats, 200)
	if stats.Conversations != 2 || stats.AverageRating != 5 || stats.ContainmentRate != 0 {
		t.Fatalf("stats = %+v", stats)
	}
	// Merge a duplicate contact, with a confirmation first.
	var merge struct {
		ConfirmNeeded bool `json:"confirmNeeded"`
		Merged        int  `json:"merged"`
	}
	agent.must("POST", "/api/v1/desk/contacts/"+sess2.ContactID+"/merge", map[string]any{"intoContactId": sess1.ContactID}, &merge, 200)
	if !merge.ConfirmNeeded {
		t.Fatal("merge without confirm went ahead")
	}
	agent.must("POST", "/api/v1/desk/contacts/"+sess2.ContactID+"/merge", map[string]any{"intoContactId": sess1.ContactID, "confirm": true}, &merge, 200)
	if merge.Merged != 1 {
		t.Fatalf("merged %d conversations, want 1", merge.Merged)
	}
	agent.must("GET", "/api/v1/desk/contacts/"+sess1.ContactID+"/history", nil, &hist, 200)
	if len(hist.Conversations) != 2 || hist.Contact.Name != "Ana Díaz" {
		t.Fatalf("after merge: %d conversations, contact %+v", len(hist.Conversations), hist.Contact)
	}

	if cv2.ContactID != sess2.ContactID {
		t.Fatalf("second conversation belongs to %s", cv2.ContactID)
	}
}
