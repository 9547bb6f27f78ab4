package main

import (
	"context"
	"encoding/csv"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

// apiTime is how API.md writes times: RFC 3339, UTC, with milliseconds.
var apiTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// startMain runs Main in-process with the embedded stack and returns its URL.
func startMain(t *testing.T, dataDir string, extra ...string) (string, func() int, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan struct{})
	code := 0
	args := append([]string{"serve", "--demo", "--http-addr", "127.0.0.1:0", "--smtp-addr", "127.0.0.1:0", "--data-dir", dataDir, "--rate-limit", "off"}, extra...)
	go func() {
		defer close(done)
		code = Main(ctx, args, strings.NewReader(""), out, out, func(string) string { return "" })
	}()
	url := waitForURL(t, out, done)
	stop := func() int {
		cancel()
		<-done
		return code
	}
	t.Cleanup(func() { stop() })
	return url, stop, out
}

func TestEndToEndChatReachesCaseworkerAndBack(t *testing.T) {
	dataDir := t.TempDir()
	base, stop, logs := startMain(t, dataDir)
	anon := api{t: t, base: base}
	anon.must("GET", "/healthz", nil, nil, 200)
	anon.must("GET", "/readyz", nil, nil, 200)

	desk := login(t, base, "agent1@demo.gov")
	deskWS := dial(t, base+"/api/v1/desk/ws?token="+desk.token)

	var sess session
	anon.must("POST", "/api/v1/widget/sessions", map[string]string{"locale": "en"}, &sess, 201)
	citizen := api{t: t, base: base, token: sess.VisitorToken}
	widgetWS := dial(t, base+"/api/v1/widget/ws?token="+sess.VisitorToken)

	text := "My water bill doubled this month, can I get a payment plan? Account phone 555-867-5309, email ana.diaz@example.org"
	var first, again accepted
	citizen.must("POST", "/api/v1/widget/messages", map[string]string{"clientMessageId": uuid(1), "text": text}, &first, 202)
	citizen.must("POST", "/api/v1/widget/messages", map[string]string{"clientMessageId": uuid(1), "text": text}, &again, 202)
	if first != again || first.MessageID == "" || first.ConversationID == "" {
		t.Fatalf("same clientMessageId gave %+v then %+v", first, again)
	}

	// The bot answers from the knowledge base, citing the article.
	kbAnswer := widgetWS.waitFor("the bot's answer", func(ev civicdesk.Event) bool {
		return ev.Type == "message" && ev.Message != nil && ev.Message.Author.Kind == civicdesk.AuthorBot
	})
	if !strings.Contains(kbAnswer.Message.Text, "Payment plans") || !strings.Contains(kbAnswer.Message.Text, "https://") ||
		!strings.Contains(kbAnswer.Message.Text, "automated assistant") {
		t.Fatalf("bot answered %q, want the payment plan article with its link and the disclosure", kbAnswer.Message.Text)
	}
	// Asking for a person hands off at once.
	var second accepted
	citizen.must("POST", "/api/v1/widget/messages", map[string]string{"clientMessageId": uuid(3), "text": "agent please"}, &second, 202)
	if second.ConversationID != first.ConversationID {
		t.Fatalf("second message opened conversation %s, want %s", second.ConversationID, first.ConversationID)
	}
	assigned := deskWS.waitFor("conversation.assigned", func(ev civicdesk.Event) bool {
		return ev.Type == "conversation.assigned" && ev.Conversation != nil && ev.Conversation.ID == first.ConversationID
	})
	cv := assigned.Conversation
	if cv.AssignedAgentID != "ag_agent1" || cv.State != civicdesk.StateAssigned || cv.Triage == nil || cv.DepartmentID == "" {
		t.Fatalf("assigned conversation = %+v", cv)
	}
	if cv.Triage.Department != "utilities" {
		t.Errorf("triage department = %q, want utilities (reasons %v)", cv.Triage.Department, cv.Triage.Reasons)
	}

	// The caseworker sees the conversation with its latest citizen message.
	var list struct {
		Conversations []civicdesk.Conversation `json:"conversations"`
	}
	desk.must("GET", "/api/v1/desk/conversations?state=assigned", nil, &list, 200)
	if len(list.Conversations) != 1 || list.Conversations[0].LastMessage != "agent please" {
		t.Fatalf("desk list = %+v", list.Conversations)
	}

	var view struct {
		Conversation civicdesk.Conversation `json:"conversation"`
		Messages     []civicdesk.Message    `json:"messages"`
	}
	desk.must("GET", "/api/v1/desk/conversations/"+cv.ID, nil, &view, 200)
	if view.Conversation.Triage == nil || len(view.Messages) < 3 {
		t.Fatalf("desk view = %+v", view)
	}

	var reply struct {
		MessageID string `json:"messageId"`
	}
	desk.must("POST", "/api/v1/desk/conversations/"+cv.ID+"/messages", map[string]string{"clientMessageId": uuid(2), "text": "Yes — I can set up a plan for you."}, &reply, 202)
	got := widgetWS.waitFor("the caseworker's reply", func(ev civicdesk.Event) bool {
		return ev.Type == "message" && ev.Message != nil && ev.Message.Author.Kind == civicdesk.AuthorAgent
	})
	if got.Message.Text != "Yes — I can set up a plan for you." || got.Message.ID != reply.MessageID || got.Message.Author.Name == "" || got.Message.Author.ID != "" {
		t.Fatalf("citizen received %+v", got.Message)
	}
	if got.Conversation != nil && got.Conversation.Triage != nil {
		t.Fatal("the citizen's socket leaked the triage record")
	}

	// The history holds the citizen's message once, then the bot, then the reply.
	var h history
	citizen.must("GET", "/api/v1/widget/messages", nil, &h, 200)
	if h.ConversationID != cv.ID || h.State != "assigned" {
		t.Fatalf("history conversation %q state %q", h.ConversationID, h.State)
	}
	kinds := ""
	for _, m := range h.Messages {
		kinds += string(m.Author.Kind) + " "
	}
	if kinds != "citizen bot citizen bot agent " {
		t.Fatalf("history authors = %q", kinds)
	}
	var after history
	citizen.must("GET", "/api/v1/widget/messages?after="+first.MessageID, nil, &after, 200)
	if len(after.Messages) != 4 || after.Messages[0].Author.Kind != civicdesk.AuthorBot {
		t.Fatalf("after=%s gave %d messages", first.MessageID, len(after.Messages))
	}

	// A socket that resumes after the citizen's message gets the rest, once.
	resumed := dial(t, base+"/api/v1/widget/ws?token="+sess.VisitorToken+"&after="+first.MessageID)
	seen := map[string]int{}
	for range 4 {
		ev := resumed.waitFor("resumed messages", func(ev civicdesk.Event) bool { return ev.Type == "message" })
		seen[ev.Message.ID]++
	}
	if len(seen) != 4 || seen[reply.MessageID] != 1 {
		t.Fatalf("resume delivered %v", seen)
	}

	// Internal notes reach the desk live and are never shown to the citizen.
	desk.must("POST", "/api/v1/desk/conversations/"+cv.ID+"/notes", map[string]string{"text": "called back"}, nil, 201)
	deskWS.waitFor("the note event", func(ev civicdesk.Event) bool {
		return ev.Type == "note" && ev.Note != nil && ev.Note.Text == "called back"
	})
	citizen.must("GET", "/api/v1/widget/messages", nil, &h, 200)
	for _, m := range h.Messages {
		if strings.Contains(m.Text, "called back") {
			t.Fatal("a note reached the citizen")
		}
	}

	// Authorization: supervisor endpoints, other caseworkers, no credentials.
	desk.must("GET", "/api/v1/supervisor/queues", nil, nil, 403)
	sup := login(t, base, "supervisor@demo.gov")
	var queues struct {
		Queues []map[string]any `json:"queues"`
	}
	sup.must("GET", "/api/v1/supervisor/queues", nil, &queues, 200)
	if len(queues.Queues) != 7 {
		t.Fatalf("queues = %v", queues.Queues)
	}
	outsider := login(t, base, "agent4@demo.gov") // vehicles and permits only
	outsider.must("GET", "/api/v1/desk/conversations/"+cv.ID, nil, nil, 404)
	anon.must("GET", "/api/v1/desk/conversations", nil, nil, 401)
	anon.must("GET", "/api/v1/widget/messages", nil, nil, 401)
	resp, err := http.Get(strings.Replace(base, "http://", "http://", 1) + "/api/v1/widget/ws")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("widget ws without token = %d, want 401", resp.StatusCode)
	}

	// Close from the desk reaches the citizen.
	desk.must("POST", "/api/v1/desk/conversations/"+cv.ID+"/close", map[string]string{"disposition": "resolved"}, nil, 200)
	widgetWS.waitFor("conversation.closed", func(ev civicdesk.Event) bool {
		return ev.Type == "conversation.closed" && ev.Conversation.ID == cv.ID
	})

	// The audit trail saw the sign-ins, the view and the close, and holds.
	var trail struct {
		Entries []struct{ At, Actor, Action, Target string } `json:"entries"`
	}
	wantActions := []string{"signin ag_agent1", "view ag_agent1", "close ag_agent1", "signin ag_supervisor"}
	for deadline := time.Now().Add(10 * time.Second); ; {
		sup.must("GET", "/api/v1/supervisor/audit", nil, &trail, 200)
		seen := map[string]bool{}
		for _, e := range trail.Entries {
			seen[e.Action+" "+e.Actor] = true
		}
		missing := ""
		for _, want := range wantActions {
			if !seen[want] {
				missing = want
			}
		}
		if missing == "" {
			for _, e := range trail.Entries {
				if !apiTime.MatchString(e.At) {
					t.Errorf("audit entry %s at %q, not RFC 3339 UTC with milliseconds", e.Action, e.At)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("audit trail lacks %q: %+v", missing, trail.Entries)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Its CSV export writes times the same way.
	req, _ := http.NewRequest("GET", sup.base+"/api/v1/supervisor/audit?format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+sup.token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	if err != nil || len(rows) < len(wantActions)+1 || strings.Join(rows[0][:2], ",") != "seq,at" {
		t.Fatalf("audit CSV: %d rows, %v", len(rows), err)
	}
	for _, row := range rows[1:] {
		if !apiTime.MatchString(row[1]) {
			t.Errorf("audit CSV row %s at %q, not RFC 3339 UTC with milliseconds", row[0], row[1])
		}
	}
	desk.must("GET", "/api/v1/supervisor/audit", nil, nil, 403)

	if code := stop(); code != 0 {
		t.Fatalf("Main returned %d after a graceful stop", code)
	}
	// No message text, phone number, email or token in any log line.
	for _, secret := range []string{text, "555-867-5309", "ana.diaz@example.org", "agent please", "set up a plan", "called back",
		sess.VisitorToken, desk.token, sup.token, "agent1@demo.gov", "supervisor@demo.gov"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the server logged %q", secret)
		}
	}
	if !strings.Contains(logs.String(), "level=INFO") {
		t.Fatal("no logs captured: the scan proves nothing")
	}
	var verify syncBuffer
	if code := Main(context.Background(), []string{"audit", "verify", "--data-dir", dataDir}, strings.NewReader(""), &verify, &verify, func(string) string { return "" }); code != 0 ||
		!strings.Contains(verify.String(), "audit trail intact") {
		t.Fatalf("audit verify = %d: %s", code, verify.String())
	}
}

func TestBadInputGetsClearErrors(t *testing.T) {
	base, _, _ := startMain(t, t.TempDir())
	anon := api{t: t, base: base}
	var sess session
	anon.must("POST", "/api/v1/widget/sessions", map[string]string{}, &sess, 201)
	citizen := api{t: t, base: base, token: sess.VisitorToken}
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	cases := []struct {
		body any
		code int
		want string
	}{
		{map[string]string{"clientMessageId": uuid(1), "txt": "hi"}, 400, "unknown_field"},
		{map[string]string{"clientMessageId": uuid(1), "text": "   "}, 400, "invalid_request"},
		{map[string]string{"text": "hi"}, 400, "invalid_request"},
		{map[string]string{"clientMessageId": uuid(1), "text": strings.Repeat("a", 4001)}, 413, "too_large"},
		{map[string]any{"clientMessageId": 5, "text": "hi"}, 400, "invalid_request"},
	}
	for _, tc := range cases {
		if got := citizen.do("POST", "/api/v1/widget/messages", tc.body, &e); got != tc.code || e.Error.Code != tc.want || e.Error.Message == "" {
			t.Errorf("POST %v = %d %+v, want %d %s", tc.body, got, e.Error, tc.code, tc.want)
		}
	}
	var h history
	citizen.must("GET", "/api/v1/widget/messages", nil, &h, 200)
	if len(h.Messages) != 0 {
		t.Fatalf("bad input stored messages: %+v", h.Messages)
	}
	if got := anon.do("POST", "/api/v1/desk/login", map[string]string{"email": "agent1@demo.gov", "password": "wrong"}, &e); got != 401 {
		t.Fatalf("wrong password = %d", got)
	}
	wrong := e.Error
	if got := anon.do("POST", "/api/v1/desk/login", map[string]string{"email": "nobody@demo.gov", "password": "wrong"}, &e); got != 401 || e.Error != wrong {
		t.Fatalf("unknown email = %d %+v, want the same answer as a wrong password %+v", got, e.Error, wrong)
	}
}

func TestTriageCommand(t *testing.T) {
	in := `{"id":"a","text":"I need help renewing my driver's license"}
{"id":2,"text":"quiero hablar con una persona","channel":"sms"}
not json
`
	var out syncBuffer
	if code := Main(context.Background(), []string{"triage"}, strings.NewReader(in), &out, os.Stderr, os.Getenv); code != 0 {
		t.Fatalf("triage exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("triage wrote %d lines for 3 inputs:\n%s", len(lines), out.String())
	}
	if !strings.Contains(lines[0], `"id":"a"`) || !strings.Contains(lines[0], `"department":"vehicles"`) {
		t.Errorf("line 1 = %s", lines[0])
	}
	if !strings.Contains(lines[1], `"id":2`) || !strings.Contains(lines[1], `"wantsHuman":true`) || !strings.Contains(lines[1], `"language":"es"`) {
		t.Errorf("line 2 = %s", lines[1])
	}
	if !strings.Contains(lines[2], `"error"`) {
		t.Errorf("line 3 = %s", lines[2])
	}
}

func TestSignInLockoutSameForUnknownAccounts(t *testing.T) {
	base, _, _ := startMain(t, t.TempDir())
	anon := api{t: t, base: base}
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	answers := map[string]string{}
	for _, email := range []string{"agent2@demo.gov", "ghost@demo.gov"} {
		for i := range 5 {
			if got := anon.do("POST", "/api/v1/desk/login", map[string]string{"email": email, "password": "guess"}, &e); got != 401 {
				t.Fatalf("%s attempt %d = %d, want 401", email, i, got)
			}
		}
		got := anon.do("POST", "/api/v1/desk/login", map[string]string{"email": email, "password": DemoPassword}, &e)
		if got != 429 {
			t.Fatalf("%s after 5 failures = %d, want 429 even with the right password", email, got)
		}
		answers[email] = e.Error.Message
	}
	if answers["agent2@demo.gov"] != answers["ghost@demo.gov"] {
		t.Fatalf("lockout answers differ: %q vs %q", answers["agent2@demo.gov"], answers["ghost@demo.gov"])
	}
	// The account is locked, not the spelling: sign-in ignores case and
	// surrounding spaces, so the lock does too.
	if got := anon.do("POST", "/api/v1/desk/login", map[string]string{"email": " AGENT2@Demo.gov ", "password": DemoPassword}, &e); got != 429 {
		t.Fatalf("a locked account signed in with its email in capitals: %d, want 429", got)
	}
	login(t, base, "agent3@demo.gov") // others are not locked out
}
