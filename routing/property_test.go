package routing

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

// The property tests drive the engine with random event sequences and check
// after every step what must always hold: no conversation assigned twice,
// capacity never exceeded, only eligible agents chosen, the most urgent
// (aging priority, then first come) conversation served first, no waiting
// conversation left while an eligible agent has room, and, when agents are
// there, every conversation eventually assigned or explicitly waiting.

var propDepts = []string{"benefits", "taxes", "permits", "archive", "general"}

func propConfig(clk *fakeClock) Config {
	hours := &Hours{TimeZone: "America/New_York"}
	for d := time.Monday; d <= time.Friday; d++ {
		hours.Week[d] = []Span{{"09:00", "17:00"}}
	}
	return Config{
		Departments: map[string]Department{
			"benefits": {},
			"taxes":    {Strategy: LeastBusy, Mode: Offer, OfferTimeout: 15 * time.Second},
			"permits":  {Strategy: RoundRobin, Hours: hours},
			"archive":  {Strategy: Manual},
			"general":  {Escalation: []EscalationStep{{After: time.Minute, DropLanguage: true}}},
		},
		AgentCapacity: map[string]int{"ag0": 1, "ag1": 2},
		Now:           clk.now,
	}
}

type mconv struct {
	info     ConvInfo
	assigned string
	offered  string
	forced   bool
	everRun  bool // assigned at least once
}

type sim struct {
	t      *testing.T
	rnd    *rand.Rand
	clk    *fakeClock
	e      *Engine
	agents map[string]AgentInfo
	ids    []string
	convs  map[string]*mconv
	open   []string
	n      int
	log    []string
	trace  []Decision
	cur    []Decision
}

func newSim(t *testing.T, seed uint64) *sim {
	clk := newClock(at("2026-03-02T13:30:00Z")) // Monday 08:30 in New York
	e, err := NewEngine(propConfig(clk))
	if err != nil {
		t.Fatal(err)
	}
	s := &sim{t: t, rnd: rand.New(rand.NewPCG(seed, 7)), clk: clk, e: e, agents: map[string]AgentInfo{}, convs: map[string]*mconv{}}
	for i := range 7 {
		id := fmt.Sprint("ag", i)
		s.ids = append(s.ids, id)
		s.agents[id] = s.randomAgent(id)
		s.step("agent "+id, func() []Decision { return e.UpdateAgent(s.agents[id]) })
	}
	return s
}

func (s *sim) pick(xs []string) string { return xs[s.rnd.IntN(len(xs))] }

func (s *sim) randomAgent(id string) AgentInfo {
	a := AgentInfo{ID: id, Role: civicdesk.RoleCaseworker, Status: civicdesk.StatusAvailable}
	for _, d := range propDepts {
		if s.rnd.IntN(3) == 0 {
			a.Departments = append(a.Departments, d)
		}
	}
	for _, l := range []string{"en", "es", "vi"} {
		if s.rnd.IntN(2) == 0 {
			a.Languages = append(a.Languages, l)
		}
	}
	if s.rnd.IntN(10) == 0 {
		a.Role = civicdesk.RoleSupervisor
	}
	return a
}

