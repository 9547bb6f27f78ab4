package routing

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func (c *fakeClock) set(t time.Time)     { c.t = t }
func newClock(t time.Time) *fakeClock    { return &fakeClock{t: t.UTC()} }
func at(s string) time.Time              { t, _ := time.Parse(time.RFC3339, s); return t }
func kinds(ds []Decision) (out []string) { return kindsOf(ds, false) }

func kindsOf(ds []Decision, wait bool) (out []string) {
	for _, d := range ds {
		if d.Kind == KindWait && !wait {
			continue
		}
		s := string(d.Kind) + ":" + d.ConvID
		if d.AgentID != "" {
			s += ">" + d.AgentID
		}
		out = append(out, s)
	}
	return out
}

func find(ds []Decision, kind DecisionKind, conv string) *Decision {
	for i := range ds {
		if ds[i].Kind == kind && (conv == "" || ds[i].ConvID == conv) {
			return &ds[i]
		}
	}
	return nil
}

func waitOf(ds []Decision, conv string) *Wait {
	for _, d := range ds {
		for i := range d.Waits {
			if d.Waits[i].ConvID == conv {
				return &d.Waits[i]
			}
		}
	}
	return nil
}

func newTestEngine(t *testing.T, cfg Config) (*Engine, *fakeClock) {
	t.Helper()
	clk := newClock(at("2026-03-02T15:00:00Z")) // a Monday, 10:00 in New York
	cfg.Now = clk.now
	e, err := NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e, clk
}

func caseworker(id string, depts string, langs ...string) AgentInfo {
	return AgentInfo{ID: id, Departments: strings.Split(depts, ","), Languages: langs, Status: civicdesk.StatusAvailable, Role: civicdesk.RoleCaseworker}
}

func conv(id, dept string) ConvInfo {
	return ConvInfo{ID: id, Department: dept, Language: "en", Channel: civicdesk.ChannelWebchat, Priority: 10}
}

func wantKinds(t *testing.T, ds []Decision, want ...string) {
	t.Helper()
	if got := kinds(ds); !slices.Equal(got, want) {
		t.Fatalf("decisions\n got %q\nwant %q", got, want)
	}
}

func TestAssignsLongestIdleAndExplains(t *testing.T) {
	e, clk := newTestEngine(t, Config{})
	e.UpdateAgent(caseworker("a1", "benefits", "en"))
	clk.add(time.Minute)
	e.UpdateAgent(caseworker("a2", "benefits", "en", "es"))
	e.UpdateAgent(caseworker("a3", "taxes", "en"))
	clk.add(time.Minute)
	ds := e.Enqueue(conv("c1", "benefits"))
	wantKinds(t, ds, "queue:c1", "assign:c1>a1")
	rec := find(ds, KindAssign, "c1").Record
	if rec.Rule != "strategy longest_idle" || !strings.Contains(rec.Why, "idle longest") || len(rec.Candidates) != 2 {
		t.Fatalf("record = %+v", rec)
	}
	if rec.Candidates[0].AgentID != "a1" || rec.Candidates[0].Why != "chosen" || rec.Candidates[1].Why != "eligible, ranked lower" {
		t.Fatalf("candidates = %+v", rec.Candidates)
	}
	// a1 holds one now; a2 is idle, so it gets the next.
	wantKinds(t, e.Enqueue(conv("c2", "benefits")), "queue:c2", "assign:c2>a2")
	// Both busy: the one whose last assignment is oldest.
	wantKinds(t, e.Enqueue(conv("c3", "benefits")), "queue:c3", "assign:c3>a1")
	// Redelivered handoff: nothing new.
	wantKinds(t, e.Enqueue(conv("c3", "benefits")))
}

func TestCapacityWeightsPerChannel(t *testing.T) {
	e, _ := newTestEngine(t, Config{AgentCapacity: map[string]int{"a1": 1}})
	e.UpdateAgent(caseworker("a1", "benefits"))
	for i := range 4 {
		c := conv(fmt.Sprint("e", i), "benefits")
		c.Channel = civicdesk.ChannelEmail
		wantKinds(t, e.Enqueue(c), "queue:"+c.ID, "assign:"+c.ID+">a1")
	}
	c := conv("e4", "benefits")
	c.Channel = civicdesk.ChannelEmail
	ds := e.Enqueue(c)
	wantKinds(t, ds, "queue:e4")
	if w := waitOf(ds, "e4"); w == nil || w.Position != 1 {
		t.Fatalf("wait = %+v", w)
	}
	chat := conv("w1", "benefits")
	wantKinds(t, e.Enqueue(chat), "queue:w1")
	// One email closes: the waiting email (0.25) fits, the chat (1) does not.
	wantKinds(t, e.Close("e0"), "assign:e4>a1")
	for _, id := range []string{"e1", "e2", "e3"} {
		e.Close(id)
	}
	wantKinds(t, e.Close("e4"), "assign:w1>a1")
}

