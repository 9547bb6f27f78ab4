package natsbus

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// received collects what a Subscribe handler is given.
type received struct {
	mu   sync.Mutex
	data []string
}

func (r *received) handle(_ string, data []byte) {
	r.mu.Lock()
	r.data = append(r.data, string(data))
	r.mu.Unlock()
}

func (r *received) waitFor(t *testing.T, want []string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.mu.Lock()
		got := slices.Clone(r.data)
		r.mu.Unlock()
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) || len(got) > len(want) {
			t.Fatalf("got %q, want %q", got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Handlers of one subject share one subscription: each still gets every
// message published after it subscribed, in order, and stops getting them
// when it unsubscribes, without the others noticing.
func TestSubscribersOfASubjectShareOneSubscription(t *testing.T) {
	b := testBus(t)
	publish := func(from, to int) {
		for i := from; i < to; i++ {
			if err := b.PublishCore("cd.conv.message.cv_1", fmt.Appendf(nil, "%d", i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	seq := func(from, to int) []string {
		var s []string
		for i := from; i < to; i++ {
			s = append(s, fmt.Sprint(i))
		}
		return s
	}
	base := b.nc.NumSubscriptions() // JetStream's own reply subscription
	var first, second received
	unsubFirst, err := b.Subscribe("cd.conv.>", first.handle)
	if err != nil {
		t.Fatal(err)
	}
	publish(0, 5)
	first.waitFor(t, seq(0, 5))
	unsubSecond, err := b.Subscribe("cd.conv.>", second.handle)
	if err != nil {
		t.Fatal(err)
	}
	if n := b.nc.NumSubscriptions() - base; n != 1 {
		t.Fatalf("%d subscriptions for two handlers of one subject, want 1", n)
	}
	publish(5, 10)
	first.waitFor(t, seq(0, 10))
	second.waitFor(t, seq(5, 10))

	unsubFirst()
	unsubFirst() // twice is harmless
	publish(10, 12)
	second.waitFor(t, seq(5, 12))
	first.waitFor(t, seq(0, 10))

	unsubSecond()
	if n := b.nc.NumSubscriptions() - base; n != 0 {
		t.Fatalf("%d subscriptions left after every handler unsubscribed", n)
	}
	var third received
	unsubThird, err := b.Subscribe("cd.conv.>", third.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer unsubThird()
	publish(12, 13)
	third.waitFor(t, seq(12, 13))
	second.waitFor(t, seq(5, 12))
}
