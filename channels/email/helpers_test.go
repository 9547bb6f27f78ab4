package email

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/channels"
	"github.com/civicdesk/civicdesk/internal/natsbus"
	"github.com/civicdesk/civicdesk/internal/sqlitestore"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

const domain = "civicdesk.localhost"

// harness runs the email channel against an embedded NATS server, an
// SQLite store, the real recorder, and (optionally) an in-process relay.
type harness struct {
	t     *testing.T
	ctx   context.Context
	store *sqlitestore.Store
	bus   *natsbus.Bus
	ch    *Channel
	smtp  string // address of our SMTP server
	relay *relay
}

type options struct {
	cfg      Config
	noRelay  bool
	wrapBus  func(Bus) Bus
	relayCfg func(*relay)
}

func newHarness(t *testing.T, o options) *harness {
	t.Helper()
	dir := t.TempDir()
	ns, err := natsbus.StartServer(natsbus.ServerConfig{StoreDir: filepath.Join(dir, "nats")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("EMAIL_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	bus, err := natsbus.Connect(ctx, natsbus.Config{Embedded: ns}, log)
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlitestore.New(ctx, sqlitestore.Config{Path: filepath.Join(dir, "cd.db")})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ctx: ctx, store: store, bus: bus}
	cfg := o.cfg
	cfg.Addr = "127.0.0.1:0"
	cfg.Domain = domain
	if !o.noRelay {
		h.relay = startRelay(t)
		if o.relayCfg != nil {
			o.relayCfg(h.relay)
		}
		cfg.Relay = h.relay.addr
	}
	var chBus Bus = bus
	if o.wrapBus != nil {
		chBus = o.wrapBus(bus)
	}
	h.ch, err = New(cfg, store, chBus, log)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := h.ch.Listen()
	if err != nil {
		t.Fatal(err)
	}
	h.smtp = addr.String()
	var wg sync.WaitGroup
	rec := channels.NewRecorder(store, bus, log)
	for _, run := range []func(context.Context) error{rec.Run, h.ch.Run} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil && ctx.Err() == nil {
				t.Errorf("run: %v", err)
			}
		}()
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		bus.Close()
		store.Close()
	})
	return h
}

func readEML(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// send delivers raw over SMTP to our server, as an MTA would.
func (h *harness) send(from string, to []string, raw []byte) error {
	c, err := smtp.Dial(h.smtp)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("mta.example.org"); err != nil {
		return err
	}
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func (h *harness) mustSend(from string, to []string, raw []byte) {
	h.t.Helper()
	if err := h.send(from, to, raw); err != nil {
		h.t.Fatalf("send: %v", err)
	}
}

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// emailConversations lists the email conversations of an address.
func (h *harness) conversations(address string) []civicdesk.Conversation {
	h.t.Helper()
	cs, err := h.store.ListConversations(h.ctx, civicdesk.ConversationFilter{ContactID: ContactID(address)})
	if err != nil {
		h.t.Fatal(err)
	}
	return cs
}

func (h *harness) messages(convID string) []civicdesk.Message {
	h.t.Helper()
	ms, err := h.store.ListMessages(h.ctx, convID, 0, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return ms
}

// waitMessages waits until conversation convID has n messages.
func (h *harness) waitMessages(convID string, n int) []civicdesk.Message {
	h.t.Helper()
	var ms []civicdesk.Message
	eventually(h.t, "messages recorded", func() bool {
		ms = h.messages(convID)
		return len(ms) >= n
	})
	return ms
}

// onlyConversation waits for the single conversation of address.
func (h *harness) onlyConversation(address string) civicdesk.Conversation {
	h.t.Helper()
	var cs []civicdesk.Conversation
	eventually(h.t, "a conversation", func() bool {
		cs = h.conversations(address)
		return len(cs) > 0
	})
	if len(cs) != 1 {
		h.t.Fatalf("want 1 conversation, got %d", len(cs))
	}
	return cs[0]
}

// reply records a caseworker's (or the bot's) reply in conv, as the desk
// does, so that the recorder hands it to the email delivery.
func (h *harness) reply(conv civicdesk.Conversation, kind civicdesk.AuthorKind, text string) civicdesk.Message {
	h.t.Helper()
	m := civicdesk.Message{ID: civicdesk.NewID("msg"), ConversationID: conv.ID, ContactID: conv.ContactID,
		Author: civicdesk.Author{Kind: kind, Name: "Casey Worker", ID: "ag_1"}, Text: text, CreatedAt: civicdesk.Now(), Channel: conv.Channel}
	if _, err := channels.Accept(h.ctx, h.bus, string(kind), m, "test:"+m.ID); err != nil {
		h.t.Fatal(err)
	}
	return m
}

func (h *harness) record(kind, key string) (civicdesk.Record, bool) {
	r, err := h.store.GetRecord(h.ctx, kind, key)
	if civicdesk.IsNotFound(err) {
		return r, false
	}
	if err != nil {
		h.t.Fatal(err)
	}
	return r, true
}

func (h *harness) delivery(key string) (Delivery, bool) {
	r, ok := h.record(KindDelivery, key)
	var d Delivery
	if ok {
		if err := json.Unmarshal(r.Value, &d); err != nil {
			h.t.Fatal(err)
		}
	}
	return d, ok
}

// relay is an in-process SMTP server standing in for the agency's relay.
type relay struct {
	addr string
	mu   sync.Mutex
	got  []captured
	// failData makes the next failData DATA commands fail with 451.
	failData int
	attempts int
	// rejectRcpt makes every RCPT fail with 550.
	rejectRcpt bool
}

type captured struct {
	from string
	to   []string
	data []byte
}

func startRelay(t *testing.T) *relay {
	t.Helper()
	r := &relay{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }))
	srv.Domain = "relay.test"
	srv.ErrorLog = nopLogger{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return r
}

func (r *relay) mails() []captured {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]captured(nil), r.got...)
}

// waitMails waits until the relay holds n mails.
func (r *relay) waitMails(t *testing.T, n int) []captured {
	t.Helper()
	var got []captured
	eventually(t, "mail at the relay", func() bool {
		got = r.mails()
		return len(got) >= n
	})
	return got
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}

type relaySession struct {
	r    *relay
	from string
	to   []string
}

func (s *relaySession) Reset()        { s.from, s.to = "", nil }
func (s *relaySession) Logout() error { return nil }
func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.r.rejectRcpt {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + to + ">: Recipient address rejected"}
	}
	s.to = append(s.to, to)
	return nil
}
func (s *relaySession) Data(rd io.Reader) error {
	b, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.attempts++
	if s.r.failData > 0 {
		s.r.failData--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	s.r.got = append(s.r.got, captured{from: s.from, to: s.to, data: b})
	return nil
}

// parseMail reads a captured mail's header and its text and HTML parts.
func parseMail(t *testing.T, raw []byte) (mail.Header, string, string) {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var text, html string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p.Body)
		ct, _, _ := p.Header.(*mail.InlineHeader).ContentType()
		switch ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		}
	}
	return r.Header, text, html
}

// mailFrom builds a simple citizen mail.
func mailFrom(from, to, subject, msgID string, extra map[string]string, body string) []byte {
	var b strings.Builder
	b.WriteString("From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nDate: Mon, 6 May 2024 10:00:00 +0000\r\n")
	if msgID != "" {
		b.WriteString("Message-ID: <" + msgID + ">\r\n")
	}
	for k, v := range extra {
		b.WriteString(k + ": " + v + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	return []byte(b.String())
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}
