package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/channels"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/civicdesk/civicdesk/internal/natsbus"
	"github.com/civicdesk/civicdesk/internal/sqlitestore"
	"github.com/labstack/echo/v4"
)

const (
	citizen   = "+15551234567"
	agencyNum = "+15005550006"
)

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is one SMS channel on a real embedded NATS and a real SQLite store,
// with the recorder running, served over HTTP.
type env struct {
	t      *testing.T
	ch     *Channel
	store  *sqlitestore.Store
	bus    *natsbus.Bus
	srv    *httptest.Server
	twilio *fakeTwilio // nil: no account (outbox)
	token  string      // the auth token webhooks are signed with, if any
	logs   *syncBuffer
	secret []string // what the logs must never contain
}

type envOpt func(*Config)

func newEnv(t *testing.T, withTwilio bool, opts ...envOpt) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	ns, err := natsbus.StartServer(natsbus.ServerConfig{StoreDir: filepath.Join(dir, "nats")})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	bus, err := natsbus.Connect(ctx, natsbus.Config{Embedded: ns, Name: "sms-test"}, log)
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlitestore.New(ctx, sqlitestore.Config{Path: filepath.Join(dir, "cd.db")})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HTTPErrorHandler = httpx.ErrorHandler(log)
	srv := httptest.NewServer(e)
	env := &env{t: t, store: store, bus: bus, srv: srv, logs: logs, secret: []string{"5551234567", "5559876543"}}
	cfg := Config{PublicURL: srv.URL, Backoff: 20 * time.Millisecond, ReconcileAfter: time.Millisecond,
		HTTPClient: &http.Client{Timeout: 400 * time.Millisecond}}
	if withTwilio {
		env.twilio = newFakeTwilio(t)
		cfg.AccountSID, cfg.AuthToken, cfg.From, cfg.BaseURL = env.twilio.account, env.twilio.token, agencyNum, env.twilio.srv.URL
		env.token = cfg.AuthToken
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.AuthToken != "" {
		env.token = cfg.AuthToken
	}
	env.ch, err = New(cfg, store, bus, log)
	if err != nil {
		t.Fatal(err)
	}
	env.ch.Register(e)
	runCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, run := range []func(context.Context) error{channels.NewRecorder(store, bus, log).Run, env.ch.Run} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(runCtx); err != nil && runCtx.Err() == nil {
				t.Errorf("run: %v", err)
			}
		}()
	}
	t.Cleanup(func() {
		srv.Close()
		stop()
		wg.Wait()
		bus.Close()
		ns.Shutdown()
		ns.WaitForShutdown()
		store.Close()
		out := logs.String()
		for _, s := range env.secret {
			if strings.Contains(out, s) {
				t.Errorf("the logs contain %q:\n%s", s, out)
			}
		}
		if t.Failed() {
			t.Logf("logs:\n%s", out)
		}
	})
	return env
}

// webhook posts params to path, signed with sign (the env's token when ""),
// and returns the status and the body.
func (e *env) post(path string, params url.Values, sign string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(params.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	switch {
	case sign == "-":
	case sign != "":
		req.Header.Set("X-Twilio-Signature", sign)
	case e.token != "":
		req.Header.Set("X-Twilio-Signature", Signature(e.token, e.srv.URL+path, params))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK && path == webhookPath && resp.Header.Get("Content-Type") != "text/xml" {
		e.t.Fatalf("TwiML answered as %q", resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, string(body)
}

const webhookPath = "/api/v1/channels/sms/twilio"

func textParams(from, body, sid string) url.Values {
	return url.Values{"MessageSid": {sid}, "SmsMessageSid": {sid}, "SmsSid": {sid}, "AccountSid": {"AC0123"},
		"From": {from}, "To": {agencyNum}, "Body": {body}, "NumMedia": {"0"}, "NumSegments": {"1"},
		"FromCountry": {"US"}, "ApiVersion": {"2010-04-01"}, "SmsStatus": {"received"}}
}

const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response/>`

// text sends a signed inbound text and wants the empty TwiML answer.
func (e *env) text(from, body, sid string) {
	e.t.Helper()
	if code, resp := e.post(webhookPath, textParams(from, body, sid), ""); code != http.StatusOK || resp != emptyTwiML {
		e.t.Fatalf("text %s: %d %s", sid, code, resp)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func inboundID(sid string) string {
	return channels.MessageID(string(civicdesk.ChannelSMS), "twilio", sid)
}

// recorded waits until the text with sid is in the store.
func (e *env) recorded(sid string) civicdesk.Message {
	e.t.Helper()
	var m civicdesk.Message
	eventually(e.t, "message "+sid+" recorded", func() bool {
		var err error
		m, err = e.store.GetMessage(context.Background(), inboundID(sid))
		return err == nil
	})
	return m
}

func (e *env) conversations() []civicdesk.Conversation {
	e.t.Helper()
	cs, err := e.store.ListConversations(context.Background(), civicdesk.ConversationFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return cs
}

func (e *env) messages(convID string) []civicdesk.Message {
	e.t.Helper()
	ms, err := e.store.ListMessages(context.Background(), convID, 0, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

// reply records a caseworker's reply in a conversation, as the desk does.
func (e *env) reply(convID, text string) string {
	e.t.Helper()
	m := civicdesk.Message{ID: civicdesk.NewID("msg"), ConversationID: convID, Author: civicdesk.Author{Kind: civicdesk.AuthorAgent, ID: "ag_1", Name: "Dana"},
		Text: text, CreatedAt: civicdesk.Now(), Channel: civicdesk.ChannelSMS}
	if _, err := channels.Accept(context.Background(), e.bus, civicdesk.SourceAgent, m, "agent:"+m.ID); err != nil {
		e.t.Fatal(err)
	}
	return m.ID
}

func (e *env) delivery(convID, msgID string) (DeliveryState, bool) {
	r, err := e.store.GetRecord(context.Background(), KindDelivery, convID+"/"+msgID)
	if err != nil {
		return DeliveryState{}, false
	}
	var ds DeliveryState
	if err := json.Unmarshal(r.Value, &ds); err != nil {
		e.t.Fatal(err)
	}
	return ds, true
}

// waitDelivery waits until a reply's delivery record is in state.
func (e *env) waitDelivery(convID, msgID, state string) DeliveryState {
	e.t.Helper()
	var ds DeliveryState
	eventually(e.t, "delivery "+state, func() bool {
		var ok bool
		ds, ok = e.delivery(convID, msgID)
		return ok && ds.State == state
	})
	return ds
}

// start opens a conversation by an inbound text and returns it.
func (e *env) start(from string) civicdesk.Conversation {
	e.t.Helper()
	sid := fmt.Sprintf("SM%032x", time.Now().UnixNano())
	e.text(from, "My water bill doubled this month", sid)
	m := e.recorded(sid)
	conv, err := e.store.GetConversation(context.Background(), m.ConversationID)
	if err != nil {
		e.t.Fatal(err)
	}
	return conv
}

func (e *env) records(kind, prefix string) []civicdesk.Record {
	e.t.Helper()
	rs, err := e.store.ListRecords(context.Background(), kind, prefix, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}