func TestLanguageAndEscalation(t *testing.T) {
	e, clk := newTestEngine(t, Config{})
	e.UpdateAgent(caseworker("en1", "taxes"))         // English only
	e.UpdateAgent(caseworker("gen", "general", "vi")) // general, Vietnamese
	c := conv("c1", "taxes")
	c.Language = "vi-VN"
	ds := e.Enqueue(c)
	wantKinds(t, ds, "queue:c1")
	clk.add(119 * time.Second)
	wantKinds(t, e.Tick())
	clk.add(time.Second)
	ds = e.Tick()
	wantKinds(t, ds, "escalate:c1", "assign:c1>gen")
	esc := find(ds, KindEscalate, "c1")
	if !slices.Equal(esc.WidenedTo, []string{"general"}) || esc.Interpreter || esc.Record.Rule != "escalation step 1 (after 2m0s)" {
		t.Fatalf("escalation = %+v %+v", esc, esc.Record)
	}
	if got := find(ds, KindAssign, "c1").Record.Rule; got != "strategy longest_idle in general (escalation)" {
		t.Fatalf("rule = %q", got)
	}

	// Nobody speaks Haitian Creole: after 3 minutes the language is dropped.
	c2 := conv("c2", "taxes")
	c2.Language = "ht"
	e.Enqueue(c2)
	clk.add(180 * time.Second)
	ds = e.Tick()
	wantKinds(t, ds, "escalate:c2", "escalate:c2", "assign:c2>en1")
	if esc := ds[1]; !esc.Interpreter || !strings.Contains(esc.Reason, "interpreter needed") {
		t.Fatalf("second escalation = %+v", esc)
	}
}

func TestPriorityFIFOAndAging(t *testing.T) {
	e, clk := newTestEngine(t, Config{AgentCapacity: map[string]int{"a1": 1}})
	e.UpdateAgent(caseworker("a1", "benefits"))
	e.Enqueue(conv("busy", "benefits"))
	n1, n2 := conv("n1", "benefits"), conv("n2", "benefits")
	e.Enqueue(n1)
	clk.add(time.Second)
	e.Enqueue(n2)
	clk.add(time.Second)
	h := conv("high", "benefits")
	h.Priority = civicdesk.UrgencyHigh.Priority()
	e.Enqueue(h)
	em := conv("emerg", "benefits")
	em.Priority = civicdesk.UrgencyEmergency.Priority()
	e.Enqueue(em)
	wantKinds(t, e.Close("busy"), "assign:emerg>a1")
	wantKinds(t, e.Close("emerg"), "assign:high>a1")
	wantKinds(t, e.Close("high"), "assign:n1>a1")
	wantKinds(t, e.Close("n1"), "assign:n2>a1")

	// Aging: an emergency arriving more than 90 aging steps (15 min) after
	// a normal conversation does not overtake it.
	e.Enqueue(conv("old", "benefits"))
	clk.add(15*time.Minute + time.Second)
	late := conv("late", "benefits")
	late.Priority = 100
	e.Enqueue(late)
	wantKinds(t, e.Close("n2"), "assign:old>a1")
	wantKinds(t, e.Close("old"), "assign:late>a1")
}

