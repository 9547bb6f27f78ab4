package main

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk/channels/sms"
)

func TestPercentiles(t *testing.T) {
	l := newLatency("x")
	for i := 1; i <= 1000; i++ {
		l.observe(time.Duration(i) * time.Millisecond)
	}
	s := l.summary()
	if s.Count != 1000 || s.P50ms != 500 || s.P90ms != 900 || s.P99ms != 990 || s.MaxMs != 1000 {
		t.Fatalf("summary %+v", s)
	}
	if got := l.lap(); len(got) != 1000 || len(l.lap()) != 0 {
		t.Fatalf("lap gave %d, then not empty", len(got))
	}
}

func TestSameOrderOnce(t *testing.T) {
	for _, tc := range []struct {
		acked, stored []string
		ok            bool
	}{
		{[]string{"a", "b"}, []string{"a", "b"}, true},
		{[]string{"a", "b"}, []string{"a", "x", "b"}, true}, // x was in flight at a kill
		{[]string{"a", "b"}, []string{"a"}, false},
		{[]string{"a", "b"}, []string{"b", "a"}, false},
		{[]string{"a"}, []string{"a", "a"}, false},
	} {
		if ok, why := sameOrderOnce(tc.acked, tc.stored); ok != tc.ok {
			t.Errorf("%v in %v: %v (%s)", tc.acked, tc.stored, ok, why)
		}
	}
}

func TestOnlyLoopbackTargets(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"} {
		if _, err := parseTarget(u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1:8080", "http://example.org", "https://127.0.0.1:8080", "http://192.168.1.2"} {
		if _, err := parseTarget(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	if err := checkLoopback("203.0.113.5:2525"); err == nil {
		t.Error("a remote SMTP address accepted")
	}
}

// The generator signs webhooks as the SMS channel checks them.
func TestTwilioSignatureMatchesTheChannel(t *testing.T) {
	form := url.Values{"From": {"+15550000001"}, "To": {"+15550001000"}, "Body": {"hi & bye"}, "MessageSid": {"SM1"}}
	u := "http://127.0.0.1:8080/api/v1/channels/sms/twilio"
	if got, want := twilioSignature("secret", u, form), sms.Signature("secret", u, form); got != want {
		t.Fatalf("signature %q, the channel computes %q", got, want)
	}
}

func TestFlags(t *testing.T) {
	if _, err := parseFlags([]string{"--mode", "idle"}, nil); err == nil {
		t.Error("idle without --idle-sockets accepted")
	}
	c, err := parseFlags([]string{"--mode", "e2e", "--rate", "10"}, nil)
	if err != nil || c.visitors != 30 || c.agents != 6 {
		t.Fatalf("e2e defaults: %+v %v", c, err)
	}
	if _, err := parseFlags([]string{"--url", "http://example.org"}, nil); err == nil {
		t.Error("a remote --url accepted")
	}
}

// The plan's last messages fall after the last tick of its time; they are
// sent all the same, so a run reports every planned message sent.
func TestPaceSendsEveryPlannedMessage(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		d    time.Duration
		want int
	}{
		{3000, 100 * time.Millisecond, 300},
		{10, 250 * time.Millisecond, 3}, // at 0, 100 and 200 ms
		{3000, 60 * time.Second, 180000},
	} {
		if got := plannedCount(tc.rate, tc.d); got != tc.want {
			t.Errorf("plannedCount(%v, %v) = %d, want %d", tc.rate, tc.d, got, tc.want)
		}
		if tc.d > time.Second {
			continue
		}
		var mu sync.Mutex
		var times []time.Time
		started := time.Now()
		n := pace(context.Background(), tc.rate, tc.d, 4, func(p time.Time) {
			mu.Lock()
			times = append(times, p)
			mu.Unlock()
		})
		if n != tc.want || len(times) != tc.want {
			t.Fatalf("rate %v for %v: pace reported %d and called fn %d times, want %d", tc.rate, tc.d, n, len(times), tc.want)
		}
		for _, p := range times {
			if p.Sub(started) >= tc.d+time.Millisecond {
				t.Errorf("a message planned at %v, after the run's %v", p.Sub(started), tc.d)
			}
		}
	}
}
