package natsbus

import (
	"context"
	"fmt"
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
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Consume did not return after its context was done")
	}
}