func TestOffersTimeOutDeclineAndSetAway(t *testing.T) {
	e, clk := newTestEngine(t, Config{Default: Department{Mode: Offer, OfferTimeout: 10 * time.Second, Escalation: []EscalationStep{}}, MaxMissedOffers: 2})
	e.UpdateAgent(caseworker("a1", "benefits"))
	clk.add(time.Second)
	e.UpdateAgent(caseworker("a2", "benefits"))
	ds := e.Enqueue(conv("c1", "benefits"))
	wantKinds(t, ds, "queue:c1", "offer:c1>a1")
	if o := find(ds, KindOffer, "c1"); !o.OfferExpires.Equal(clk.now().Add(10 * time.Second)) {
		t.Fatalf("offer = %+v", o)
	}
	clk.add(10 * time.Second)
	ds = e.Tick()
	wantKinds(t, ds, "offer_end:c1>a1", "offer:c1>a2")
	if find(ds, KindOfferEnd, "c1").Reason != civicdesk.ReasonTimeout {
		t.Fatal("not a timeout")
	}
	// a2 declines: a1 missed it lately, so nobody else; it waits.
	ds = e.Decline("c1", "a2")
	wantKinds(t, ds, "offer_end:c1>a2")
	// A second conversation goes to a1, who misses again: away.
	wantKinds(t, e.Enqueue(conv("c2", "benefits")), "queue:c2", "offer:c2>a1")
	clk.add(10 * time.Second)
	ds = e.Tick()
	wantKinds(t, ds, "offer_end:c2>a1", "agent_away:>a1", "offer:c2>a2")
	if !strings.Contains(find(ds, KindAgentAway, "").Reason, "2 offers in a row") {
		t.Fatalf("away reason = %q", find(ds, KindAgentAway, "").Reason)
	}
	// Accepting makes it an assignment; the runner's repeated event is harmless.
	wantKinds(t, e.Accept(conv("c2", "benefits"), caseworker("a2", "benefits")), "assign:c2>a2")
	wantKinds(t, e.Accept(conv("c2", "benefits"), caseworker("a2", "benefits")))
	// a2's exclusion from c1 lapses after 2 minutes: it is offered again.
	clk.add(110 * time.Second)
	wantKinds(t, e.Tick(), "offer:c1>a2")
	// A caseworker accepting an offer made to another takes it.
	e.UpdateAgent(caseworker("a3", "benefits"))
	ds = e.Accept(conv("c1", "benefits"), caseworker("a3", "benefits"))
	wantKinds(t, ds, "offer_end:c1>a2", "assign:c1>a3")
}

func TestBusinessHoursHoldAndOpen(t *testing.T) {
	hours := &Hours{TimeZone: "America/New_York", Holidays: []string{"2026-03-03"}}
	for d := time.Monday; d <= time.Friday; d++ {
		hours.Week[d] = []Span{{"09:00", "17:00"}}
	}
	e, clk := newTestEngine(t, Config{Departments: map[string]Department{"permits": {Hours: hours}}})
	e.UpdateAgent(caseworker("a1", "permits"))
	clk.set(at("2026-03-02T23:30:00Z")) // Monday 18:30 in New York; Tuesday is a holiday
	ds := e.Enqueue(conv("c1", "permits"))
	wantKinds(t, ds, "queue:c1", "after_hours:c1")
	ah := find(ds, KindAfterHours, "c1")
	if want := at("2026-03-04T14:00:00Z"); !ah.OpensAt.Equal(want) {
		t.Fatalf("opens at %v, want %v", ah.OpensAt, want)
	}
	if w := waitOf(ds, "c1"); w == nil || w.EstimatedWait < 38*time.Hour {
		t.Fatalf("wait = %+v", w)
	}
	if q := find(ds, KindQueue, "c1"); !strings.Contains(q.Record.Why, "office is closed") {
		t.Fatalf("queue record = %+v", q.Record)
	}
	// An emergency is routed even after hours.
	em := conv("c2", "permits")
	em.Priority = 100
	wantKinds(t, e.Enqueue(em), "queue:c2", "assign:c2>a1")
	// Nothing happens until opening, then it is routed; escalation counts
	// from the opening, not from the night.
	clk.set(at("2026-03-04T13:59:59Z"))
	wantKinds(t, e.Tick())
	clk.set(at("2026-03-04T14:00:00Z"))
	wantKinds(t, e.Tick(), "assign:c1>a1")
}

func TestPresenceGrace(t *testing.T) {
	e, clk := newTestEngine(t, Config{})
	e.UpdateAgent(caseworker("a1", "benefits"))
	e.Enqueue(conv("c1", "benefits"))
	clk.add(time.Second)
	e.UpdateAgent(caseworker("a2", "benefits"))
	off := caseworker("a1", "benefits")
	off.Status = civicdesk.StatusOffline
	// A dropped socket that comes back within the grace keeps it.
	wantKinds(t, e.UpdateAgent(off))
	clk.add(15 * time.Second)
	wantKinds(t, e.Tick())
	wantKinds(t, e.UpdateAgent(caseworker("a1", "benefits")))
	clk.add(time.Minute)
	wantKinds(t, e.Tick())
	// Gone for longer: re-queued, and a2 takes it.
	e.UpdateAgent(off)
	clk.add(20 * time.Second)
	ds := e.Tick()
	wantKinds(t, ds, "queue:c1", "assign:c1>a2")
	if q := find(ds, KindQueue, "c1"); q.PreviousAgentID != "a1" || q.Record.Kind != "requeue" {
		t.Fatalf("requeue = %+v", q)
	}
}