// step runs one input and checks every property.
func (s *sim) step(what string, in func() []Decision) {
	s.t.Helper()
	before := map[*convRT][]exclusion{}
	for _, c := range s.e.convs {
		if len(c.pools) > 0 {
			before[c] = slices.Clone(c.excl())
		}
	}
	ds := in()
	s.cur = ds
	s.log = append(s.log, what)
	s.trace = append(s.trace, ds...)
	escalated := map[string]bool{}
	for _, d := range ds {
		if d.Kind == KindEscalate {
			escalated[d.ConvID] = true
		}
		// Exclusions made and lapsed within the step count too.
		excl := func(agent string) {
			c, a := s.e.convs[d.ConvID], s.e.agents[agent]
			if _, ok := before[c]; ok && a != nil {
				before[c] = append(before[c], exclusion{a, toMS(d.Record.At) + s.e.s.ExcludeFor.Milliseconds()})
			}
		}
		if d.Kind == KindOfferEnd && d.Reason != civicdesk.ReasonWithdrawn {
			excl(d.AgentID)
		}
		if d.Kind == KindQueue && d.Record.Kind == "transfer" && d.PreviousAgentID != "" {
			excl(d.PreviousAgentID)
		}
	}
	for _, d := range ds {
		if d.Kind == KindAssign && !d.Forced && d.Reason != "offer accepted" || d.Kind == KindOffer {
			s.checkEligible(d) // as the model stands at this decision
		}
		s.observe(d)
	}
	s.checkState()
	out := map[string]bool{} // offered or assigned at this point of the step
	for _, d := range ds {
		if (d.Kind == KindAssign && !d.Forced && d.Reason != "offer accepted" || d.Kind == KindOffer) && d.Reason != "sticky" {
			s.checkMostUrgent(d, before, escalated, out)
		}
		switch d.Kind {
		case KindOffer, KindAssign:
			out[d.ConvID] = true
		case KindOfferEnd, KindQueue:
			out[d.ConvID] = false
		}
	}
	s.checkWorkConserving()
}

func (s *sim) fail(format string, args ...any) {
	s.t.Helper()
	n := len(s.log)
	var b strings.Builder
	for _, d := range s.cur {
		if d.Kind != KindWait {
			fmt.Fprintf(&b, "\t%s %s %s %q", d.Kind, d.ConvID, d.AgentID, d.Reason)
			if d.Record != nil {
				fmt.Fprintf(&b, " at %s: %s", d.Record.At.Format("15:04:05"), d.Record.Why)
			}
			b.WriteString("\n")
		}
	}
	s.t.Fatalf("after %q (step %d):\n%s\nlast steps: %q\ndecisions of the step:\n%s", s.log[n-1], n, fmt.Sprintf(format, args...), s.log[max(0, n-8):], b.String())
}

func (s *sim) observe(d Decision) {
	s.t.Helper()
	m := s.convs[d.ConvID]
	switch d.Kind {
	case KindAssign:
		if m.assigned != "" && !d.Forced {
			s.fail("%s assigned to %s while assigned to %s", d.ConvID, d.AgentID, m.assigned)
		}
		if m.offered != "" && m.offered != d.AgentID && !d.Forced {
			s.fail("%s assigned to %s while offered to %s", d.ConvID, d.AgentID, m.offered)
		}
		m.assigned, m.offered, m.forced, m.everRun = d.AgentID, "", d.Forced, true
	case KindOffer:
		if m.assigned != "" || m.offered != "" {
			s.fail("%s offered to %s while assigned to %q, offered to %q", d.ConvID, d.AgentID, m.assigned, m.offered)
		}
		m.offered = d.AgentID
	case KindOfferEnd:
		if m.offered != d.AgentID {
			s.fail("offer of %s to %s ended but it was offered to %q", d.ConvID, d.AgentID, m.offered)
		}
		m.offered = ""
	case KindQueue:
		if d.PreviousAgentID != "" && m.assigned != d.PreviousAgentID {
			s.fail("%s re-queued from %s but it was assigned to %q", d.ConvID, d.PreviousAgentID, m.assigned)
		}
		m.assigned, m.forced = "", false
	case KindAgentAway:
		a := s.agents[d.AgentID]
		a.Status = civicdesk.StatusAway
		s.agents[d.AgentID] = a
	}
}

