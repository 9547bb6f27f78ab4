package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/channels/sms"
)

// twilioStub takes Messages API requests as Twilio does (form POST, basic
// auth, 201 with a JSON Message resource) and keeps what it was sent.
type twilioStub struct {
	mu    sync.Mutex
	texts []url.Values
	auth  []string
}

func (s *twilioStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, _ := r.BasicAuth()
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/ACe2e/Messages.json" {
		http.Error(w, `{"code":20404,"status":404}`, http.StatusNotFound)
		return
	}
	s.mu.Lock()
	s.texts = append(s.texts, r.PostForm)
	s.auth = append(s.auth, user+":"+pass)
	n := len(s.texts)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"sid": "SM" + strings.Repeat("0", 31) + string(rune('0'+n%10)), "status": "queued",
		"to": r.PostForm.Get("To"), "from": r.PostForm.Get("From"), "body": r.PostForm.Get("Body"), "direction": "outbound-api"})
}

func (s *twilioStub) sentTo(to string) []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []url.Values
	for _, t := range s.texts {
		if t.Get("To") == to {
			out = append(out, t)
		}
	}
	return out
}

// As a new user would try it: a signed text reaches a caseworker, the reply
// reaches Twilio with the right To, From, Body and credentials, a bad
// signature gets 403, a repeated MessageSid adds nothing, and after STOP no
// text goes to that number.
func TestSMSEndToEnd(t *testing.T) {
	stub := &twilioStub{}
	twilio := httptest.NewServer(stub)
	defer twilio.Close()
	// The public URL defaults to http://<http addr>, here 127.0.0.1:0:
	// that is the URL Twilio signs.
	const public, token, citizen = "http://127.0.0.1:0", "e2e-token", "+15551234567"
	base, _, logs := startMain(t, t.TempDir(), "--twilio-account-sid", "ACe2e", "--twilio-auth-token", token,
		"--twilio-from", "+15005550006", "--twilio-base-url", twilio.URL)
	desk := login(t, base, "agent1@demo.gov")
	ws := dial(t, base+"/api/v1/desk/ws?token="+desk.token)

	send := func(args ...string) (int, string) {
		out := &syncBuffer{}
		code := Main(t.Context(), append([]string{"sms", "send", "--url", base, "--public-url", public}, args...), strings.NewReader(""), out, out, func(string) string { return "" })
		return code, out.String()
	}
	if code, out := send("--auth-token", "not-the-token", "--from", citizen, "hello"); code != 1 || !strings.Contains(out, "403") {
		t.Fatalf("badly signed text: %d %s", code, out)
	}
	if code, out := send("--auth-token", token, "--from", "(555) 123-4567", "I need a person about my vehicle registration renewal"); code != 0 || !strings.Contains(out, "text accepted") {
		t.Fatalf("signed text: %d %s", code, out)
	}
	ev := ws.waitFor("the SMS conversation assigned", func(ev civicdesk.Event) bool {
		return ev.Type == "conversation.assigned" && ev.Conversation != nil && ev.Conversation.Channel == civicdesk.ChannelSMS
	})
	cv := ev.Conversation

	// Twilio retrying one text: nothing new.
	form := url.Values{"MessageSid": {"SMe2e00000000000000000000000000001"}, "From": {citizen}, "To": {"+15005550006"}, "Body": {"Is the office open Saturday?"}}
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/channels/sms/twilio", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sms.Signature(token, public+"/api/v1/channels/sms/twilio", form))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/xml" {
			t.Fatalf("retried text: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	var view struct {
		Messages []civicdesk.Message `json:"messages"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		desk.must("GET", "/api/v1/desk/conversations/"+cv.ID, nil, &view, 200)
		n := 0
		for _, m := range view.Messages {
			if m.Text == "Is the office open Saturday?" {
				n++
			}
		}
		if n == 1 {
			break
		}
		if n > 1 || time.Now().After(deadline) {
			t.Fatalf("the retried text is in the conversation %d times", n)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The caseworker's reply goes out through Twilio.
	desk.must("POST", "/api/v1/desk/conversations/"+cv.ID+"/messages", map[string]string{"clientMessageId": uuid(7), "text": "Yes, 9 to noon. Bring your renewal notice."}, nil, 202)
	var reply url.Values
	for deadline := time.Now().Add(10 * time.Second); reply == nil; time.Sleep(20 * time.Millisecond) {
		for _, t := range stub.sentTo(citizen) {
			if t.Get("Body") == "Yes, 9 to noon. Bring your renewal notice." {
				reply = t
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reply never reached Twilio; got %v", stub.sentTo(citizen))
		}
	}
	if reply.Get("From") != "+15005550006" || !strings.HasPrefix(reply.Get("StatusCallback"), public+"/api/v1/channels/sms/twilio/status?") {
		t.Fatalf("reply sent as %v", reply)
	}
	stub.mu.Lock()
	for _, a := range stub.auth {
		if a != "ACe2e:"+token {
			t.Errorf("Twilio called with credentials %q", a)
		}
	}
	stub.mu.Unlock()

	// STOP: answered, and nothing more goes to the number.
	code, out := send("--auth-token", token, "--from", citizen, "STOP")
	if code != 0 || !strings.Contains(out, "reply: You are unsubscribed") {
		t.Fatalf("STOP: %d %s", code, out)
	}
	var r1, r2 struct {
		MessageID string `json:"messageId"`
	}
	desk.must("POST", "/api/v1/desk/conversations/"+cv.ID+"/messages", map[string]string{"clientMessageId": uuid(8), "text": "Are you still there?"}, &r1, 202)
	desk.must("POST", "/api/v1/desk/conversations/"+cv.ID+"/messages", map[string]string{"clientMessageId": uuid(9), "text": "Closing this out."}, &r2, 202)
	// Both are dealt with while the number is opted out: blocked, not sent.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var view struct {
			Deliveries map[string]struct {
				State string `json:"state"`
			} `json:"deliveries"`
		}
		desk.must("GET", "/api/v1/desk/conversations/"+cv.ID, nil, &view, 200)
		if view.Deliveries[r1.MessageID].State == "blocked_opt_out" && view.Deliveries[r2.MessageID].State == "blocked_opt_out" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replies after STOP were not blocked: %+v", view.Deliveries)
		}
	}
	// START resumes; replies go out in order, so once the next one is at
	// Twilio, the two before it have been dealt with.
	if code, out := send("--auth-token", token, "--from", citizen, "start"); code != 0 || !strings.Contains(out, "reply: You are resubscribed") {
		t.Fatalf("START: %d %s", code, out)
	}
	desk.must("POST", "/api/v1/desk/conversations/"+cv.ID+"/messages", map[string]string{"clientMessageId": uuid(10), "text": "Welcome back."}, nil, 202)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		texts := stub.sentTo(citizen)
		if last := texts[len(texts)-1]; last.Get("Body") == "Welcome back." {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reply after START never reached Twilio")
		}
	}
	for _, text := range stub.sentTo(citizen) {
		if b := text.Get("Body"); b == "Are you still there?" || b == "Closing this out." {
			t.Fatalf("%q went out after STOP", b)
		}
	}
	if strings.Contains(logs.String(), "5551234567") {
		t.Fatal("the logs name the citizen's number")
	}
}
