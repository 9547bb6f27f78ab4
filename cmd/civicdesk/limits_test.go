package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk/channels/sms"
	"github.com/coder/websocket"
)

// hit sends one request and returns the response with its body read.
func hit(t *testing.T, method, u, token, contentType string, body []byte, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, data
}

// checkRetryAfter fails unless a 429 says, in whole seconds, when to retry.
func checkRetryAfter(t *testing.T, what string, resp *http.Response, maxSeconds int) {
	t.Helper()
	v := resp.Header.Get("Retry-After")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxSeconds {
		t.Fatalf("%s: 429 with Retry-After %q, want 1..%d seconds", what, v, maxSeconds)
	}
}

// count runs a COUNT query on the server's SQLite file.
func count(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitCount waits until query counts want, then checks it stays there.
func waitCount(t *testing.T, db *sql.DB, want int, query string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for count(t, db, query, args...) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s = %d, want %d", query, count(t, db, query, args...), want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if got := count(t, db, query, args...); got != want {
		t.Fatalf("%s = %d after settling, want %d: a refused request was stored", query, got, want)
	}
}

// Every limiter, driven over its limit over real HTTP, answers 429 with a
// Retry-After in seconds and stores nothing of what it refused.
func TestEveryLimiterAnswers429WithRetryAfterAndStoresNothing(t *testing.T) {
	twilio := httptest.NewServer(&twilioStub{})
	defer twilio.Close()
	const public, token, citizen = "http://127.0.0.1:0", "limits-token", "+15557654321"
	dataDir := t.TempDir()
	base, _, _ := startMain(t, dataDir, "--rate-limit", "on", "--twilio-account-sid", "ACe2e", "--twilio-auth-token", token,
		"--twilio-from", "+15005550006", "--twilio-base-url", twilio.URL)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "civicdesk.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Widget, per visitor: 20 at once, then 5 a second.
	resp, data := hit(t, "POST", base+"/api/v1/widget/sessions", "", "application/json", []byte(`{}`), nil)
	var sess session
	if resp.StatusCode != 201 || json.Unmarshal(data, &sess) != nil {
		t.Fatalf("session = %d %s", resp.StatusCode, data)
	}
	accepted, limited := 0, 0
	for i := 0; i < 300 && limited == 0; i++ { // bounded; a slow machine refills while it sends
		body := fmt.Sprintf(`{"clientMessageId":%q,"text":"limit-chat-%d"}`, uuid(100+i), i)
		resp, data := hit(t, "POST", base+"/api/v1/widget/messages", sess.VisitorToken, "application/json", []byte(body), nil)
		switch resp.StatusCode {
		case 202:
			accepted++
		case 429:
			limited++
			checkRetryAfter(t, "widget per visitor", resp, 5)
			if !strings.Contains(string(data), `"rate_limited"`) {
				t.Fatalf("429 body %s", data)
			}
		default:
			t.Fatalf("message %d = %d %s", i, resp.StatusCode, data)
		}
	}
	if limited == 0 || accepted < 20 {
		t.Fatalf("per visitor: %d accepted, %d limited", accepted, limited)
	}
	waitCount(t, db, accepted, `SELECT count(*) FROM messages WHERE doc LIKE '%limit-chat-%' AND doc LIKE '%"kind":"citizen"%'`)

	// The widget socket refuses frames over its limit.
	for _, ws := range []string{"/api/v1/widget/ws?token=" + sess.VisitorToken, "/api/v1/desk/ws?token=" + loginToken(t, base)} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, _, err := websocket.Dial(ctx, strings.Replace(base, "http://", "ws://", 1)+ws, nil)
		if err != nil {
			t.Fatalf("dial %s: %v", ws, err)
		}
		_ = conn.Write(ctx, websocket.MessageText, bytes.Repeat([]byte("x"), 64<<10))
		var readErr error
		for readErr == nil {
			_, _, readErr = conn.Read(ctx)
		}
		if websocket.CloseStatus(readErr) != websocket.StatusMessageTooBig {
			t.Fatalf("%s: a 64 KiB frame ended with %v, want close 1009", ws, readErr)
		}
		cancel()
	}

	// SMS, per number: 10 at once, then 1 a second.
	accepted, limited = 0, 0
	for i := 0; i < 100 && limited == 0; i++ {
		form := url.Values{"MessageSid": {fmt.Sprintf("SMlimit%026d", i)}, "From": {citizen}, "To": {"+15005550006"}, "Body": {fmt.Sprintf("limit-sms-%d", i)}}
		resp, data := hit(t, "POST", base+"/api/v1/channels/sms/twilio", "", "application/x-www-form-urlencoded", []byte(form.Encode()),
			map[string]string{"X-Twilio-Signature": sms.Signature(token, public+"/api/v1/channels/sms/twilio", form)})
		switch resp.StatusCode {
		case 200:
			accepted++
		case 429:
			limited++
			checkRetryAfter(t, "sms per number", resp, 2)
		default:
			t.Fatalf("text %d = %d %s", i, resp.StatusCode, data)
		}
	}
	if limited == 0 || accepted < 10 {
		t.Fatalf("per number: %d accepted, %d limited", accepted, limited)
	}
	waitCount(t, db, accepted, `SELECT count(*) FROM messages WHERE doc LIKE '%limit-sms-%' AND doc LIKE '%"kind":"citizen"%'`)

	// Staff sign-in, per address: 10 at once, then one every 2 seconds. A
	// new X-Forwarded-For or X-Real-IP on every try changes nothing: no
	// proxy is trusted, so the address is the TCP peer's.
	limited = 0
	for i := 0; i < 100 && limited == 0; i++ {
		spoof := map[string]string{"X-Forwarded-For": fmt.Sprintf("203.0.113.%d", i), "X-Real-IP": fmt.Sprintf("198.51.100.%d", i)}
		resp, data := hit(t, "POST", base+"/api/v1/desk/login", "", "application/json", []byte(fmt.Sprintf(`{"email":"nobody%d@demo.gov","password":"wrong-password"}`, i)), spoof)
		switch resp.StatusCode {
		case 401:
		case 429:
			limited++
			checkRetryAfter(t, "sign-in per address", resp, 3)
		default:
			t.Fatalf("login %d = %d %s", i, resp.StatusCode, data)
		}
	}
	if limited == 0 {
		t.Fatal("sign-in was never limited")
	}

	// Transcripts by email, per address: 10 at once, then one a minute (each
	// mails the citizen's text, from the agency, to an address nobody
	// checked). A close refused for it closes nothing.
	for i := 0; ; i++ {
		resp, data := hit(t, "POST", base+"/api/v1/widget/sessions", "", "application/json", []byte(`{}`), nil)
		var s session
		if resp.StatusCode != 201 || json.Unmarshal(data, &s) != nil {
			t.Fatalf("transcript session %d = %d %s", i, resp.StatusCode, data)
		}
		body := fmt.Sprintf(`{"clientMessageId":%q,"text":"transcript please"}`, uuid(900+i))
		if resp, data := hit(t, "POST", base+"/api/v1/widget/messages", s.VisitorToken, "application/json", []byte(body), nil); resp.StatusCode != 202 {
			t.Fatalf("transcript message %d = %d %s", i, resp.StatusCode, data)
		}
		resp, data = hit(t, "POST", base+"/api/v1/widget/conversation/close", s.VisitorToken, "application/json", []byte(`{"transcriptEmail":"me@example.org"}`), nil)
		if resp.StatusCode == 200 {
			if i >= 10 {
				t.Fatal("transcripts were never limited")
			}
			continue
		}
		if resp.StatusCode != 429 || i < 10 {
			t.Fatalf("transcript %d = %d %s", i, resp.StatusCode, data)
		}
		checkRetryAfter(t, "transcripts per address", resp, 60)
		var h history
		if resp, data := hit(t, "GET", base+"/api/v1/widget/messages", s.VisitorToken, "", nil, nil); resp.StatusCode != 200 || json.Unmarshal(data, &h) != nil || h.State == "closed" {
			t.Fatalf("after a refused transcript: %d %s", resp.StatusCode, data)
		}
		break
	}

	// Widget sessions, per address: 30 at once, then 2 a second; the
	// availability check shares the budget.
	before := count(t, db, `SELECT count(*) FROM contacts`)
	created, limited := 1, 0 // the session above
	for i := 0; i < 300 && limited == 0; i++ {
		resp, data := hit(t, "POST", base+"/api/v1/widget/sessions", "", "application/json", []byte(`{"name":"Limit Tester"}`), nil)
		switch resp.StatusCode {
		case 201:
			created++
		case 429:
			limited++
			checkRetryAfter(t, "widget sessions per address", resp, 1)
		default:
			t.Fatalf("session %d = %d %s", i, resp.StatusCode, data)
		}
	}
	if limited == 0 {
		t.Fatal("sessions were never limited")
	}
	resp, _ = hit(t, "GET", base+"/api/v1/widget/availability", "", "", nil, nil)
	if resp.StatusCode != 429 {
		t.Fatalf("availability over the limit = %d", resp.StatusCode)
	}
	checkRetryAfter(t, "availability per address", resp, 1)
	waitCount(t, db, before+created-1, `SELECT count(*) FROM contacts`)
}

func loginToken(t *testing.T, base string) string {
	t.Helper()
	a := login(t, base, "agent1@demo.gov")
	if a.token == "" {
		t.Fatal(errors.New("no token"))
	}
	return a.token
}