func TestStickyPrefersLastAgent(t *testing.T) {
	e, clk := newTestEngine(t, Config{AgentCapacity: map[string]int{"a1": 1}})
	e.UpdateAgent(caseworker("a1", "benefits"))
	clk.add(time.Second)
	e.UpdateAgent(caseworker("a2", "benefits"))
	clk.add(time.Second)
	e.UpdateAgent(caseworker("a3", "benefits"))
	c := conv("c1", "benefits")
	c.PreferredAgent = "a3"
	ds := e.Enqueue(c)
	wantKinds(t, ds, "queue:c1", "assign:c1>a3")
	if find(ds, KindAssign, "c1").Record.Rule != "sticky" {
		t.Fatal("not sticky")
	}
	// a1 is full: the citizen waits a little for it, and gets it when it frees.
	e.Enqueue(conv("x", "benefits")) // → a1 (longest idle)
	c2 := conv("c2", "benefits")
	c2.PreferredAgent = "a1"
	wantKinds(t, e.Enqueue(c2), "queue:c2")
	clk.add(10 * time.Second)
	wantKinds(t, e.Close("x"), "assign:c2>a1")
	// a1 full again: after the sticky wait anyone takes it.
	c3 := conv("c3", "benefits")
	c3.PreferredAgent = "a1"
	wantKinds(t, e.Enqueue(c3), "queue:c3")
	clk.add(30 * time.Second)
	wantKinds(t, e.Tick(), "assign:c3>a2")
}

func TestStrategies(t *testing.T) {
	e, _ := newTestEngine(t, Config{Departments: map[string]Department{
		"rr": {Strategy: RoundRobin}, "lb": {Strategy: LeastBusy}, "man": {Strategy: Manual},
	}})
	for _, id := range []string{"a1", "a2", "a3"} {
		e.UpdateAgent(caseworker(id, "rr,lb,man"))
	}
	var got []string
	for i := range 6 {
		ds := e.Enqueue(conv(fmt.Sprint("r", i), "rr"))
		got = append(got, find(ds, KindAssign, "").AgentID)
	}
	if want := []string{"a1", "a2", "a3", "a1", "a2", "a3"}; !slices.Equal(got, want) {
		t.Fatalf("round robin = %v", got)
	}
	e.Close("r0")
	e.Close("r3") // a1 holds nothing now
	ds := e.Enqueue(conv("l1", "lb"))
	if a := find(ds, KindAssign, "").AgentID; a != "a1" {
		t.Fatalf("least busy chose %s", a)
	}
	ds = e.Enqueue(conv("m1", "man"))
	wantKinds(t, ds, "queue:m1")
	wantKinds(t, e.Accept(conv("m1", "man"), caseworker("a2", "rr,lb,man")), "assign:m1>a2")
}

func TestTransferAndForce(t *testing.T) {
	e, clk := newTestEngine(t, Config{})
	e.UpdateAgent(caseworker("a1", "benefits,taxes"))
	e.UpdateAgent(caseworker("a2", "taxes"))
	e.Enqueue(conv("c1", "benefits"))
	ds := e.Transfer(conv("c1", "benefits"), "taxes")
	wantKinds(t, ds, "queue:c1", "assign:c1>a2")
	if q := find(ds, KindQueue, "c1"); q.PreviousAgentID != "a1" || q.DepartmentID != "taxes" {
		t.Fatalf("transfer = %+v", q)
	}
	sup := AgentInfo{ID: "sup", Departments: []string{"benefits"}, Role: civicdesk.RoleSupervisor, Status: civicdesk.StatusAvailable}
	ds = e.Assign(conv("c1", "taxes"), sup, "supervisor assign")
	wantKinds(t, ds, "assign:c1>sup")
	if a := find(ds, KindAssign, ""); !a.Forced || a.PreviousAgentID != "a2" || !strings.Contains(a.Record.Why, "not a caseworker") {
		t.Fatalf("forced = %+v %+v", a, a.Record)
	}
	// Supervisors are not routed to automatically, but keep what they take.
	wantKinds(t, e.Enqueue(conv("c2", "benefits")), "queue:c2", "assign:c2>a1")
	clk.add(time.Minute)
	wantKinds(t, e.Tick())
}

