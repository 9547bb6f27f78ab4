package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/coder/websocket"
)

// syncBuffer is an io.Writer safe for the server's logs and the test's reads.
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

var listenRE = regexp.MustCompile(`CivicDesk listening on (http://[0-9.:]+)`)

// waitForURL waits until the server's output names its URL.
func waitForURL(t *testing.T, out interface{ String() string }, done <-chan struct{}) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenRE.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case <-done:
			t.Fatalf("server exited before listening:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("server did not start:\n%s", out.String())
	return ""
}

// api is a tiny JSON client.
type api struct {
	t     *testing.T
	base  string
	token string
}

func (a api) do(method, path string, body any, out any) int {
	a.t.Helper()
	code, err := a.try(method, path, body, out)
	if err != nil {
		a.t.Fatal(err)
	}
	return code
}

// try makes one request; err is a transport or decoding failure.
func (a api) try(method, path string, body any, out any) (int, error) {
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, a.base+path, r)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("%s %s: read: %w", method, path, err)
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode %q: %w", method, path, data, err)
		}
	}
	return resp.StatusCode, nil
}

func (a api) must(method, path string, body any, out any, want int) {
	a.t.Helper()
	if got := a.do(method, path, body, out); got != want {
		a.t.Fatalf("%s %s = %d, want %d", method, path, got, want)
	}
}

type session struct {
	VisitorToken string `json:"visitorToken"`
	ContactID    string `json:"contactId"`
}

type accepted struct {
	MessageID      string `json:"messageId"`
	ConversationID string `json:"conversationId"`
}

type history struct {
	ConversationID string              `json:"conversationId"`
	State          string              `json:"state"`
	Messages       []civicdesk.Message `json:"messages"`
}

func login(t *testing.T, base, email string) api {
	t.Helper()
	var out struct {
		Token string          `json:"token"`
		Agent civicdesk.Agent `json:"agent"`
	}
	api{t: t, base: base}.must("POST", "/api/v1/desk/login", map[string]string{"email": email, "password": DemoPassword}, &out, 200)
	if out.Token == "" || out.Agent.Email != email {
		t.Fatalf("login %s: %+v", email, out)
	}
	return api{t: t, base: base, token: out.Token}
}

// socket reads events from a WebSocket in the background. When reading
// ends, err says why, then closed and events are closed (events after
// everything read before).
type socket struct {
	t      *testing.T
	events chan civicdesk.Event
	conn   *websocket.Conn
	closed chan struct{}
	err    error
}

func dial(t *testing.T, url string) *socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, strings.Replace(url, "http://", "ws://", 1), nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", url, err, status)
	}
	conn.SetReadLimit(1 << 20)
	s := &socket{t: t, events: make(chan civicdesk.Event, 1000), conn: conn, closed: make(chan struct{})}
	go func() {
		defer close(s.events)
		for {
			_, data, err := conn.Read(context.Background())
			if err != nil {
				s.err = err
				close(s.closed)
				return
			}
			var ev civicdesk.Event
			if err := json.Unmarshal(data, &ev); err == nil {
				s.events <- ev
			}
		}
	}()
	t.Cleanup(func() { conn.CloseNow() })
	return s
}

// waitFor returns the first event that matches, failing after a timeout.
func (s *socket) waitFor(what string, match func(civicdesk.Event) bool) civicdesk.Event {
	s.t.Helper()
	return s.next(s.t, what, 20*time.Second, match)
}

// next returns the next event that matches, or fails after timeout (also
// when the socket closes first).
func (s *socket) next(t *testing.T, what string, timeout time.Duration, match func(civicdesk.Event) bool) civicdesk.Event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, open := <-s.events:
			if !open {
				t.Fatalf("socket closed (%v) while waiting for %s", s.err, what)
			}
			if match(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

func uuid(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }
