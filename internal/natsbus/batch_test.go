package natsbus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

func testBus(t *testing.T) *Bus {
	t.Helper()
	ns, err := StartServer(ServerConfig{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	b, err := Connect(context.Background(), Config{Embedded: ns}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func publishAll(t *testing.T, b *Bus, n int, idPrefix string) {
	t.Helper()
	subjects, data, ids := make([]string, n), make([][]byte, n), make([]string, n)
	for i := range n {
		subjects[i] = civicdesk.InboundSubject("test", fmt.Sprintf("cv_%d", i%3))
		data[i] = []byte(fmt.Sprint(i))
		ids[i] = fmt.Sprintf("%s%d", idPrefix, i)
	}
	if err := b.PublishAll(context.Background(), subjects, data, ids); err != nil {
		t.Fatal(err)
	}
}

// PublishAll stores every message once, in order; publishing the same ids
// again stores nothing.
func TestPublishAllInOrderOnce(t *testing.T) {
	b := testBus(t)
	publishAll(t, b, 300, "m")
	publishAll(t, b, 300, "m")
	if err := b.PublishAll(context.Background(), []string{"a"}, nil, nil); err == nil {
		t.Fatal("mismatched slices accepted")
	}
	s, err := b.js.Stream(context.Background(), civicdesk.StreamInbound)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 300 {
		t.Fatalf("stream holds %d messages, want 300", info.State.Msgs)
	}
	for seq := uint64(1); seq <= 300; seq += 37 {
		m, err := s.GetMsg(context.Background(), seq)
		if err != nil {
			t.Fatal(err)
		}
		if string(m.Data) != fmt.Sprint(seq-1) {
			t.Fatalf("seq %d holds %q", seq, m.Data)
		}
	}
}

// ConsumeBatch hands over what is waiting in stream order, in batches, and
// acknowledges them; a failing message is retried alone while the others
// go on; an invalid one is dropped.
func TestConsumeBatch(t *testing.T) {
	b := testBus(t)
	publishAll(t, b, 500, "m")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var mu sync.Mutex
	var order []string
	batches, biggest := 0, 0
	poisonFails := 0
	done := make(chan struct{})
	handler := func(ctx context.Context, ds []civicdesk.Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		for _, d := range ds {
			switch string(d.Data) {
			case "250": // fails twice, then works
				if poisonFails < 4 {
					poisonFails++
					return errors.New("transient")
				}
			case "260":
				if len(ds) == 1 {
					return civicdesk.Errorf(civicdesk.CodeInvalid, "bad")
				}
				return errors.New("batch with a bad message")
			}
		}
		batches++
		biggest = max(biggest, len(ds))
		for _, d := range ds {
			order = append(order, string(d.Data))
		}
		if len(order) == 499 {
			close(done)
		}
		return nil
	}
	errc := make(chan error, 1)
	go func() {
		errc <- b.ConsumeBatch(ctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamInbound, Durable: "batchtest"}, 100, handler)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("handled %d of 499 messages", len(order))
	}
	mu.Lock()
	seen := map[string]int{}
	for _, o := range order {
		seen[o]++
	}
	for i := range 500 {
		want := 1
		if i == 260 {
			want = 0
		}
		if seen[fmt.Sprint(i)] != want {
			t.Errorf("message %d handled %d times", i, seen[fmt.Sprint(i)])
		}
	}
	prev := -1
	for _, o := range order {
		var n int
		fmt.Sscan(o, &n)
		if n == 250 {
			continue // retried after the others: redelivery comes later
		}
		if n <= prev {
			t.Errorf("message %d handled after %d", n, prev)
		}
		prev = n
	}
	if biggest < 2 || biggest > 100 {
		t.Errorf("largest batch %d: want several messages, at most 100", biggest)
	}
	mu.Unlock()

	// Everything was acknowledged: a new run of the consumer gets nothing.
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	cons, err := b.js.Consumer(context.Background(), civicdesk.StreamInbound, "batchtest")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		info, err := cons.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if info.NumAckPending == 0 && info.NumPending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer has %d pending, %d unacknowledged", info.NumPending, info.NumAckPending)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// MessagesSince reads a subject's messages from a time on, oldest first, and
// none when there are more than asked for.
func TestMessagesSince(t *testing.T) {
	b := testBus(t)
	ctx := context.Background()
	publishAll(t, b, 9, "early") // cv_0, cv_1, cv_2 in turn: 0 3 6 on cv_0
	time.Sleep(20 * time.Millisecond)
	since := time.Now()
	subject := civicdesk.InboundSubject("test", "cv_0")
	for _, text := range []string{"x", "y"} {
		if err := b.PublishAll(ctx, []string{subject, civicdesk.InboundSubject("test", "cv_1")}, [][]byte{[]byte(text), []byte("other")}, []string{"", ""}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		since time.Time
		limit int
		want  string
		all   bool
	}{
		{time.Time{}, 10, "[0 3 6 x y]", true},
		{since, 10, "[x y]", true},
		{since, 2, "[x y]", true},
		{since, 1, "[]", false},
		{time.Now().Add(time.Hour), 10, "[]", true},
	} {
		data, all, err := b.MessagesSince(ctx, civicdesk.StreamInbound, subject, tc.since, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(data))
		for i, d := range data {
			got[i] = string(d)
		}
		if fmt.Sprint(got) != tc.want || all != tc.all {
			t.Errorf("since %v, limit %d: %v (all %v), want %s (all %v)", tc.since, tc.limit, got, all, tc.want, tc.all)
		}
	}
}

// With a linger, a batch gathers for that long while messages come faster
// than one at a time (the previous batch held several), and is taken at
// once after a batch of one.
func TestConsumeBatchLingersUnderLoadOnly(t *testing.T) {
	b := testBus(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const linger = 1500 * time.Millisecond
	type batch struct {
		data string
		at   time.Time
	}
	got := make(chan batch, 10)
	release := make(chan struct{})
	first := true
	handler := func(ctx context.Context, ds []civicdesk.Delivery) error {
		var data []string
		for _, d := range ds {
			data = append(data, string(d.Data))
		}
		got <- batch{fmt.Sprint(data), time.Now()}
		if first { // hold the first batch until more is waiting
			first = false
			<-release
		}
		return nil
	}
	go func() {
		_ = b.ConsumeBatch(ctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamInbound, Durable: "linger", Linger: linger}, 100, handler)
	}()
	subject := civicdesk.InboundSubject("test", "cv_0")
	publish := func(texts ...string) time.Time {
		t.Helper()
		subjects, data, ids := []string{}, [][]byte{}, []string{}
		for _, text := range texts {
			subjects, data, ids = append(subjects, subject), append(data, []byte(text)), append(ids, "")
		}
		if err := b.PublishAll(ctx, subjects, data, ids); err != nil {
			t.Fatal(err)
		}
		return time.Now()
	}
	next := func(want string) batch {
		t.Helper()
		select {
		case g := <-got:
			if g.data != want {
				t.Fatalf("batch %s, want %s", g.data, want)
			}
			return g
		case <-time.After(20 * time.Second):
			t.Fatalf("no batch; want %s", want)
			return batch{}
		}
	}

	sent := publish("a")
	if g := next("[a]"); g.at.Sub(sent) > linger/2 {
		t.Fatalf("a lone message waited %v", g.at.Sub(sent))
	}
	publish("b", "c") // waiting while [a] is in hand
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c, err := b.js.Consumer(ctx, civicdesk.StreamInbound, "linger")
		if err != nil {
			t.Fatal(err)
		}
		if info, err := c.Info(ctx); err == nil && info.NumAckPending == 3 {
			break // both delivered to this process
		}
		if time.Now().After(deadline) {
			t.Fatal("b and c not delivered")
		}
	}
	time.Sleep(100 * time.Millisecond) // and handed to the batcher
	close(release)
	next("[b c]")
	// The last batch held two: d waits for e, which comes well within the
	// linger; without it d would go alone.
	sent = publish("d")
	time.Sleep(linger / 5)
	publish("e")
	if g := next("[d e]"); g.at.Sub(sent) < linger*9/10 {
		t.Fatalf("batch taken %v after its first message, before the linger", g.at.Sub(sent))
	}
	publish("f")
	next("[f]")
	sent = publish("g") // after a batch of one: at once
	if g := next("[g]"); g.at.Sub(sent) > linger/2 {
		t.Fatalf("a message after a batch of one waited %v", g.at.Sub(sent))
	}
}