func TestRestoreThenStart(t *testing.T) {
	e, clk := newTestEngine(t, Config{Default: Department{Mode: Offer}})
	e.UpdateAgent(caseworker("a1", "benefits"))
	off := caseworker("a2", "benefits")
	off.Status = civicdesk.StatusOffline
	e.UpdateAgent(off)
	now := clk.now()
	e.Restore(conv("held", "benefits"), RestoreState{AgentID: "a2", AssignedAt: now.Add(-time.Hour)})
	e.Restore(conv("offered", "benefits"), RestoreState{OfferedTo: "a1", OfferExpires: now.Add(5 * time.Second)})
	stale := conv("stale", "benefits")
	stale.QueuedAt = now.Add(-time.Minute)
	ds := e.Restore(stale, RestoreState{OfferedTo: "a1", OfferExpires: now.Add(-time.Second)})
	wantKinds(t, ds, "offer_end:stale>a1")
	ds = e.Start()
	wantKinds(t, ds, "offer:stale>a1")
	clk.add(20 * time.Second)
	// a2 was offline when routing restarted: after the grace its
	// conversation is re-queued; the offer to a1 timed out meanwhile.
	ds = e.Tick()
	if !slices.Contains(kinds(ds), "queue:held") || !slices.Contains(kinds(ds), "offer_end:offered>a1") {
		t.Fatalf("after restart: %q", kinds(ds))
	}
}

func TestPositionsAndEstimates(t *testing.T) {
	e, _ := newTestEngine(t, Config{AgentCapacity: map[string]int{"a1": 1}, AverageHandleTime: 4 * time.Minute})
	e.UpdateAgent(caseworker("a1", "benefits"))
	e.Enqueue(conv("busy", "benefits"))
	for i := range 3 {
		ds := e.Enqueue(conv(fmt.Sprint("w", i), "benefits"))
		w := waitOf(ds, fmt.Sprint("w", i))
		if w == nil || w.Position != i+1 || w.EstimatedWait != time.Duration(i+1)*4*time.Minute {
			t.Fatalf("wait %d = %+v", i, w)
		}
	}
	ds := e.Close("busy")
	var pos []string
	for _, d := range ds {
		for _, w := range d.Waits {
			pos = append(pos, fmt.Sprintf("%s@%d", w.ConvID, w.Position))
		}
	}
	if want := []string{"w1@1", "w2@2"}; !slices.Equal(pos, want) {
		t.Fatalf("positions after one left = %v", pos)
	}
	// The agent leaving changes the estimate: unknown without agents.
	off := caseworker("a1", "benefits")
	off.Status = civicdesk.StatusAway
	ds = e.UpdateAgent(off)
	if w := waitOf(ds, "w1"); w == nil || w.EstimatedWait != 0 {
		t.Fatalf("estimate without agents = %+v", w)
	}
}

