package routing

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

// The benchmarks measure one routing decision with 10,000 caseworkers and
// 100,000 waiting conversations, and the memory a waiting conversation
// costs (every structure included: indexes, timers, the department order).
// Run them with
//
//	go test -run '^$' -bench . -benchtime 20000x ./routing/

const (
	benchAgents  = 10_000
	benchWaiting = 100_000
	benchDepts   = 50
)

var benchLangs = []string{"es", "vi", "zh", "fr", "ar", "ht", "tl", "so"}

type benchWorld struct {
	e       *Engine
	clk     *fakeClock
	rnd     *rand.Rand
	n       int
	held    map[string][]string // agent → its conversations
	agents  []string
	perConv float64 // heap bytes per waiting conversation
}

func benchAgent(i int) AgentInfo {
	return AgentInfo{ID: fmt.Sprintf("ag%05d", i), Role: civicdesk.RoleCaseworker, Status: civicdesk.StatusAvailable,
		Departments: []string{fmt.Sprintf("d%02d", i%benchDepts), fmt.Sprintf("d%02d", (i*7+3)%benchDepts)},
		Languages:   []string{"en", benchLangs[i%len(benchLangs)]}}
}

func (w *benchWorld) conv(lang string) ConvInfo {
	w.n++
	ch := []civicdesk.Channel{"webchat", "webchat", "sms", "email"}[w.rnd.IntN(4)]
	return ConvInfo{ID: fmt.Sprintf("cv%07d", w.n), Department: fmt.Sprintf("d%02d", w.rnd.IntN(benchDepts)), Language: lang,
		Channel: ch, Priority: []int{10, 10, 10, 50, 100}[w.rnd.IntN(5)]}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// newBenchWorld builds an engine with agents (each holding load conversations
// first), then waiting conversations that cannot be routed: every agent full
// (full) or a language nobody speaks.
func newBenchWorld(tb testing.TB, agents, waiting, load int, waitLang string) *benchWorld {
	clk := newClock(at("2026-03-02T15:00:00Z"))
	e, err := NewEngine(Config{Now: clk.now, Default: Department{Escalation: []EscalationStep{{After: time.Hour, Widen: []string{"general"}}, {After: 2 * time.Hour, DropLanguage: true}}}})
	if err != nil {
		tb.Fatal(err)
	}
	w := &benchWorld{e: e, clk: clk, rnd: rand.New(rand.NewPCG(1, 2)), held: map[string][]string{}}
	for i := range agents {
		a := benchAgent(i)
		w.agents = append(w.agents, a.ID)
		e.UpdateAgent(a)
	}
	for i := range agents {
		a := benchAgent(i)
		for range load {
			w.n++
			c := ConvInfo{ID: fmt.Sprintf("cv%07d", w.n), Department: a.Departments[0], Language: "en", Channel: civicdesk.ChannelWebchat, Priority: 10}
			e.Assign(c, a, "setup")
			w.held[a.ID] = append(w.held[a.ID], c.ID)
		}
	}
	before := heapInUse()
	for range waiting {
		clk.add(time.Millisecond)
		e.Enqueue(w.conv(waitLang))
	}
	after := heapInUse()
	w.perConv = float64(after-before) / float64(max(waiting, 1))
	if got := e.QueueLenTotal(); got != waiting {
		tb.Fatalf("%d waiting, want %d", got, waiting)
	}
	return w
}

// QueueLenTotal counts every queued conversation (for the benchmarks).
func (e *Engine) QueueLenTotal() int {
	n := 0
	for _, d := range e.depts {
		n += d.order.Len()
	}
	return n
}

func report(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
	b.ReportMetric(q(0.999), "p99.9-µs")
}

// BenchmarkAgentFreesPicksFromWaiting: every agent is full and 100,000
// conversations wait. An agent closes one conversation; the engine picks the
// most urgent waiting conversation it may take and assigns it (and
// announces the new positions of the first 100 of its departments). A new
// conversation then arrives, so 100,000 keep waiting; its handling is timed
// too (queue it, announce its position).
func BenchmarkAgentFreesPicksFromWaiting(b *testing.B) {
	w := newBenchWorld(b, benchAgents, benchWaiting, 5, "en")
	freed := make([]time.Duration, 0, b.N)
	arrive := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		w.clk.add(time.Millisecond)
		a := w.agents[(i*7919)%len(w.agents)]
		c := w.e.agents[a]
		var close string
		for id := range c.convs {
			close = id
			break
		}
		t0 := time.Now()
		ds := w.e.Close(close)
		freed = append(freed, time.Since(t0))
		if find(ds, KindAssign, "") == nil {
			b.Fatalf("nothing assigned after a close: %q", kinds(ds))
		}
		t0 = time.Now()
		w.e.Enqueue(w.conv("en"))
		arrive = append(arrive, time.Since(t0))
	}
	b.StopTimer()
	b.ReportMetric(w.perConv, "B/waiting")
	report(b, freed)
	slices.Sort(arrive)
	b.ReportMetric(float64(arrive[len(arrive)*99/100].Nanoseconds())/1000, "arrive-p99-µs")
}

// BenchmarkArrivalPicksAgent: 10,000 agents have room and 100,000
// conversations wait in a language nobody speaks. A conversation arrives;
// the engine picks the longest idle eligible agent of its department and
// assigns it. It is closed again untimed, to keep the state steady.
func BenchmarkArrivalPicksAgent(b *testing.B) {
	w := newBenchWorld(b, benchAgents, benchWaiting, 3, "xx")
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		w.clk.add(time.Millisecond)
		c := w.conv("en")
		t0 := time.Now()
		ds := w.e.Enqueue(c)
		lat = append(lat, time.Since(t0))
		if find(ds, KindAssign, c.ID) == nil {
			b.Fatalf("not assigned: %q", kinds(ds))
		}
		b.StopTimer()
		w.e.Close(c.ID)
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(w.perConv, "B/waiting")
	report(b, lat)
}

// TestMemoryPerWaitingConversation keeps the memory budget honest in the
// ordinary test run (a smaller world; the benchmarks report the full one).
func TestMemoryPerWaitingConversation(t *testing.T) {
	w := newBenchWorld(t, 1000, 20_000, 5, "en")
	t.Logf("%.0f bytes per waiting conversation", w.perConv)
	if w.perConv > 1024 {
		t.Fatalf("%.0f bytes per waiting conversation, budget 1024", w.perConv)
	}
}