// checkState: the engine agrees with what its decisions said, loads add up
// and automatic routing never exceeds capacity.
func (s *sim) checkState() {
	s.t.Helper()
	for _, id := range s.open {
		m, c := s.convs[id], s.e.convs[id]
		if c == nil {
			s.fail("open conversation %s unknown to the engine", id)
		}
		var holder string
		if c.agent != nil {
			holder = c.agent.id
		}
		switch {
		case m.assigned != "" && (c.state != cAssigned || holder != m.assigned):
			s.fail("%s: decisions say assigned to %s, engine state %d holder %q", id, m.assigned, c.state, holder)
		case m.offered != "" && (c.state != cOffered || holder != m.offered):
			s.fail("%s: decisions say offered to %s, engine state %d holder %q", id, m.offered, c.state, holder)
		case m.assigned == "" && m.offered == "" && c.state != cWaiting:
			s.fail("%s: decisions say waiting, engine state %d", id, c.state)
		}
		if c.state == cWaiting && c.hold == holdNone && len(c.pools) != len(c.targets()) {
			s.fail("%s waits in %d pools, has %d targets", id, len(c.pools), len(c.targets()))
		}
	}
	if len(s.e.convs) != len(s.open) {
		s.fail("engine knows %d conversations, %d are open", len(s.e.convs), len(s.open))
	}
	for _, a := range s.e.agents {
		var sum int64
		forced := false
		for _, c := range a.convs {
			sum += c.weight
			forced = forced || s.convs[c.id].forced
		}
		if sum != a.load {
			s.fail("%s load %d, holds %d", a.id, a.load, sum)
		}
		if !forced && a.load > a.capacity {
			s.fail("%s over capacity: %d of %d", a.id, a.load, a.capacity)
		}
	}
}

// eligibleRef is the reference eligibility, from the test's own model.
func (s *sim) eligibleRef(agentID string, c *convRT, dept string) bool {
	a := s.agents[agentID]
	if a.Status != civicdesk.StatusAvailable || a.Disabled || a.Role != civicdesk.RoleCaseworker || !slices.Contains(a.Departments, dept) {
		return false
	}
	if lang := c.langKey(); lang != "" {
		langs := a.Languages
		if len(langs) == 0 {
			langs = []string{"en"}
		}
		if !slices.Contains(langs, lang) {
			return false
		}
	}
	return true
}

func (s *sim) targetIDs(c *convRT) []string {
	out := []string{c.dept.id}
	for _, w := range c.widened {
		out = append(out, w.id)
	}
	return out
}

func (s *sim) checkEligible(d Decision) {
	s.t.Helper()
	c := s.e.convs[d.ConvID]
	if !slices.Contains(s.targetIDs(c), d.DepartmentID) {
		s.fail("%s routed via %s, not one of its departments %v", d.ConvID, d.DepartmentID, s.targetIDs(c))
	}
	if !s.eligibleRef(d.AgentID, c, d.DepartmentID) {
		s.fail("%s given to ineligible %s (%+v) in %s, language %q", d.ConvID, d.AgentID, s.agents[d.AgentID], d.DepartmentID, c.langKey())
	}
}

// checkMostUrgent: when x went to agent a, no conversation that waited
// before this step, with the same weight and more urgent, could have gone
// to a instead.
func (s *sim) checkMostUrgent(d Decision, before map[*convRT][]exclusion, escalated, out map[string]bool) {
	s.t.Helper()
	x := s.e.convs[d.ConvID]
	a := s.e.agents[d.AgentID]
	when := toMS(d.Record.At)
	for y, excl := range before {
		if y == x || len(y.pools) == 0 || out[y.id] || y.ch != x.ch || escalated[y.id] || !y.key.less(x.key) || excludedAt(y.excl(), a, when) || excludedAt(excl, a, when) {
			continue
		}
		for _, t := range s.targetIDs(y) {
			if s.e.depts[t].conf.Strategy != Manual && s.eligibleRef(a.id, y, t) {
				s.fail("%s (key %v) went to %s while %s (key %v, more urgent) waited in %s\n y: lang %q targets %v excluded %+v before %+v; x: lang %q targets %v; agent %+v load %d",
					x.id, x.key, a.id, y.id, y.key, t, y.langKey(), s.targetIDs(y), exclIDs(y.excl()), exclIDs(excl), x.langKey(), s.targetIDs(x), s.agents[a.id], a.load)
				_ = when
			}
		}
	}
}