func TestHoursNextOpen(t *testing.T) {
	h, err := compileHours(Hours{TimeZone: "Europe/Berlin", Week: [7][]Span{time.Saturday: {{"10:00", "12:00"}, {"13:00", "24:00"}}},
		Holidays: []string{"2026-03-07"}})
	if err != nil {
		t.Fatal(err)
	}
	// Saturday 7 March is a holiday: next opening is Saturday 14 March 10:00 CET.
	if got, want := h.nextOpen(at("2026-03-06T12:00:00Z")), at("2026-03-14T09:00:00Z"); !got.Equal(want) {
		t.Fatalf("next open %v, want %v", got, want)
	}
	if !h.open(at("2026-03-14T22:59:00Z")) || h.open(at("2026-03-14T11:30:00Z")) {
		t.Fatal("open() wrong")
	}
	if got, want := h.nextOpen(at("2026-03-14T11:30:00Z")), at("2026-03-14T12:00:00Z"); !got.Equal(want) {
		t.Fatalf("lunch: next open %v, want %v", got, want)
	}
	for _, bad := range []Hours{{TimeZone: "Mars/Olympus"}, {Week: [7][]Span{1: {{"9:00", "17:00"}}}}, {Week: [7][]Span{1: {{"17:00", "09:00"}}}}, {Holidays: []string{"soon"}}} {
		if _, err := compileHours(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	bad := []Config{
		{Default: Department{Strategy: "random"}},
		{Departments: map[string]Department{"x": {Mode: "maybe"}}},
		{Weights: map[civicdesk.Channel]float64{"fax": 1}},
		{Weights: map[civicdesk.Channel]float64{civicdesk.ChannelSMS: 0}},
		{Default: Department{Escalation: []EscalationStep{{After: time.Minute}}}},
		{Default: Department{OfferTimeout: time.Millisecond}},
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if err := DemoConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	sl, err := Config{Departments: map[string]Department{"taxes": {ServiceLevelTarget: 2 * time.Minute}}}.ServiceLevels()
	if err != nil || sl["taxes"].Target != 2*time.Minute || sl["taxes"].Goal != 0.8 || sl[""].Target != time.Minute {
		t.Fatalf("service levels = %+v, %v", sl, err)
	}
}

// TestDemoDoneWhen plays the acceptance scenario on the engine: the
// demo's six caseworkers, thirty citizens asking about different things in
// different languages on different channels. Each reaches an eligible
// caseworker once, capacities hold, and when a caseworker goes offline its
// conversations are picked up by others within 30 s.
func TestDemoDoneWhen(t *testing.T) {
	e, clk := newTestEngine(t, DemoConfig())
	all := "benefits,taxes,vehicles,permits,housing,utilities,general"
	agents := []AgentInfo{
		caseworker("agent1", all, "en", "es"),
		caseworker("agent2", "benefits,housing", "en", "vi"),
		caseworker("agent3", "taxes,general", "en", "zh"),
		caseworker("agent4", "vehicles,permits", "en", "fr"),
		caseworker("agent5", "utilities,housing", "en", "ar"),
		caseworker("agent6", "benefits,general,utilities", "en", "es", "tl", "ht"),
	}
	for _, a := range agents {
		e.UpdateAgent(a)
	}
	depts := strings.Split(all, ",")
	langs := []string{"en", "en", "en", "es", "vi", "zh", "fr", "ar", "tl", "ht"}
	chans := []civicdesk.Channel{"webchat", "webchat", "sms", "email"}
	holder := map[string]string{}
	track := func(ds []Decision) {
		for _, d := range ds {
			switch d.Kind {
			case KindAssign:
				if holder[d.ConvID] != "" && !d.Forced {
					t.Fatalf("%s assigned twice", d.ConvID)
				}
				holder[d.ConvID] = d.AgentID
			case KindQueue:
				delete(holder, d.ConvID)
			}
		}
	}
	for i := range 30 {
		c := ConvInfo{ID: fmt.Sprintf("c%02d", i), Department: depts[i%len(depts)], Language: langs[i%len(langs)],
			Channel: chans[i%len(chans)], Priority: []int{10, 10, 50, 100}[i%4]}
		track(e.Enqueue(c))
		clk.add(2 * time.Second)
	}
	for range 5 * 60 {
		clk.add(time.Second)
		track(e.Tick())
	}
	if len(holder) != 30 {
		t.Fatalf("%d of 30 assigned", len(holder))
	}
	for id, a := range holder {
		c, ag := e.convs[id], e.agents[a]
		if !ag.inDept(c.dept) && !slices.ContainsFunc(c.widened, ag.inDept) || !ag.speaks(c.langKey()) {
			t.Errorf("%s (%s, %s) went to ineligible %s", id, c.dept.id, c.lang, a)
		}
	}
	for _, a := range e.agents {
		if a.load > a.capacity {
			t.Errorf("%s over capacity", a.id)
		}
	}
	var held []string
	for id, a := range holder {
		if a == "agent6" {
			held = append(held, id)
		}
	}
	off := agents[5]
	off.Status = civicdesk.StatusOffline
	track(e.UpdateAgent(off))
	for range 30 {
		clk.add(time.Second)
		track(e.Tick())
	}
	picked := 0
	for _, id := range held {
		if a := holder[id]; a != "" && a != "agent6" {
			picked++
			continue
		}
		// Not picked up: only because every caseworker who may take it is full.
		c := e.convs[id]
		for _, ag := range e.agents {
			if ag.id != "agent6" && (ag.inDept(c.dept) || slices.ContainsFunc(c.widened, ag.inDept)) && ag.speaks(c.langKey()) && ag.load+c.weight <= ag.capacity {
				t.Errorf("%s (%s, %s) waits while %s has room", id, c.dept.id, c.lang, ag.id)
			}
		}
		if c.state != cWaiting || !c.inOrder {
			t.Errorf("%s neither picked up nor waiting", id)
		}
	}
	if picked < len(held)-2 {
		t.Errorf("only %d of %d picked up", picked, len(held))
	}
	t.Logf("agent6 held %d conversations; %d picked up within 30 s, the rest wait for a full department", len(held), picked)
}
