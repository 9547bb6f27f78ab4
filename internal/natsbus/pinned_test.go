package natsbus

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/nats-io/nats-server/v2/server"
)

// Two replicas run the same batch consumer: one at a time handles it, so
// batches never overlap and come in stream order; when that one stops,
// the other takes over at once.
func TestConsumeBatchOneReplicaAtATimeInOrder(t *testing.T) {
	ns, err := StartServer(ServerConfig{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	connect := func(ns *server.Server) *Bus {
		b, err := Connect(context.Background(), Config{Embedded: ns}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		return b
	}
	a, b := connect(ns), connect(ns)

	var mu sync.Mutex
	var seen []int // payloads in the order handled, across both
	who := map[int]string{}
	busy := false // a batch is in a handler
	overlap := false
	handler := func(name string) func(ctx context.Context, ds []civicdesk.Delivery) error {
		return func(ctx context.Context, ds []civicdesk.Delivery) error {
			mu.Lock()
			if busy {
				overlap = true
			}
			busy = true
			mu.Unlock()
			for _, d := range ds {
				n, _ := strconv.Atoi(string(d.Data))
				mu.Lock()
				seen = append(seen, n)
				who[n] = name
				mu.Unlock()
				time.Sleep(time.Millisecond)
			}
			mu.Lock()
			busy = false
			mu.Unlock()
			return nil
		}
	}
	spec := civicdesk.ConsumerSpec{Stream: civicdesk.StreamInbound, Durable: "pinned"}
	ctxA, stopA := context.WithCancel(context.Background())
	doneA := make(chan struct{})
	go func() { defer close(doneA); _ = a.ConsumeBatch(ctxA, spec, 4, handler("a")) }()
	time.Sleep(300 * time.Millisecond) // a is pinned first
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	go func() { _ = b.ConsumeBatch(ctxB, spec, 4, handler("b")) }()
	time.Sleep(300 * time.Millisecond)

	for i := range 40 {
		if _, _, err := a.Publish(context.Background(), civicdesk.InboundSubject("test", "cv_1"), []byte(strconv.Itoa(i)), "p"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	waitSeen := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			got := len(seen)
			mu.Unlock()
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("handled %d of %d", got, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitSeen(40)
	stopA()
	<-doneA
	stopped := time.Now()
	for i := 40; i < 50; i++ {
		if _, _, err := b.Publish(context.Background(), civicdesk.InboundSubject("test", "cv_1"), []byte(strconv.Itoa(i)), "p"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	waitSeen(50)
	if took := time.Since(stopped); took > 3*time.Second {
		t.Errorf("the other replica took over %v after the first stopped", took)
	}
	mu.Lock()
	defer mu.Unlock()
	if overlap {
		t.Error("two replicas handled batches at the same time")
	}
	for i, n := range seen {
		if n != i {
			t.Fatalf("handled out of order or twice: %v", seen)
		}
	}
	for i := range 40 {
		if who[i] != "a" {
			t.Fatalf("message %d handled by %s while a held the consumer", i, who[i])
		}
	}
	for i := 40; i < 50; i++ {
		if who[i] != "b" {
			t.Fatalf("message %d handled by %s after a stopped", i, who[i])
		}
	}
}

// A batch that outlasts the ack wait is kept in progress, not redelivered.
func TestConsumeBatchKeepsASlowBatch(t *testing.T) {
	b := testBus(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	calls := 0
	go func() {
		_ = b.ConsumeBatch(ctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamInbound, Durable: "slow", AckWait: time.Second}, 4,
			func(ctx context.Context, ds []civicdesk.Delivery) error {
				mu.Lock()
				calls++
				mu.Unlock()
				time.Sleep(2500 * time.Millisecond)
				return nil
			})
	}()
	if _, _, err := b.Publish(context.Background(), civicdesk.InboundSubject("test", "cv_1"), []byte("x"), "slow1"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Fatalf("a batch that took 2.5 s with an ack wait of 1 s was handled %d times", calls)
	}
}
