package webchat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/channels"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/civicdesk/civicdesk/internal/natsbus"
	"github.com/civicdesk/civicdesk/internal/sqlitestore"
	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"
)

type env struct {
	t     testing.TB
	url   string
	store *sqlitestore.Store
	bus   *natsbus.Bus
	ch    *Channel
	stop  func()
}

// newEnv runs the widget channel and the recorder on an embedded NATS and a
// real SQLite store, behind an HTTP server.
func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	ns, err := natsbus.StartServer(natsbus.ServerConfig{StoreDir: filepath.Join(dir, "nats")})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	bus, err := natsbus.Connect(ctx, natsbus.Config{Embedded: ns}, log)
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlitestore.New(ctx, sqlitestore.Config{Path: filepath.Join(dir, "cd.db")})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := New(Config{}, store, bus, log)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HTTPErrorHandler = httpx.ErrorHandler(log)
	ch.Register(e)
	srv := httptest.NewServer(e)
	if _, err := ch.Listen(); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, run := range []func(context.Context) error{ch.Run, channels.NewRecorder(store, bus, log).Run} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(runCtx); err != nil && runCtx.Err() == nil {
				t.Errorf("run: %v", err)
			}
		}()
	}
	en := &env{t: t, url: srv.URL, store: store, bus: bus, ch: ch}
	var once sync.Once
	en.stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			srv.Close()
			bus.Close()
			ns.Shutdown()
			ns.WaitForShutdown()
			store.Close()
		})
	}
	t.Cleanup(en.stop)
	return en
}

func (en *env) do(method, path, token string, body any, out any) int {
	en.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, en.url+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		en.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			en.t.Fatalf("%s %s: %s: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

func (en *env) session() string {
	en.t.Helper()
	var s struct {
		VisitorToken string `json:"visitorToken"`
	}
	if code := en.do("POST", "/api/v1/widget/sessions", "", map[string]string{}, &s); code != 201 {
		en.t.Fatalf("session: %d", code)
	}
	return s.VisitorToken
}

func (en *env) send(token, cmid, text string) messageAccepted {
	en.t.Helper()
	var a messageAccepted
	if code := en.do("POST", "/api/v1/widget/messages", token, map[string]string{"clientMessageId": cmid, "text": text}, &a); code != 202 {
		en.t.Fatalf("send %s: %d", cmid, code)
	}
	return a
}

type socket struct {
	t      testing.TB
	conn   *websocket.Conn
	events chan civicdesk.Event
	err    error // why reading ended, once events is closed
}

func (en *env) dial(token, after string) *socket {
	en.t.Helper()
	query := ""
	if after != "" {
		query = "&after=" + after
	}
	return en.dialQuery(token, query)
}

// dialQuery dials with more query parameters ("&name=value…").
func (en *env) dialQuery(token, query string) *socket {
	en.t.Helper()
	u := "ws" + strings.TrimPrefix(en.url, "http") + "/api/v1/widget/ws?token=" + token + query
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		en.t.Fatal(err)
	}
	s := &socket{t: en.t, conn: conn, events: make(chan civicdesk.Event, 1000)}
	go func() {
		defer close(s.events)
		for {
			_, data, err := conn.Read(context.Background())
			if err != nil {
				s.err = err
				return
			}
			var ev civicdesk.Event
			if json.Unmarshal(data, &ev) == nil {
				s.events <- ev
			}
		}
	}()
	en.t.Cleanup(func() { conn.CloseNow() })
	return s
}

func (s *socket) waitFor(what string, ok func(civicdesk.Event) bool) civicdesk.Event {
	s.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, open := <-s.events:
			if !open {
				s.t.Fatalf("socket closed while waiting for %s", what)
			}
			if ok(ev) {
				return ev
			}
		case <-timeout:
			s.t.Fatalf("no %s", what)
		}
	}
}