func exclIDs(xs []exclusion) (out []string) {
	for _, x := range xs {
		out = append(out, fmt.Sprintf("%s until %s", x.agent.id, fromMS(x.until).Format("15:04:05")))
	}
	return out
}

func excludedAt(excl []exclusion, a *agentRT, ms int64) bool {
	for _, x := range excl {
		if x.agent == a && x.until > ms {
			return true
		}
	}
	return false
}

// checkWorkConserving: no conversation waits while an eligible agent of one
// of its (automatic) departments has room for it.
func (s *sim) checkWorkConserving() {
	s.t.Helper()
	for _, c := range s.e.convs {
		if c.state != cWaiting || c.hold != holdNone {
			continue
		}
		for _, t := range s.targetIDs(c) {
			if s.e.depts[t].conf.Strategy == Manual {
				continue
			}
			for _, id := range s.ids {
				a := s.e.agents[id]
				if s.eligibleRef(id, c, t) && a.load+c.weight <= a.capacity && !s.e.excludedAgent(c, a) {
					s.fail("%s waits in %s while %s has room (%d of %d)", c.id, t, id, a.load, a.capacity)
				}
			}
		}
	}
}

func (s *sim) openWhere(f func(m *mconv) bool) []string {
	var out []string
	for _, id := range s.open {
		if f(s.convs[id]) {
			out = append(out, id)
		}
	}
	return out
}

func (s *sim) closeConv(id string) {
	s.open = slices.DeleteFunc(s.open, func(x string) bool { return x == id })
	s.step("close "+id, func() []Decision { return s.e.Close(id) })
	delete(s.convs, id)
}

func (s *sim) randomStep() {
	e := s.e
	switch r := s.rnd.IntN(100); {
	case r < 30:
		s.n++
		info := ConvInfo{ID: fmt.Sprintf("cv%03d", s.n), Department: s.pick(append(propDepts, "")),
			Language: s.pick([]string{"en", "es", "vi", "ht", ""}), Channel: civicdesk.Channel(s.pick([]string{"webchat", "sms", "email"})),
			Priority: []int{10, 10, 10, 50, 100}[s.rnd.IntN(5)]}
		if s.rnd.IntN(5) == 0 {
			info.PreferredAgent = s.pick(s.ids)
		}
		s.convs[info.ID] = &mconv{info: info}
		s.open = append(s.open, info.ID)
		s.step("enqueue "+info.ID, func() []Decision { return e.Enqueue(info) })
	case r < 45:
		id := s.pick(s.ids)
		a := s.agents[id]
		a.Status = []civicdesk.AgentStatus{"available", "available", "away", "offline"}[s.rnd.IntN(4)]
		if s.rnd.IntN(10) == 0 {
			a = s.randomAgent(id)
		}
		if s.rnd.IntN(20) == 0 {
			a.Disabled = !a.Disabled
		}
		s.agents[id] = a
		s.step(fmt.Sprintf("agent %s %s", id, a.Status), func() []Decision { return e.UpdateAgent(a) })
	case r < 57:
		if len(s.open) > 0 {
			s.closeConv(s.pick(s.open))
		}
	case r < 62:
		if len(s.open) > 0 {
			id, dept := s.pick(s.open), s.pick(propDepts)
			s.step("transfer "+id+" to "+dept, func() []Decision { return e.Transfer(s.convs[id].info, dept) })
		}
	case r < 70:
		if offered := s.openWhere(func(m *mconv) bool { return m.offered != "" }); len(offered) > 0 {
			id := s.pick(offered)
			ag := s.convs[id].offered
			if s.rnd.IntN(3) == 0 {
				s.step("decline "+id, func() []Decision { return e.Decline(id, ag) })
			} else {
				if s.rnd.IntN(4) == 0 {
					ag = s.pick(s.ids) // someone else takes it from the queue
				}
				s.step("accept "+id+" by "+ag, func() []Decision { return e.Accept(s.convs[id].info, s.agents[ag]) })
			}
		}
	case r < 74:
		if waiting := s.openWhere(func(m *mconv) bool { return m.assigned == "" }); len(waiting) > 0 {
			id, ag := s.pick(waiting), s.pick(s.ids)
			s.step("force "+id+" to "+ag, func() []Decision { return e.Assign(s.convs[id].info, s.agents[ag], "supervisor assign") })
		}
	default:
		d := []time.Duration{0, time.Second, 5 * time.Second, 20 * time.Second, 2 * time.Minute, 40 * time.Minute}[s.rnd.IntN(6)]
		s.clk.add(d)
		s.step("tick +"+d.String(), e.Tick)
	}
}

