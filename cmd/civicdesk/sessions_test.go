package main

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/auth"
	"github.com/civicdesk/civicdesk/internal/sqlitestore"
)

// testClock is the desk's clock in a test, moved by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// useClock makes the next server's desk run on a test clock.
func useClock(t *testing.T) *testClock {
	c := &testClock{now: time.Now().UTC().Truncate(time.Millisecond)}
	deskClock = c.Now
	t.Cleanup(func() { deskClock = nil })
	return c
}

// storedSession reads a session from the server's SQLite store, beside the
// running server.
func storedSession(t *testing.T, dataDir, secret string) (civicdesk.Token, error) {
	t.Helper()
	s, err := sqlitestore.New(context.Background(), sqlitestore.Config{Path: filepath.Join(dataDir, "civicdesk.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return s.GetToken(context.Background(), auth.HashToken(secret))
}

func TestSessionsIdleOutAndExpire(t *testing.T) {
	clk := useClock(t)
	dataDir := t.TempDir()
	base, _, _ := startMain(t, dataDir)
	t0 := clk.Now()
	desk := login(t, base, "agent1@demo.gov")

	// Used within the minute: not written again.
	clk.Advance(20 * time.Second)
	desk.must("GET", "/api/v1/desk/me", nil, nil, 200)
	tok, err := storedSession(t, dataDir, desk.token)
	if err != nil || !tok.LastSeenAt.Equal(t0) {
		t.Fatalf("session after 20 s: %+v %v; want last seen at sign-in %v", tok, err, t0)
	}
	// Used after 20 minutes: recorded, and the idle time starts again.
	clk.Advance(20*time.Minute - 20*time.Second)
	desk.must("GET", "/api/v1/desk/me", nil, nil, 200)
	tok, _ = storedSession(t, dataDir, desk.token)
	if !tok.LastSeenAt.Equal(t0.Add(20 * time.Minute)) {
		t.Fatalf("last seen %v, want %v", tok.LastSeenAt, t0.Add(20*time.Minute))
	}
	// 49 minutes after sign-in but 29 after the last use: still signed in.
	clk.Advance(29 * time.Minute)
	desk.must("GET", "/api/v1/desk/conversations", nil, nil, 200)
	// 30 minutes unused: ended, and gone from the store.
	clk.Advance(30 * time.Minute)
	var errBody struct {
		Error struct{ Message string } `json:"error"`
	}
	if code := desk.do("GET", "/api/v1/desk/me", nil, &errBody); code != 401 || !strings.Contains(errBody.Error.Message, "without activity") {
		t.Fatalf("after 30 idle minutes /me = %d %q, want 401 saying why", code, errBody.Error.Message)
	}
	if _, err := storedSession(t, dataDir, desk.token); !civicdesk.IsNotFound(err) {
		t.Fatalf("idle session still stored: %v", err)
	}

	// Busy all day, the session still ends 12 h after sign-in.
	busy := login(t, base, "agent2@demo.gov")
	start := clk.Now()
	for clk.Now().Sub(start) < 12*time.Hour-20*time.Minute {
		clk.Advance(20 * time.Minute)
		busy.must("GET", "/api/v1/desk/me", nil, nil, 200)
	}
	clk.Advance(20 * time.Minute)
	busy.must("GET", "/api/v1/desk/me", nil, nil, 401)
}

func TestSessionIdleSetting(t *testing.T) {
	clk := useClock(t)
	base, _, _ := startMain(t, t.TempDir(), "--session-idle", "5m", "--session-ttl", "1h")
	desk := login(t, base, "agent1@demo.gov")
	clk.Advance(4 * time.Minute)
	desk.must("GET", "/api/v1/desk/me", nil, nil, 200)
	clk.Advance(5 * time.Minute)
	desk.must("GET", "/api/v1/desk/me", nil, nil, 401)

	for _, bad := range [][]string{{"--session-idle", "10s"}, {"--session-ttl", "forever"}, {"--oidc-issuer", "https://idp.example"},
		{"--oidc-issuer", "https://idp.example", "--oidc-client-id", "x", "--oidc-role-map", "admins=root"},
		{"--oidc-auto-provision", "yes"}} {
		if _, err := parseConfig("serve", bad, func(string) string { return "" }, &bytes.Buffer{}); err == nil {
			t.Errorf("config %v accepted", bad)
		}
	}
}

func TestSignOutEverywhere(t *testing.T) {
	base, _, _ := startMain(t, t.TempDir())
	first := login(t, base, "agent1@demo.gov")
	second := login(t, base, "agent1@demo.gov")
	other := login(t, base, "supervisor@demo.gov")
	ws := dial(t, base+"/api/v1/desk/ws?token="+second.token)

	var out struct {
		Revoked int `json:"revoked"`
	}
	first.must("POST", "/api/v1/desk/me/sessions/revoke", nil, &out, 200)
	if out.Revoked != 2 {
		t.Fatalf("revoked %d sessions, want 2", out.Revoked)
	}
	first.must("GET", "/api/v1/desk/me", nil, nil, 401)
	second.must("GET", "/api/v1/desk/me", nil, nil, 401)
	other.must("GET", "/api/v1/desk/me", nil, nil, 200)
	waitClosed(t, ws)
	waitAudit(t, other, func(action, target string, _ map[string]string) bool {
		return action == "signout_everywhere" && target == "ag_agent1"
	})
}

// waitClosed waits until the server closes a socket.
func waitClosed(t *testing.T, s *socket) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-s.events:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("the socket stayed open")
		}
	}
}