// A retry gets the first answer; a conversation closed anywhere (here as a
// desk or routing on another replica would: stored, then announced) is not
// used again once the citizen could know it closed; the citizen's own close
// takes effect at once.
// Every field of a session is optional, and so is the body.
func TestSessionWithoutBody(t *testing.T) {
	en := newEnv(t)
	var s struct {
		VisitorToken string `json:"visitorToken"`
		ContactID    string `json:"contactId"`
	}
	if code := en.do("POST", "/api/v1/widget/sessions", "", nil, &s); code != 201 || s.VisitorToken == "" || s.ContactID == "" {
		t.Fatalf("session without a body: %d %+v", code, s)
	}
	if code := en.do("POST", "/api/v1/widget/sessions", "", map[string]string{"Name": "x"}, nil); code != 400 {
		t.Fatalf("session with a misspelt field: %d, want 400", code)
	}
}

func TestConversationCacheFollowsCloses(t *testing.T) {
	en := newEnv(t)
	tok := en.session()
	ws := en.dial(tok, "")
	first := en.send(tok, "c1", "hello")
	if again := en.send(tok, "c1", "hello"); again != first {
		t.Fatalf("retry answered %+v, first %+v", again, first)
	}
	if second := en.send(tok, "c2", "more"); second.ConversationID != first.ConversationID {
		t.Fatalf("second message went to %s, want %s", second.ConversationID, first.ConversationID)
	}
	ws.waitFor("the second message", func(ev civicdesk.Event) bool { return ev.Message != nil && ev.Message.ClientMessageID == "c2" })

	// Closed elsewhere.
	ctx := context.Background()
	cv, err := en.store.GetConversation(ctx, first.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	now := civicdesk.Now()
	cv.State, cv.ClosedAt = civicdesk.StateClosed, &now
	if err := en.store.PutConversation(ctx, cv); err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(civicdesk.Event{Type: "conversation.closed", Conversation: &cv, At: now})
	if _, _, err := en.bus.Publish(ctx, civicdesk.ConvSubject(civicdesk.VerbClosed, cv.ID), data, "closed:"+cv.ID); err != nil {
		t.Fatal(err)
	}
	ws.waitFor("conversation.closed", func(ev civicdesk.Event) bool { return ev.Type == "conversation.closed" })
	third := en.send(tok, "c3", "are you there?")
	if third.ConversationID == first.ConversationID {
		t.Fatal("a message after the close went to the closed conversation")
	}
	// A retry of a message of the closed conversation still names it.
	if again := en.send(tok, "c2", "more"); again.ConversationID != first.ConversationID {
		t.Fatalf("retry of c2 named %s, want %s", again.ConversationID, first.ConversationID)
	}

	// The citizen's own close.
	if code := en.do("POST", "/api/v1/widget/conversation/close", tok, nil, nil); code != 200 {
		t.Fatalf("close: %d", code)
	}
	fourth := en.send(tok, "c4", "one more thing")
	if fourth.ConversationID == third.ConversationID || fourth.ConversationID == first.ConversationID {
		t.Fatalf("after the citizen's close the message went to %s", fourth.ConversationID)
	}

	// A retry when no conversation is open gets the same ids and opens none.
	ws.waitFor("c4", func(ev civicdesk.Event) bool { return ev.Message != nil && ev.Message.ClientMessageID == "c4" })
	if code := en.do("POST", "/api/v1/widget/conversation/close", tok, nil, nil); code != 200 {
		t.Fatalf("close: %d", code)
	}
	if again := en.send(tok, "c4", "one more thing"); again != fourth {
		t.Fatalf("retry of c4 with nothing open answered %+v, first %+v", again, fourth)
	}
	cv4, err := en.store.GetConversation(ctx, fourth.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	convs, err := en.store.ListConversations(ctx, civicdesk.ConversationFilter{ContactID: cv4.ContactID})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range convs {
		if c.State != civicdesk.StateClosed {
			t.Fatalf("the retry opened conversation %s (%s)", c.ID, c.State)
		}
	}
}

// A socket resumed with ?after gets what it missed once, then live events;
// an idle socket holds no goroutine and no handler, yet its close is seen; at
// shutdown sockets are told to reconnect.
func TestSocketsResumeIdleCheaplyAndCloseGracefully(t *testing.T) {
	en := newEnv(t)
	tok := en.session()
	// A first socket sees the five messages live: once it has, their
	// announcements are behind us and cannot race the resumed socket.
	first := en.dial(tok, "")
	var sent []messageAccepted
	for i := range 5 {
		sent = append(sent, en.send(tok, fmt.Sprintf("m%d", i), fmt.Sprintf("message %d", i)))
	}
	for i := range 5 {
		first.waitFor("message "+sent[i].MessageID, func(ev civicdesk.Event) bool { return ev.Message != nil && ev.Message.ID == sent[i].MessageID })
	}
	first.conn.CloseNow()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		ms, _ := en.store.ListMessages(context.Background(), sent[0].ConversationID, 0, 0)
		if len(ms) == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 5 messages recorded", len(ms))
		}
	}
	ws := en.dial(tok, sent[1].MessageID)
	for i := 2; i < 5; i++ {
		ev := ws.waitFor("a missed message", func(ev civicdesk.Event) bool { return ev.Type == "message" })
		if ev.Message.ID != sent[i].MessageID {
			t.Fatalf("resume gave %s, want %s", ev.Message.ID, sent[i].MessageID)
		}
	}
	live := en.send(tok, "m5", "live")
	ev := ws.waitFor("the live message", func(ev civicdesk.Event) bool { return ev.Type == "message" })
	if ev.Message.ID != live.MessageID {
		t.Fatalf("after the history came %s, want %s (nothing twice)", ev.Message.ID, live.MessageID)
	}

	// Idle sockets: no goroutine on the server.
	runtime.GC()
	before := runtime.NumGoroutine()
	const n = 40
	var socks []*socket
	for range n {
		socks = append(socks, en.dial(en.session(), ""))
	}
	time.Sleep(200 * time.Millisecond)
	// The test's client holds one goroutine per socket (its reader); the
	// server adds none, where it used to add one (its reader) or two.
	got := runtime.NumGoroutine() - before
	t.Logf("%d idle sockets: %d more goroutines (client and server)", n, got)
	if got > n+5 {
		t.Errorf("%d idle sockets added %d goroutines, want at most %d", n, got, n+5)
	}
	if c := en.ch.hub.count(); c != n+1 {
		t.Fatalf("hub holds %d sockets, want %d", c, n+1)
	}

	// With no reader waiting, a client's close is still noticed: its
	// socket leaves the hub.
	for _, s := range socks[n/2:] {
		s.conn.Close(websocket.StatusNormalClosure, "bye")
	}
	for _, s := range socks[n/4 : n/2] {
		s.conn.CloseNow() // no close frame: only the TCP connection ends
	}
	socks = socks[:n/4]
	for deadline := time.Now().Add(5 * time.Second); en.ch.hub.count() != n/4+1; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("hub holds %d sockets after %d closed, want %d", en.ch.hub.count(), n-n/4, n/4+1)
		}
	}

	// Shutdown: a going-away close, so that clients reconnect elsewhere.
	en.stop()
	for _, s := range append(socks, ws) {
		for range s.events {
		}
		if st := websocket.CloseStatus(s.err); st != websocket.StatusGoingAway {
			t.Fatalf("socket closed with %v, want going away", s.err)
		}
	}
}

// A quiet socket gets a keep-alive event (for proxies with idle timeouts,
// and for the kernel to find a vanished peer) and stays open.
func TestQuietSocketGetsKeepAlives(t *testing.T) {
	old := keepAliveEvery
	keepAliveEvery = 50 * time.Millisecond
	t.Cleanup(func() { keepAliveEvery = old })
	en := newEnv(t)
	ws := en.dial(en.session(), "")
	for range 3 {
		ws.waitFor("a keep-alive", func(ev civicdesk.Event) bool { return ev.Type == "keepalive" })
	}
	if c := en.ch.hub.count(); c != 1 {
		t.Fatalf("hub holds %d sockets after keep-alives, want 1", c)
	}
}
