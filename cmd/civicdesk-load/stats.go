package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// latency keeps every sample of one measured path (microseconds), plus the
// samples of the current second for the progress line. Samples are 4 bytes:
// ten minutes at 5,000/s is 12 MB, so exact percentiles are affordable.
type latency struct {
	name string
	mu   sync.Mutex
	all  []uint32
	tick []uint32
}

func newLatency(name string) *latency { return &latency{name: name} }

func (l *latency) observe(d time.Duration) {
	us := d.Microseconds()
	if us < 0 {
		us = 0
	}
	if us > 1<<32-1 {
		us = 1<<32 - 1
	}
	l.mu.Lock()
	l.all = append(l.all, uint32(us))
	l.tick = append(l.tick, uint32(us))
	l.mu.Unlock()
}

// reset forgets every sample (after a warm-up).
func (l *latency) reset() {
	l.mu.Lock()
	l.all, l.tick = nil, nil
	l.mu.Unlock()
}

// lap returns the samples since the last lap, sorted.
func (l *latency) lap() []uint32 {
	l.mu.Lock()
	t := l.tick
	l.tick = make([]uint32, 0, cap(t))
	l.mu.Unlock()
	slices.Sort(t)
	return t
}

func (l *latency) snapshot() []uint32 {
	l.mu.Lock()
	s := slices.Clone(l.all)
	l.mu.Unlock()
	slices.Sort(s)
	return s
}

func pct(sorted []uint32, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return time.Duration(sorted[i]) * time.Microsecond
}

// summary is the report line of one path.
type summary struct {
	Name  string  `json:"name"`
	Count int     `json:"count"`
	P50ms float64 `json:"p50Ms"`
	P90ms float64 `json:"p90Ms"`
	P99ms float64 `json:"p99Ms"`
	MaxMs float64 `json:"maxMs"`
}

func (l *latency) summary() summary {
	s := l.snapshot()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return summary{Name: l.name, Count: len(s), P50ms: ms(pct(s, 50)), P90ms: ms(pct(s, 90)), P99ms: ms(pct(s, 99)), MaxMs: ms(pct(s, 100))}
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	}
	return d.Round(100 * time.Millisecond).String()
}

// errorCounts counts failures by kind ("http 503", "timeout", …).
type errorCounts struct {
	mu     sync.Mutex
	kinds  map[string]int64
	total  atomic.Int64
	hinted atomic.Bool
}

func (e *errorCounts) add(kind string) {
	if strings.Contains(kind, "http 429") && !e.hinted.Swap(true) {
		logf("the server rate-limits (%s): run it with --rate-limit off (CIVICDESK_RATE_LIMIT=off) for load tests", kind)
	}
	e.total.Add(1)
	e.mu.Lock()
	if e.kinds == nil {
		e.kinds = map[string]int64{}
	}
	e.kinds[kind]++
	e.mu.Unlock()
}

func (e *errorCounts) snapshot() map[string]int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]int64, len(e.kinds))
	for k, v := range e.kinds {
		out[k] = v
	}
	return out
}

// stats is everything one run measures.
type stats struct {
	start time.Time

	send      *latency // widget POST /messages → 202
	sendLag   *latency // how late the generator started a send after its plan
	c2a       *latency // citizen send → message event on the caseworker's socket
	reply     *latency // desk POST reply → 202
	a2c       *latency // caseworker reply sent → message event on the widget socket
	sms       *latency // Twilio webhook → 200
	smtp      *latency // SMTP transaction → 250
	session   *latency // POST /widget/sessions → 201
	wsConnect *latency // widget WebSocket dial → open

	accepted   atomic.Int64 // widget 202s
	replies    atomic.Int64
	smsOK      atomic.Int64
	smtpOK     atomic.Int64
	sockets    atomic.Int64 // widget sockets open now (idle and active)
	deskEvents atomic.Int64
	errs       errorCounts

	lastAccepted int64
}

func newStats() *stats {
	return &stats{start: time.Now(), send: newLatency("widget send (POST → 202)"), sendLag: newLatency("generator lag (planned → sent)"),
		c2a: newLatency("citizen → caseworker socket"), reply: newLatency("desk reply (POST → 202)"),
		a2c: newLatency("caseworker → citizen socket"), sms: newLatency("SMS webhook (POST → 200)"),
		smtp: newLatency("SMTP mail (→ 250)"), session: newLatency("widget session (POST → 201)"),
		wsConnect: newLatency("widget socket (dial → open)")}
}

// progress prints one line for the second just past.
func (s *stats) progress(w io.Writer, mem *memWatch) {
	acc := s.accepted.Load()
	rate := acc - s.lastAccepted
	s.lastAccepted = acc
	send := s.send.lap()
	c2a := s.c2a.lap()
	a2c := s.a2c.lap()
	lag := s.sendLag.lap()
	_ = s.reply.lap()
	_ = s.sms.lap()
	_ = s.smtp.lap()
	_ = s.session.lap()
	_ = s.wsConnect.lap()
	line := fmt.Sprintf("%5.0fs  accepted %5d/s  send p99 %-8s (lag %-8s)", time.Since(s.start).Seconds(), rate, fmtDur(pct(send, 99)), fmtDur(pct(lag, 99)))
	if len(c2a) > 0 || len(a2c) > 0 {
		line += fmt.Sprintf("  c→a p99 %-8s a→c p99 %-8s", fmtDur(pct(c2a, 99)), fmtDur(pct(a2c, 99)))
	}
	line += fmt.Sprintf("  sockets %5d  errors %d", s.sockets.Load(), s.errs.total.Load())
	if mem != nil {
		if rss := mem.last.Load(); rss > 0 {
			line += fmt.Sprintf("  server RSS %s", mib(rss))
		}
	}
	fmt.Fprintln(w, line)
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func kib(b float64) string { return fmt.Sprintf("%.2f KiB", b/1024) }

// sortedKinds lists error kinds by count, most first.
func sortedKinds(m map[string]int64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if m[ks[i]] != m[ks[j]] {
			return m[ks[i]] > m[ks[j]]
		}
		return ks[i] < ks[j]
	})
	return ks
}

func table(w io.Writer, rows []summary) {
	fmt.Fprintf(w, "  %-34s %9s %10s %10s %10s %10s\n", "latency", "count", "p50", "p90", "p99", "max")
	for _, r := range rows {
		if r.Count == 0 {
			continue
		}
		fmt.Fprintf(w, "  %-34s %9d %10s %10s %10s %10s\n", r.Name, r.Count, fmtMS(r.P50ms), fmtMS(r.P90ms), fmtMS(r.P99ms), fmtMS(r.MaxMs))
	}
}

func fmtMS(v float64) string {
	if v < 1 {
		return fmt.Sprintf("%.3fms", v)
	}
	return fmt.Sprintf("%.1fms", v)
}
