package webchat

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/auth"
)

// Visitors who arrive together must not all be read again from the store
// together: cached tokens and open conversations made in the same moment
// are looked up again over half a minute, not in the same second (at 3,000
// messages a second that second's burst of reads stalled every send).
func TestCacheEntriesMadeTogetherExpireApart(t *testing.T) {
	const n = 400
	en := newEnv(t)
	ctx := context.Background()
	before := time.Now()
	for i := range n {
		secret := fmt.Sprintf("visitor-secret-%04d", i)
		err := en.store.PutToken(ctx, civicdesk.Token{Hash: auth.HashToken(secret), Kind: civicdesk.TokenVisitor,
			SubjectID: fmt.Sprintf("ct_spread_%d", i), ExpiresAt: before.Add(24 * time.Hour).UTC()})
		if err != nil {
			t.Fatal(err)
		}
		if id, ok := en.ch.tokens.lookup(ctx, secret); !ok || id != fmt.Sprintf("ct_spread_%d", i) {
			t.Fatalf("token %d: got %q, %v", i, id, ok)
		}
	}
	after := time.Now()
	var rechecks []time.Time
	en.ch.tokens.mu.Lock()
	for _, ct := range en.ch.tokens.m {
		rechecks = append(rechecks, ct.recheck)
	}
	en.ch.tokens.mu.Unlock()
	checkSpread(t, "token rechecks", rechecks, before, after, tokenRecheck)

	cc := newConvCache(time.Minute)
	before = time.Now()
	for i := range n {
		cc.put(fmt.Sprintf("ct_%d", i), fmt.Sprintf("cv_%d", i), cc.generation())
	}
	after = time.Now()
	var expiries []time.Time
	for _, e := range cc.m {
		expiries = append(expiries, e.expires)
	}
	checkSpread(t, "open conversations", expiries, before, after, time.Minute)
}

// checkSpread checks that every time lies between half of ttl and ttl after
// the entries were made, and that they spread over most of that half.
func checkSpread(t *testing.T, what string, times []time.Time, before, after time.Time, ttl time.Duration) {
	t.Helper()
	if len(times) < 100 {
		t.Fatalf("%s: only %d entries cached", what, len(times))
	}
	first, last := times[0], times[0]
	for _, at := range times {
		if at.Before(before.Add(ttl/2)) || at.After(after.Add(ttl)) {
			t.Fatalf("%s: an entry lives %v, want between %v and %v", what, at.Sub(before), ttl/2, ttl)
		}
		if at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
	}
	if spreadOver := last.Sub(first); spreadOver < ttl/3 {
		t.Errorf("%s: %d entries made together expire within %v of each other, want them spread over about %v",
			what, len(times), spreadOver, ttl/2)
	}
}

// Sockets opened together (every widget reconnecting after a restart) send
// their keep-alives at different moments, not thousands in the same one
// every period; none waits longer than the period for its first.
func TestKeepAlivesOfSocketsOpenedTogetherSpread(t *testing.T) {
	const period, n = 2 * time.Second, 24
	old := keepAliveEvery
	keepAliveEvery = period
	t.Cleanup(func() { keepAliveEvery = old })
	en := newEnv(t)
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = en.session()
	}
	after := make(chan time.Duration, n)
	for _, token := range tokens {
		opened := time.Now()
		ws := en.dial(token, "")
		go func() {
			for ev := range ws.events {
				if ev.Type == "keepalive" {
					after <- time.Since(opened)
					return
				}
			}
		}()
	}
	var first, last time.Duration
	for i := range n {
		select {
		case d := <-after:
			if d < period/2-100*time.Millisecond || d > period+time.Second {
				t.Fatalf("a socket's first keep-alive came %v after it opened, want between %v and %v", d, period/2, period)
			}
			if i == 0 || d < first {
				first = d
			}
			last = max(last, d)
		case <-time.After(2 * period):
			t.Fatalf("%d of %d sockets got no keep-alive within %v", n-i, n, 2*period)
		}
	}
	if last-first < period/4 {
		t.Errorf("the first keep-alives of %d sockets came within %v of each other (%v to %v after opening), want them spread over about %v",
			n, last-first, first, last, period/2)
	}
}
