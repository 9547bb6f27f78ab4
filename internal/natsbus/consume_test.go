package natsbus

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

// Parallel handles conversations at once, each conversation's messages in
// order and every message once.
func TestConsumeParallelKeepsEachConversationInOrder(t *testing.T) {
	b := testBus(t)
	const convs, each = 6, 40
	var subjects []string
	var data [][]byte
	var ids []string
	for i := range each {
		for c := range convs {
			subjects = append(subjects, civicdesk.ConvSubject(civicdesk.VerbMessage, fmt.Sprintf("cv_%d", c)))
			data = append(data, []byte(strconv.Itoa(i)))
			ids = append(ids, fmt.Sprintf("m_%d_%d", c, i))
		}
	}
	if err := b.PublishAll(context.Background(), subjects, data, ids); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	got := map[string][]int{}
	var running, most atomic.Int32
	done := make(chan struct{})
	handled := 0
	handler := func(ctx context.Context, d civicdesk.Delivery) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond) // a handler waiting on I/O
		i, _ := strconv.Atoi(string(d.Data))
		conv := d.Subject[strings.LastIndexByte(d.Subject, '.')+1:]
		mu.Lock()
		defer mu.Unlock()
		got[conv] = append(got[conv], i)
		if handled++; handled == convs*each {
			close(done)
		}
		return nil
	}
	errc := make(chan error, 1)
	go func() {
		errc <- b.Consume(ctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamEvents, Durable: "paralleltest",
			Filters: []string{civicdesk.ConvSubject(civicdesk.VerbMessage, "*")}, Parallel: 8}, handler)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("handled %d of %d messages", handled, convs*each)
	}
	if most.Load() < 2 {
		t.Errorf("at most %d handler ran at once, want conversations in parallel", most.Load())
	}
	mu.Lock()
	for c := range convs {
		seq := got[fmt.Sprintf("cv_%d", c)]
		if len(seq) != each {
			t.Errorf("cv_%d: %d messages handled, want %d", c, len(seq), each)
		}
		for i, v := range seq {
			if v != i {
				t.Errorf("cv_%d: message %d handled in place %d: %v", c, v, i, seq)
				break
			}
		}
	}
	mu.Unlock()
	cancel()
	waitReturned(t, errc)
}

// levelCounter counts the log records at each level.
type levelCounter struct {
	mu     sync.Mutex
	counts map[slog.Level]int
}

func (l *levelCounter) Enabled(context.Context, slog.Level) bool { return true }
func (l *levelCounter) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.counts[r.Level]++
	return nil
}
func (l *levelCounter) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *levelCounter) WithGroup(string) slog.Handler      { return l }

func (l *levelCounter) count(level slog.Level) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.counts[level]
}

// On shutdown Consume hands back what it holds without running the handler
// on it or warning about it, and a consumer started later gets every
// message at once rather than after a backoff or the ack wait.
func TestConsumeHandsBackWhatItHoldsOnShutdown(t *testing.T) {
	ns, err := StartServer(ServerConfig{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	logs := &levelCounter{counts: map[slog.Level]int{}}
	b, err := Connect(context.Background(), Config{Embedded: ns}, slog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	const n = 60
	subjects, data, ids := make([]string, n), make([][]byte, n), make([]string, n)
	for i := range n {
		subjects[i] = civicdesk.ConvSubject(civicdesk.VerbMessage, fmt.Sprintf("cv_%d", i%4))
		data[i] = []byte(strconv.Itoa(i))
		ids[i] = fmt.Sprintf("m_%d", i)
	}
	if err := b.PublishAll(context.Background(), subjects, data, ids); err != nil {
		t.Fatal(err)
	}
	spec := civicdesk.ConsumerSpec{Stream: civicdesk.StreamEvents, Durable: "handback",
		Filters: []string{civicdesk.ConvSubject(civicdesk.VerbMessage, "*")}, AckWait: 30 * time.Second}

	// The first consumer is shut down in its first message, with the rest
	// of the stream pulled and in hand.
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	errc := make(chan error, 1)
	go func() {
		errc <- b.Consume(ctx, spec, func(hctx context.Context, d civicdesk.Delivery) error {
			if calls.Add(1) == 1 {
				time.Sleep(200 * time.Millisecond) // let the pull fill up
				cancel()
				<-hctx.Done()
				return hctx.Err()
			}
			return nil
		})
	}()
	waitReturned(t, errc)
	if c := calls.Load(); c != 1 {
		t.Errorf("handler ran %d times, want once: nothing after shutdown began", c)
	}
	if w := logs.count(slog.LevelWarn) + logs.count(slog.LevelError); w != 0 {
		t.Errorf("%d warnings or errors logged for a shutdown", w)
	}

	// The next consumer gets all of them, the interrupted one included,
	// well within the ack wait.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	var mu sync.Mutex
	seen := map[string]bool{}
	all := make(chan struct{})
	go func() {
		errc <- b.Consume(ctx2, spec, func(_ context.Context, d civicdesk.Delivery) error {
			mu.Lock()
			defer mu.Unlock()
			seen[string(d.Data)] = true
			if len(seen) == n {
				close(all)
			}
			return nil
		})
	}()
	select {
	case <-all:
	case <-time.After(5 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("the next consumer got %d of %d messages within 5 s", len(seen), n)
	}
	cancel2()
	waitReturned(t, errc)
}

// waitReturned waits for a Consume whose context is done to return nil.
func waitReturned(t *testing.T, errc <-chan error) {
	t.Helper()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Consume did not return after its context was done")
	}
}
