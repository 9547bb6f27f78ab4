package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/emersion/go-smtp"
)

// mailSink is a loopback SMTP server standing in for the agency's relay.
type mailSink struct {
	addr string
	mu   sync.Mutex
	got  []sunkMail
}

type sunkMail struct {
	to   []string
	data string
}

func startMailSink(t *testing.T) *mailSink {
	t.Helper()
	s := &mailSink{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "relay.test"
	srv.ErrorLog = sinkLog{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// waitMail waits for a mail to address whose text holds every want.
func (s *mailSink) waitMail(t *testing.T, to string, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s.mu.Lock()
		for _, m := range s.got {
			if len(m.to) == 1 && m.to[0] == to {
				ok := true
				for _, w := range want {
					ok = ok && strings.Contains(m.data, w)
				}
				if ok {
					s.mu.Unlock()
					return m.data
				}
			}
		}
		n := len(s.got)
		s.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s with %q (%d mails at the relay)", to, want, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type sinkLog struct{}

func (sinkLog) Printf(string, ...any) {}
func (sinkLog) Println(...any)        {}

type sinkSession struct {
	s  *mailSink
	to []string
}

func (ss *sinkSession) Reset()                               { ss.to = nil }
func (ss *sinkSession) Logout() error                        { return nil }
func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	ss.s.got = append(ss.s.got, sunkMail{to: ss.to, data: string(b)})
	return nil
}

type availability struct {
	Status  string     `json:"status"`
	OpensAt *time.Time `json:"opensAt"`
}

// With no caseworker signed in, the widget hears that no one is available;
// the citizen leaves a message with an email address; it waits in the
// queue, a caseworker who signs in gets it on the desk with the address on
// the contact, and the answer leaves by SMTP to that address.
func TestWidgetLeaveMessageIsAnsweredByEmail(t *testing.T) {
	sink := startMailSink(t)
	base, _, logs := startMain(t, t.TempDir(), "--smtp-relay", sink.addr)
	anon := api{t: t, base: base}
	var av availability
	anon.must("GET", "/api/v1/widget/availability", nil, &av, 200)
	if av.Status != "unavailable" {
		t.Fatalf("availability with no one signed in: %+v", av)
	}

	var sess session
	anon.must("POST", "/api/v1/widget/sessions", map[string]string{"locale": "es"}, &sess, 201)
	citizen := api{t: t, base: base, token: sess.VisitorToken}
	citizen.must("POST", "/api/v1/widget/leave-message", map[string]string{"clientMessageId": uuid(1), "text": "Necesito ayuda"}, nil, 400)
	citizen.must("POST", "/api/v1/widget/leave-message", map[string]string{"clientMessageId": uuid(1), "text": "Necesito ayuda", "email": "rosa@"}, nil, 400)
	text := "Necesito un plan de pago para mi factura del agua"
	var left struct {
		MessageID      string            `json:"messageId"`
		ConversationID string            `json:"conversationId"`
		Channel        civicdesk.Channel `json:"channel"`
	}
	citizen.must("POST", "/api/v1/widget/leave-message", map[string]string{"clientMessageId": uuid(1), "text": text, "email": "rosa@example.org"}, &left, 202)
	if left.Channel != civicdesk.ChannelEmail {
		t.Fatalf("left: %+v", left)
	}

	agent := login(t, base, "agent1@demo.gov")
	anon.must("GET", "/api/v1/widget/availability", nil, &av, 200)
	deadline := time.Now().Add(10 * time.Second)
	for av.Status != "open" {
		if time.Now().After(deadline) {
			t.Fatalf("availability with agent1 signed in: %+v", av)
		}
		time.Sleep(200 * time.Millisecond) // the answer is cached a few seconds
		anon.must("GET", "/api/v1/widget/availability", nil, &av, 200)
	}
	var view struct {
		Conversation civicdesk.Conversation `json:"conversation"`
		Contact      civicdesk.Contact      `json:"contact"`
		Messages     []civicdesk.Message    `json:"messages"`
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		agent.must("GET", "/api/v1/desk/conversations/"+left.ConversationID, nil, &view, 200)
		if view.Conversation.State == civicdesk.StateAssigned && len(view.Messages) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the left message was not assigned: %+v", view.Conversation)
		}
	}
	if view.Conversation.Channel != civicdesk.ChannelEmail || view.Conversation.AssignedAgentID != "ag_agent1" || view.Messages[0].Text != text ||
		view.Contact.Email != "rosa@example.org" {
		t.Fatalf("desk view: %+v %+v", view.Conversation, view.Messages)
	}
	for _, m := range view.Messages {
		if m.Author.Kind == civicdesk.AuthorBot {
			t.Fatalf("the bot answered a message left for a person: %q", m.Text)
		}
	}
	reply := "Hola Rosa, podemos ofrecerle un plan de pago de seis meses."
	agent.must("POST", "/api/v1/desk/conversations/"+left.ConversationID+"/messages", map[string]string{"clientMessageId": uuid(2), "text": reply}, nil, 202)
	sink.waitMail(t, "rosa@example.org", "plan de pago de seis meses")
	if strings.Contains(logs.String(), "rosa@example.org") || strings.Contains(logs.String(), "factura del agua") {
		t.Fatal("the server logged the address or the text")
	}
}

// The transcript asked for at close leaves by SMTP, with the conversation.
func TestWidgetTranscriptIsMailed(t *testing.T) {
	sink := startMailSink(t)
	base, _, _ := startMain(t, t.TempDir(), "--smtp-relay", sink.addr)
	var sess session
	api{t: t, base: base}.must("POST", "/api/v1/widget/sessions", map[string]string{}, &sess, 201)
	citizen := api{t: t, base: base, token: sess.VisitorToken}
	var acc accepted
	citizen.must("POST", "/api/v1/widget/messages", map[string]string{"clientMessageId": uuid(1), "text": "how do I renew my vehicle registration?"}, &acc, 202)
	// Wait for the bot's answer so the transcript has both sides.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var h history
		citizen.must("GET", "/api/v1/widget/messages", nil, &h, 200)
		if len(h.Messages) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no bot answer")
		}
	}
	citizen.must("POST", "/api/v1/widget/conversation/close", map[string]string{"transcriptEmail": "me@example.org"}, nil, 200)
	mail := sink.waitMail(t, "me@example.org", "Transcript of your conversation")
	if !strings.Contains(mail, "renew my vehicle registration") {
		t.Fatalf("the transcript lacks the citizen's words:\n%s", mail)
	}
}

// Outside opening hours the widget hears "closed" and when the office opens.
func TestWidgetAvailabilityFollowsOpeningHours(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "routing.yaml")
	// Open one minute a week, on the day after tomorrow: closed now.
	day := time.Now().UTC().AddDate(0, 0, 2).Weekday()
	week := make([]string, 7)
	for i := range week {
		week[i] = "[]"
	}
	week[day] = `[{from: "03:00", to: "03:01"}]`
	if err := os.WriteFile(conf, []byte("default:\n  hours:\n    timeZone: UTC\n    week: ["+strings.Join(week, ", ")+"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _, _ := startMain(t, filepath.Join(dir, "data"), "--routing-config", conf)
	login(t, base, "agent1@demo.gov") // available, but the office is closed
	var av availability
	api{t: t, base: base}.must("GET", "/api/v1/widget/availability", nil, &av, 200)
	if av.Status != "closed" || av.OpensAt == nil || av.OpensAt.Weekday() != day || av.OpensAt.Hour() != 3 || !av.OpensAt.After(time.Now()) {
		t.Fatalf("availability outside hours: %+v", av)
	}
}