func TestDeactivatingAnAgentEndsTheirSessions(t *testing.T) {
	dataDir := t.TempDir()
	base, _, _ := startMain(t, dataDir)
	sup := login(t, base, "supervisor@demo.gov")
	agent2 := login(t, base, "agent2@demo.gov")
	ws := dial(t, base+"/api/v1/desk/ws?token="+agent2.token)
	put := func(disabled bool) {
		sup.must("PUT", "/api/v1/admin/agents", map[string]any{"id": "ag_agent2", "email": "agent2@demo.gov", "name": "Bea Nguyen",
			"role": "caseworker", "departments": []string{"benefits", "housing"}, "languages": []string{"en", "vi"}, "disabled": disabled}, nil, http.StatusOK)
	}
	put(true)
	agent2.must("GET", "/api/v1/desk/me", nil, nil, 401)
	waitClosed(t, ws)
	// Ended, not just blocked: enabling the account again does not revive
	// the old session.
	put(false)
	agent2.must("GET", "/api/v1/desk/me", nil, nil, 401)
	if _, err := storedSession(t, dataDir, agent2.token); !civicdesk.IsNotFound(err) {
		t.Fatalf("deactivated agent's session still stored: %v", err)
	}

	// The CLI's agent disable ends sessions too.
	agent3 := login(t, base, "agent3@demo.gov")
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"agent", "disable", "--email", "agent3@demo.gov", "--data-dir", dataDir}, strings.NewReader(""), &out, &errOut, func(string) string { return "" }); code != 0 {
		t.Fatalf("agent disable = %d: %s", code, errOut.String())
	}
	if _, err := storedSession(t, dataDir, agent3.token); !civicdesk.IsNotFound(err) {
		t.Fatalf("CLI-disabled agent's session still stored: %v", err)
	}
	agent3.must("GET", "/api/v1/desk/me", nil, nil, 401)
}

// A caseworker's requests do not each read their session and agent from the
// store: they are checked again every few seconds. A sign-out made here
// still takes effect at once.
func TestDeskRequestsDoNotReadTheSessionEachTime(t *testing.T) {
	base, _, _ := startMain(t, t.TempDir())
	a := login(t, base, "agent1@demo.gov")
	before := storeOps(t, base)
	const n = 40
	for range n {
		a.must("GET", "/api/v1/desk/me", nil, nil, 200)
	}
	after := storeOps(t, base)
	t.Logf("store operations before %v, after %v", before, after)
	if after["get_token"] == 0 {
		t.Fatal("the requests read no session at all: is get_token counted?")
	}
	// One read at most per sessionRecheck (5 s); the requests take far
	// less, so two allows for a boundary.
	for _, op := range []string{"get_token", "get_agent"} {
		if d := after[op] - before[op]; d > 2 {
			t.Errorf("%d requests read %s %v times, want at most 2", n, op, d)
		}
	}
	a.must("POST", "/api/v1/desk/logout", nil, nil, 200)
	a.must("GET", "/api/v1/desk/me", nil, nil, 401)
}

// storeOps reads the server's count of store operations by op from /metrics.
func storeOps(t *testing.T, base string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, `civicdesk_store_seconds_count{op="`)
		if !ok {
			continue
		}
		op, num, ok := strings.Cut(rest, `"} `)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[op] = v
	}
	return out // an op not there yet has run 0 times
}