// drain brings everyone back, with every department and language, accepts
// offers and closes what is assigned, until nothing routable waits.
func (s *sim) drain() {
	for _, id := range s.ids {
		a := AgentInfo{ID: id, Role: civicdesk.RoleCaseworker, Status: civicdesk.StatusAvailable, Departments: propDepts, Languages: []string{"en", "es", "vi"}}
		s.agents[id] = a
		s.step("drain: agent "+id, func() []Decision { return s.e.UpdateAgent(a) })
	}
	for range 400 {
		for _, id := range s.ids {
			if a := s.agents[id]; a.Status != civicdesk.StatusAvailable {
				a.Status = civicdesk.StatusAvailable // back from missed offers
				s.agents[id] = a
				s.step("drain: agent "+id, func() []Decision { return s.e.UpdateAgent(a) })
			}
		}
		for _, id := range s.openWhere(func(m *mconv) bool { return m.offered != "" }) {
			ag := s.convs[id].offered
			s.step("drain: accept "+id, func() []Decision { return s.e.Accept(s.convs[id].info, s.agents[ag]) })
		}
		for _, id := range s.openWhere(func(m *mconv) bool { return m.assigned != "" }) {
			s.closeConv(id)
		}
		s.clk.add(15 * time.Minute)
		s.step("drain: tick", s.e.Tick)
		if len(s.openWhere(func(m *mconv) bool { return !s.manualOnly(s.e.convs[m.info.ID]) })) == 0 {
			break
		}
	}
	for _, id := range s.open {
		if c := s.e.convs[id]; !s.manualOnly(c) {
			s.fail("%s never reached a caseworker: state %d hold %d dept %s lang %q dropped %v widened %v pools %d excluded %d step %d esc %v ch %d",
				id, c.state, c.hold, c.dept.id, c.lang, c.langDropped, deptIDs(c.widened), len(c.pools), len(c.excl()), c.nextStep, c.escT.on, c.ch)
		}
	}
}

// manualOnly: c waits explicitly, for caseworkers to pick it.
func (s *sim) manualOnly(c *convRT) bool {
	if c.state != cWaiting || !c.inOrder {
		return false
	}
	for _, t := range c.targets() {
		if t.conf.Strategy != Manual {
			return false
		}
	}
	return true
}

func runSim(t *testing.T, seed uint64, steps int) *sim {
	s := newSim(t, seed)
	for range steps {
		s.randomStep()
	}
	s.drain()
	return s
}

func TestPropertiesOverRandomSequences(t *testing.T) {
	seeds, steps := 150, 400
	if testing.Short() {
		seeds = 30
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { runSim(t, seed, steps) })
	}
}

func TestDeterministic(t *testing.T) {
	a, b := runSim(t, 42, 500), runSim(t, 42, 500)
	if !reflect.DeepEqual(a.trace, b.trace) {
		t.Fatal("the same inputs gave different decisions")
	}
	assigned := 0
	for _, d := range a.trace {
		if d.Kind == KindAssign {
			assigned++
		}
	}
	if assigned < 50 {
		t.Fatalf("only %d assignments: the simulation exercises too little", assigned)
	}
	t.Logf("%d decisions, %d assignments; %s", len(a.trace), assigned, strings.Join(a.log[len(a.log)-3:], ", "))
}
