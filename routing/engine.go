package routing

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/civicdesk/civicdesk"
)

// Engine is the pure routing engine: it holds the queues and the
// caseworkers' state, takes events (a conversation needs routing, an agent's
// status changed, an offer was accepted or declined, a conversation closed
// or moved, the clock ticked) and returns decisions (assign, offer, queue,
// escalate, tell the citizen). It does no I/O and reads the time only from
// its clock, so the same inputs give the same decisions. It is not safe
// for concurrent use: its runner serializes calls.
//
// Data structures, for 10,000 agents and 100,000 waiting conversations:
// per (department, language, channel) an ordered index of the waiting
// conversations, by aging priority then arrival, and one of the available
// caseworkers who have room for that channel, by the department's
// strategy. Routing a conversation reads the head of one agent index;
// filling a freed caseworker reads the heads of the conversation indexes
// it serves. Both are O(log n); nothing scans all agents or all waiting.
type Engine struct {
	s *settings

	depts  map[string]*deptRT
	hourly []*deptRT // departments with opening hours, by id
	agents map[string]*agentRT
	convs  map[string]*convRT

	queues map[qkey]*index[*convRT]
	avail  map[qkey]*index[*agentRT]
	timers *index[*timer]

	seq, tseq, ord int64
	now            int64 // ms, the time of the current step
	last           int64 // ms, the time of the last call

	out     []Decision
	pending []*convRT // became routable together: routed most urgent first
	waits   []Wait
	dirty   map[*deptRT]bool
	fresh   []*convRT
}

// qkey names a queue of conversations and the matching index of agents:
// a department, a required language ("" = any) and a channel.
type qkey struct {
	dept string
	lang string
	ch   uint8
}

type deptRT struct {
	id      string
	conf    *deptConf
	order   *index[*convRT] // its own queued conversations (waiting or offered), for positions
	members map[string]*agentRT
	slots   int64   // capacity units of its routable members
	aht     float64 // average handle time, ms, exponentially weighted
	open    bool
	rr      int64 // round robin turn counter
}

type convState uint8

const (
	cWaiting convState = iota
	cOffered
	cAssigned
)

type holdKind uint8

const (
	holdNone   holdKind = iota
	holdHours           // office closed: routed when it opens
	holdSticky          // waiting a little for its last caseworker
)

type exclusion struct {
	agent *agentRT
	until int64
}

type convRT struct {
	id          string
	dept        *deptRT
	lang        string // required language, "" for none
	ch          uint8
	weight      int64
	priority    int
	queuedAt    int64
	key         okey
	state       convState
	hold        holdKind
	agent       *agentRT // holder of the assignment or offer
	assignedAt  int64
	offerExp    int64
	widened     []*deptRT
	langDropped bool
	pools       []*index[*convRT]
	inOrder     bool
	routableAt  int64
	nextStep    int
	r           *convRare // rarely needed, allocated on demand
	poolsArr    [2]*index[*convRT]
	escT        timer // timers live in their owner: fewer objects
	lastPos     int32
	lastETA     int32
}

// convRare holds what few conversations need: offers, exclusions, sticky
// holds. Kept apart so that a waiting conversation stays small.
type convRare struct {
	offT, stickyT, exclT timer
	excluded             []exclusion
	preferred            *agentRT // sticky hold
}

func (c *convRT) rare() *convRare {
	if c.r == nil {
		c.r = &convRare{}
	}
	return c.r
}

func (c *convRT) excl() []exclusion {
	if c.r == nil {
		return nil
	}
	return c.r.excluded
}

func (c *convRT) pref() *agentRT {
	if c.r == nil {
		return nil
	}
	return c.r.preferred
}

type amember struct {
	idx *index[*agentRT]
	k   okey
}

type agentRT struct {
	id           string
	ord          int64
	depts        []*deptRT
	langs        []string
	status       civicdesk.AgentStatus
	disabled     bool
	role         civicdesk.Role
	capacity     int64
	load         int64
	convs        map[string]*convRT // assigned and offered
	sticky       []*convRT          // held for it
	idleSince    int64
	lastAssigned int64
	rr           map[string]int64
	missed       int
	members      []amember
	slotsIn      []*deptRT // departments whose slots count it
	grace        timer
}

type timerKind uint8

const (
	tEscalate timerKind = iota
	tOffer
	tSticky
	tExclusion
	tGrace
)

type timer struct {
	kind timerKind
	k    okey
	c    *convRT
	a    *agentRT
	on   bool
}

// ConvInfo is what the engine needs to know of a conversation.
type ConvInfo struct {
	ID         string
	Department string
	// Language is the triage language; "" requires none.
	Language string
	Channel  civicdesk.Channel
	Priority int
	// QueuedAt orders the queue (with aging by Priority); zero means now.
	QueuedAt time.Time
	// WidenedTo and Interpreter restore escalation already taken.
	WidenedTo   []string
	Interpreter bool
	// PreferredAgent is the caseworker of the citizen's last conversation
	// (sticky routing), if recent enough.
	PreferredAgent string
}

// AgentInfo is what the engine needs to know of a staff member.
type AgentInfo struct {
	ID          string
	Departments []string
	Languages   []string
	Status      civicdesk.AgentStatus
	Disabled    bool
	Role        civicdesk.Role
}

// DecisionKind says what a decision asks the runner to do.
type DecisionKind string

// The decisions.
const (
	// KindQueue: the conversation is (again) waiting in DepartmentID's
	// queue since QueuedAt; PreviousAgentID held it before. Store it queued.
	KindQueue DecisionKind = "queue"
	// KindWait: queue positions or estimates changed (Waits): tell the
	// citizens.
	KindWait DecisionKind = "wait"
	// KindAssign: AgentID has it now; PreviousAgentID had it.
	KindAssign DecisionKind = "assign"
	// KindOffer: offered to AgentID until OfferExpires.
	KindOffer DecisionKind = "offer"
	// KindOfferEnd: the offer to AgentID ended unaccepted (Reason).
	KindOfferEnd DecisionKind = "offer_end"
	// KindEscalate: an escalation step widened the queue (WidenedTo) or
	// dropped the language requirement (Interpreter).
	KindEscalate DecisionKind = "escalate"
	// KindAfterHours: the office is closed; tell the citizen it opens at
	// OpensAt and that the conversation is kept.
	KindAfterHours DecisionKind = "after_hours"
	// KindAgentAway: set AgentID away and tell them why (Reason).
	KindAgentAway DecisionKind = "agent_away"
)

// Decision is one thing the engine decided. Record, when set, is stored on
// the conversation.
type Decision struct {
	Kind            DecisionKind
	ConvID          string
	AgentID         string
	PreviousAgentID string
	DepartmentID    string
	QueuedAt        time.Time
	OfferExpires    time.Time
	OpensAt         time.Time
	WidenedTo       []string
	Interpreter     bool
	// Forced marks assignments a person made (supervisor, accept,
	// transfer to an agent), which may exceed capacity.
	Forced bool
	Reason string
	Record *civicdesk.RoutingDecision
	// Waits of a KindWait decision, in department and position order.
	Waits []Wait
}

// Wait announces a waiting conversation's place in its queue and the
// estimated wait (0 when unknown).
type Wait struct {
	ConvID        string
	Position      int
	EstimatedWait time.Duration
}

// NewEngine returns an engine with the configuration cfg.
func NewEngine(cfg Config) (*Engine, error) {
	s, err := cfg.compile()
	if err != nil {
		return nil, err
	}
	e := &Engine{s: s,
		depts: map[string]*deptRT{}, agents: map[string]*agentRT{}, convs: map[string]*convRT{},
		queues: map[qkey]*index[*convRT]{}, avail: map[qkey]*index[*agentRT]{}, dirty: map[*deptRT]bool{}}
	e.timers = newIndex[*timer]()
	return e, nil
}

func toMS(t time.Time) int64    { return t.UnixMilli() }
func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// begin brings the engine to the clock's time before an input: timers that
// fell due since the last call fire first, each at its own time, so that
// what happened in between happens in order; then offices open or close.
func (e *Engine) begin() {
	now := toMS(e.s.Now())
	for {
		k, t, ok := e.timers.Min()
		if !ok || k.a > now {
			break
		}
		e.timers.Delete(k)
		t.on = false
		e.now = max(k.a, e.last)
		e.fire(t)
		e.routePending()
	}
	e.now = max(now, e.last) // the clock never runs backwards
	e.last = e.now
	e.checkHours()
}

func (e *Engine) end() []Decision {
	e.routePending()
	e.flush()
	out := e.out
	e.out = nil
	return out
}

// take returns the decisions so far without announcing positions.
func (e *Engine) take() []Decision {
	out := e.out
	e.out = nil
	return out
}

func (e *Engine) emit(d Decision) {
	if e.out == nil {
		e.out = make([]Decision, 0, 4)
	}
	e.out = append(e.out, d)
}

// QueueLen is the number of conversations queued in a department.
func (e *Engine) QueueLen(dept string) int {
	if d := e.depts[dept]; d != nil {
		return d.order.Len()
	}
	return 0
}

func (e *Engine) record(kind, rule, agent, why string, cands []civicdesk.RoutingCandidate) *civicdesk.RoutingDecision {
	return &civicdesk.RoutingDecision{Kind: kind, Rule: rule, AgentID: agent, Candidates: cands, Why: why, At: fromMS(e.now)}
}

// normLang reduces a language tag to its primary subtag: "es-MX" → "es".
func normLang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	return s
}

func (e *Engine) dept(id string) *deptRT {
	if d, ok := e.depts[id]; ok {
		return d
	}
	d := &deptRT{id: id, conf: e.s.dept(id), order: newIndex[*convRT](), members: map[string]*agentRT{},
		aht: float64(e.s.AverageHandleTime.Milliseconds()), open: true}
	if d.conf.hours != nil {
		d.open = d.conf.hours.open(fromMS(e.now))
		i, _ := slices.BinarySearchFunc(e.hourly, id, func(x *deptRT, id string) int { return strings.Compare(x.id, id) })
		e.hourly = slices.Insert(e.hourly, i, d)
	}
	e.depts[id] = d
	return d
}

// ---------------------------------------------------------------- timers

func (e *Engine) schedule(t *timer, kind timerKind, due int64, c *convRT, a *agentRT) {
	e.cancel(t)
	e.tseq++
	*t = timer{kind: kind, k: okey{due, e.tseq, 0}, c: c, a: a, on: true}
	e.timers.Insert(t.k, t)
}

func (e *Engine) cancel(t *timer) {
	if t.on {
		e.timers.Delete(t.k)
		t.on = false
	}
}

// ---------------------------------------------------------------- agents

func (e *Engine) routable(a *agentRT) bool {
	if !present(a) {
		return false
	}
	return e.s.RouteSupervisors || a.role == civicdesk.RoleCaseworker || a.role == ""
}

// present: available and enabled, so it keeps what it holds.
func present(a *agentRT) bool { return a.status == civicdesk.StatusAvailable && !a.disabled }

func (a *agentRT) speaks(lang string) bool {
	if lang == "" {
		return true
	}
	_, ok := slices.BinarySearch(a.langs, lang)
	return ok
}

func (a *agentRT) inDept(d *deptRT) bool {
	_, ok := d.members[a.id]
	return ok
}

// agentKey orders a department's available agents by its strategy.
func (e *Engine) agentKey(a *agentRT, d *deptRT) okey {
	switch d.conf.Strategy {
	case LeastBusy:
		return okey{a.load * 1000 / max(a.capacity, 1), a.lastAssigned, a.ord}
	case RoundRobin:
		return okey{a.rr[d.id], a.ord, 0}
	}
	if a.load > 0 {
		return okey{1, a.lastAssigned, a.ord}
	}
	return okey{0, a.idleSince, a.ord}
}

func (e *Engine) unindex(a *agentRT) {
	for _, m := range a.members {
		m.idx.Delete(m.k)
	}
	a.members = a.members[:0]
}

// reindex puts a into the agent indexes it qualifies for now.
func (e *Engine) reindex(a *agentRT) {
	e.unindex(a)
	e.resetSlots(a)
	if !e.routable(a) {
		return
	}
	for _, d := range a.depts {
		if d.conf.Strategy == Manual {
			continue
		}
		k := e.agentKey(a, d)
		for ch := range uint8(numChannels) {
			if a.load+e.s.weights[ch] > a.capacity {
				continue
			}
			for i := -1; i < len(a.langs); i++ {
				lang := ""
				if i >= 0 {
					lang = a.langs[i]
				}
				q := qkey{d.id, lang, ch}
				idx := e.avail[q]
				if idx == nil {
					idx = newIndex[*agentRT]()
					e.avail[q] = idx
				}
				idx.Insert(k, a)
				a.members = append(a.members, amember{idx, k})
			}
		}
	}
}

// resetSlots keeps each department's count of available capacity.
func (e *Engine) resetSlots(a *agentRT) {
	want := e.routable(a)
	if want && slices.Equal(a.slotsIn, a.depts) || !want && len(a.slotsIn) == 0 {
		return
	}
	for _, d := range a.slotsIn {
		d.slots -= a.capacity
		e.dirty[d] = true
	}
	a.slotsIn = a.slotsIn[:0]
	if e.routable(a) {
		for _, d := range a.depts {
			d.slots += a.capacity
			a.slotsIn = append(a.slotsIn, d)
			e.dirty[d] = true
		}
	}
}

func (e *Engine) upsertAgent(info AgentInfo) (a *agentRT, wasRoutable bool) {
	a = e.agents[info.ID]
	if a == nil {
		e.ord++
		a = &agentRT{id: info.ID, ord: e.ord, convs: map[string]*convRT{}, rr: map[string]int64{}, status: civicdesk.StatusOffline,
			capacity: e.s.capacity(info.ID), idleSince: e.now}
		e.agents[info.ID] = a
	}
	wasRoutable = e.routable(a)
	for _, d := range a.depts {
		delete(d.members, a.id)
	}
	ids := slices.Clone(info.Departments)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	a.depts = a.depts[:0]
	for _, id := range ids {
		if id == "" {
			continue
		}
		d := e.dept(id)
		d.members[a.id] = a
		a.depts = append(a.depts, d)
	}
	a.langs = a.langs[:0]
	for _, l := range info.Languages {
		if l = normLang(l); l != "" {
			a.langs = append(a.langs, l)
		}
	}
	if len(a.langs) == 0 {
		a.langs = append(a.langs, "en") // no languages: English only
	}
	slices.Sort(a.langs)
	a.langs = slices.Compact(a.langs)
	a.role, a.disabled = info.Role, info.Disabled
	if info.Status.Valid() {
		a.status = info.Status
	}
	return a, wasRoutable
}

// UpdateAgent takes a staff member's profile and presence: who they are,
// their departments and languages, and their status.
func (e *Engine) UpdateAgent(info AgentInfo) []Decision {
	e.begin()
	e.updateAgent(info)
	return e.end()
}

func (e *Engine) updateAgent(info AgentInfo) {
	a, was := e.upsertAgent(info)
	e.afterAgentChange(a, was)
}

func (e *Engine) afterAgentChange(a *agentRT, was bool) {
	now := e.routable(a)
	if now && !was {
		a.idleSince = e.now // idle since it became available
		a.missed = 0
	}
	e.reindex(a)
	if present(a) {
		e.cancel(&a.grace)
	}
	if now {
		e.fillAgent(a)
	} else {
		e.leave(a)
		e.routePending()
	}
}

// leave handles a caseworker who cannot take work now: their offers go to
// others, citizens waiting for them stop waiting, and their conversations
// are re-queued after the grace period.
func (e *Engine) leave(a *agentRT) {
	for _, c := range sortedConvs(a.convs) {
		if c.state == cOffered {
			e.endOffer(c, civicdesk.ReasonWithdrawn, "the caseworker is no longer available", false)
			e.pending = append(e.pending, c)
		}
	}
	held := a.sticky
	a.sticky = nil
	for _, c := range held {
		e.releaseSticky(c) // the previous caseworker is no longer available
	}
	if a.grace.on || len(a.convs) == 0 || present(a) {
		return // present but not routed to (a supervisor): keeps its own
	}
	grace := e.s.OfflineGrace
	if a.status == civicdesk.StatusAway {
		grace = e.s.AwayGrace
	}
	if a.disabled {
		grace = 0
	}
	if grace < 0 {
		return
	}
	if grace == 0 {
		e.requeueAgent(a)
		return
	}
	e.schedule(&a.grace, tGrace, e.now+grace.Milliseconds(), nil, a)
}

func sortedConvs(m map[string]*convRT) []*convRT {
	out := make([]*convRT, 0, len(m))
	for _, c := range m {
		out = append(out, c)
	}
	slices.SortFunc(out, func(x, y *convRT) int {
		if x.key.less(y.key) {
			return -1
		}
		if y.key.less(x.key) {
			return 1
		}
		return strings.Compare(x.id, y.id)
	})
	return out
}

// requeueAgent puts a's conversations back in their queues, keeping their
// place (they have waited already), and routes them to others.
func (e *Engine) requeueAgent(a *agentRT) {
	held := sortedConvs(a.convs)
	why := fmt.Sprintf("%s has been %s for longer than the grace period", a.id, a.status)
	if a.disabled {
		why = a.id + " was disabled"
	}
	for _, c := range held {
		if c.state != cAssigned {
			continue
		}
		e.release(c)
		c.state = cWaiting
		e.enqueue(c, a, e.record("requeue", "presence grace", a.id, why, nil), true)
	}
	e.pending = append(e.pending, held...)
}

// routePending routes the conversations that became routable together,
// most urgent first.
func (e *Engine) routePending() {
	for len(e.pending) > 0 {
		ps := e.pending
		e.pending = nil
		slices.SortFunc(ps, func(x, y *convRT) int {
			if x.key.less(y.key) {
				return -1
			}
			if y.key.less(x.key) {
				return 1
			}
			return 0
		})
		for _, c := range ps {
			e.routeConv(c)
		}
	}
}

// ---------------------------------------------------------------- conversations

func (e *Engine) newConv(info ConvInfo) *convRT {
	dept := info.Department
	if dept == "" {
		dept = e.s.Fallback
	}
	ch := chIndex(info.Channel)
	if ch < 0 {
		ch = 0
	}
	c := &convRT{id: info.ID, dept: e.dept(dept), lang: normLang(info.Language), ch: uint8(ch), priority: info.Priority}
	c.pools = c.poolsArr[:0]
	c.weight = e.s.weights[c.ch]
	c.langDropped = info.Interpreter && c.lang != ""
	for _, w := range info.WidenedTo {
		if w != "" && w != dept && !slices.ContainsFunc(c.widened, func(d *deptRT) bool { return d.id == w }) {
			c.widened = append(c.widened, e.dept(w))
		}
	}
	c.queuedAt = e.now
	if !info.QueuedAt.IsZero() {
		c.queuedAt = toMS(info.QueuedAt)
	}
	e.setKey(c)
	e.convs[c.id] = c
	return c
}

func (e *Engine) setKey(c *convRT) {
	e.seq++
	c.key = okey{c.queuedAt - int64(c.priority)*e.s.AgingStep.Milliseconds(), e.seq, 0}
}

func (c *convRT) langKey() string {
	if c.langDropped {
		return ""
	}
	return c.lang
}

// targets are the departments whose caseworkers may take c: its own first.
func (c *convRT) targets() []*deptRT {
	if len(c.widened) == 0 {
		return []*deptRT{c.dept}
	}
	return append([]*deptRT{c.dept}, c.widened...)
}

func (e *Engine) addPools(c *convRT) {
	if len(c.pools) > 0 || c.hold != holdNone || c.state != cWaiting {
		return
	}
	for _, t := range c.targets() {
		q := qkey{t.id, c.langKey(), c.ch}
		idx := e.queues[q]
		if idx == nil {
			idx = newIndex[*convRT]()
			e.queues[q] = idx
		}
		idx.Insert(c.key, c)
		c.pools = append(c.pools, idx)
	}
}

func (e *Engine) removePools(c *convRT) {
	for _, idx := range c.pools {
		idx.Delete(c.key)
	}
	c.pools = c.pools[:0]
}

// enqueue puts c (state waiting) in its department's queue, holding it if
// the office is closed, and records why. prev held it before.
//
// keepClock: escalation counts from c.queuedAt, not from now: a restored
// conversation, or one taken back from a caseworker who left, has waited
// since it first queued and escalates accordingly.
func (e *Engine) enqueue(c *convRT, prev *agentRT, rec *civicdesk.RoutingDecision, keepClock bool) {
	d := c.dept
	c.state, c.agent, c.hold = cWaiting, nil, holdNone
	c.lastPos, c.lastETA = 0, 0
	if !c.inOrder {
		d.order.Insert(c.key, c)
		c.inOrder = true
	}
	e.dirty[d] = true
	e.fresh = append(e.fresh, c)
	c.routableAt = max(e.now, c.queuedAt)
	if keepClock {
		c.routableAt = c.queuedAt
	}
	var opens time.Time
	if h := d.conf.hours; h != nil && c.priority < e.s.AfterHoursPriority && !h.open(fromMS(e.now)) {
		c.hold = holdHours
		opens = h.nextOpen(fromMS(e.now))
		c.routableAt = math.MaxInt64
		if !opens.IsZero() {
			c.routableAt = toMS(opens)
		}
	}
	if rec != nil {
		if c.hold == holdHours {
			rec.Why += fmt.Sprintf("; the %s office is closed and opens %s: the conversation is kept and routed then", d.id, opens.Format(time.RFC3339))
		}
		prevID := ""
		if prev != nil {
			prevID = prev.id
		}
		e.emit(Decision{Kind: KindQueue, ConvID: c.id, DepartmentID: d.id, QueuedAt: fromMS(c.queuedAt), PreviousAgentID: prevID,
			WidenedTo: deptIDs(c.widened), Interpreter: c.langDropped, Record: rec})
	}
	if c.hold == holdHours {
		e.emit(Decision{Kind: KindAfterHours, ConvID: c.id, DepartmentID: d.id, OpensAt: opens})
	}
	e.scheduleEscalation(c)
	e.addPools(c)
}

func deptIDs(ds []*deptRT) []string {
	if len(ds) == 0 {
		return nil
	}
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.id
	}
	return out
}

func (e *Engine) scheduleEscalation(c *convRT) {
	e.cancel(&c.escT)
	steps := c.dept.conf.Escalation
	if c.nextStep >= len(steps) || c.routableAt == math.MaxInt64 {
		return
	}
	e.schedule(&c.escT, tEscalate, c.routableAt+steps[c.nextStep].After.Milliseconds(), c, nil)
}

// unqueue takes c out of every queue structure (it is assigned or gone).
func (e *Engine) unqueue(c *convRT) {
	e.removePools(c)
	if c.inOrder {
		c.dept.order.Delete(c.key)
		c.inOrder = false
		e.dirty[c.dept] = true
	}
	if p := c.pref(); c.hold == holdSticky && p != nil {
		p.sticky = slices.DeleteFunc(p.sticky, func(x *convRT) bool { return x == c })
	}
	c.hold = holdNone
	e.cancel(&c.escT)
	if r := c.r; r != nil {
		r.preferred = nil
		e.cancel(&r.stickyT)
		e.cancel(&r.exclT)
		r.excluded = nil
	}
}

// release frees the capacity c holds with its agent.
func (e *Engine) release(c *convRT) *agentRT {
	a := c.agent
	if a == nil {
		return nil
	}
	if c.r != nil {
		e.cancel(&c.r.offT)
	}
	delete(a.convs, c.id)
	a.load -= c.weight
	if a.load <= 0 {
		a.load = 0
		a.idleSince = e.now
	}
	c.agent = nil
	if len(a.convs) == 0 {
		e.cancel(&a.grace)
	}
	e.reindex(a)
	return a
}

func (e *Engine) excludedAgent(c *convRT, a *agentRT) bool {
	for _, x := range c.excl() {
		if x.agent == a && x.until > e.now {
			return true
		}
	}
	return false
}

func (e *Engine) exclude(c *convRT, a *agentRT) {
	until := e.now + e.s.ExcludeFor.Milliseconds()
	r := c.rare()
	r.excluded = slices.DeleteFunc(r.excluded, func(x exclusion) bool { return x.agent == a || x.until <= e.now })
	r.excluded = append(r.excluded, exclusion{a, until})
	if !r.exclT.on {
		e.schedule(&r.exclT, tExclusion, until, c, nil)
	}
}

// ---------------------------------------------------------------- choosing

// bestAgent is the first caseworker of t, by t's strategy, who may take c.
func (e *Engine) bestAgent(c *convRT, t *deptRT, lang string) *agentRT {
	idx := e.avail[qkey{t.id, lang, c.ch}]
	if idx == nil {
		return nil
	}
	var best *agentRT
	idx.Ascend(func(_ okey, a *agentRT) bool {
		if c.r != nil && len(c.r.excluded) > 0 && e.excludedAgent(c, a) {
			return true
		}
		best = a
		return false
	})
	return best
}

// routeConv gives a waiting conversation to the best caseworker of its
// departments, its own first, if any may take it now.
func (e *Engine) routeConv(c *convRT) {
	if c.state != cWaiting || c.hold != holdNone || e.convs[c.id] != c {
		return
	}
	// Without a language requirement any caseworker may take it, but one
	// who speaks the citizen's language still comes first.
	langs := []string{c.langKey()}
	if c.langDropped && c.lang != "" {
		langs = []string{c.lang, ""}
	}
	for _, lang := range langs {
		for _, t := range c.targets() {
			if t.conf.Strategy == Manual {
				continue
			}
			if a := e.bestAgent(c, t, lang); a != nil {
				rule := "strategy " + string(t.conf.Strategy)
				if t != c.dept {
					rule += " in " + t.id + " (escalation)"
				}
				why := e.winWhy(a, t)
				if c.langDropped && a.speaks(c.lang) {
					why += "; speaks " + c.lang
				}
				e.decide(c, a, t, rule, why)
				return
			}
		}
	}
}

// fillAgent gives a caseworker with room the most urgent conversations it
// may take, while it has room.
func (e *Engine) fillAgent(a *agentRT) {
	for e.routable(a) {
		if c := e.stickyFor(a); c != nil {
			e.decide(c, a, c.dept, "sticky", "the citizen's previous caseworker has room again")
			continue
		}
		var best *convRT
		var bestDept *deptRT
		for _, d := range a.depts {
			if d.conf.Strategy == Manual {
				continue
			}
			for ch := range uint8(numChannels) {
				if a.load+e.s.weights[ch] > a.capacity {
					continue
				}
				for i := -1; i < len(a.langs); i++ {
					lang := ""
					if i >= 0 {
						lang = a.langs[i]
					}
					idx := e.queues[qkey{d.id, lang, ch}]
					if idx == nil {
						continue
					}
					idx.Ascend(func(k okey, c *convRT) bool {
						if best != nil && !k.less(best.key) {
							return false
						}
						if c.r != nil && len(c.r.excluded) > 0 && e.excludedAgent(c, a) {
							return true
						}
						best, bestDept = c, d
						return false
					})
				}
			}
		}
		if best == nil {
			return
		}
		why := fmt.Sprintf("%s had room; this was the most urgent conversation it may take (priority %d, waiting %s)",
			a.id, best.priority, dur(e.now-best.queuedAt))
		e.decide(best, a, bestDept, "next in queue", why)
	}
}

func (e *Engine) stickyFor(a *agentRT) *convRT {
	for _, c := range a.sticky {
		if a.load+c.weight <= a.capacity {
			return c
		}
	}
	return nil
}

// decide assigns c to a, or offers it, as t's mode says.
func (e *Engine) decide(c *convRT, a *agentRT, t *deptRT, rule, why string) {
	cands := e.candidates(c, t, a)
	if t.conf.Strategy == RoundRobin {
		t.rr++
		a.rr[t.id] = t.rr
	}
	if t.conf.Mode == Offer {
		e.offer(c, a, t, rule, why, cands)
		return
	}
	e.unqueue(c)
	c.state, c.agent, c.assignedAt = cAssigned, a, e.now
	a.convs[c.id] = c
	a.load += c.weight
	a.lastAssigned = e.now
	e.reindex(a)
	e.emit(Decision{Kind: KindAssign, ConvID: c.id, AgentID: a.id, DepartmentID: t.id, Reason: rule,
		Record: e.record("assign", rule, a.id, why, cands)})
}

func (e *Engine) offer(c *convRT, a *agentRT, t *deptRT, rule, why string, cands []civicdesk.RoutingCandidate) {
	e.removePools(c)
	r := c.rare()
	e.cancel(&r.stickyT)
	if p := r.preferred; c.hold == holdSticky && p != nil {
		p.sticky = slices.DeleteFunc(p.sticky, func(x *convRT) bool { return x == c })
	}
	c.hold, r.preferred = holdNone, nil
	c.state, c.agent = cOffered, a
	c.offerExp = e.now + t.conf.OfferTimeout.Milliseconds()
	e.schedule(&r.offT, tOffer, c.offerExp, c, nil)
	a.convs[c.id] = c
	a.load += c.weight
	a.lastAssigned = e.now
	e.reindex(a)
	e.dirty[c.dept] = true
	e.emit(Decision{Kind: KindOffer, ConvID: c.id, AgentID: a.id, DepartmentID: t.id, OfferExpires: fromMS(c.offerExp), Reason: rule,
		Record: e.record("offer", rule, a.id, why+fmt.Sprintf("; offered for %s", t.conf.OfferTimeout), cands)})
}

// endOffer takes back an offer; the conversation waits again.
func (e *Engine) endOffer(c *convRT, reason, why string, exclude bool) {
	a := c.agent
	e.release(c)
	c.state = cWaiting
	if exclude {
		e.exclude(c, a)
	}
	e.emit(Decision{Kind: KindOfferEnd, ConvID: c.id, AgentID: a.id, Reason: reason,
		Record: e.record("offer_"+reason, "offer", a.id, why, nil)})
	e.addPools(c)
	e.dirty[c.dept] = true
}

func (e *Engine) winWhy(a *agentRT, t *deptRT) string {
	switch t.conf.Strategy {
	case LeastBusy:
		return fmt.Sprintf("%s is the least busy eligible caseworker of %s (%d%% of capacity in use)", a.id, t.id, a.load*100/max(a.capacity, 1))
	case RoundRobin:
		return fmt.Sprintf("%s is next in turn in %s", a.id, t.id)
	}
	if a.load == 0 {
		return fmt.Sprintf("%s has been idle longest among eligible caseworkers of %s (%s)", a.id, t.id, dur(e.now-a.idleSince))
	}
	return fmt.Sprintf("no eligible caseworker of %s is idle; %s got its last conversation longest ago (%s)", t.id, a.id, dur(e.now-a.lastAssigned))
}

func (e *Engine) score(a *agentRT, t *deptRT) float64 {
	switch t.conf.Strategy {
	case LeastBusy:
		return float64(a.load) / float64(max(a.capacity, 1))
	case RoundRobin:
		return float64(t.rr - a.rr[t.id])
	}
	if a.load == 0 {
		return float64(e.now-a.idleSince) / 1000
	}
	return float64(e.now-a.lastAssigned) / 1000
}

// ineligible says why a may not take c in t, "" if it may.
func (e *Engine) ineligible(a *agentRT, c *convRT, t *deptRT) string {
	switch {
	case a.disabled:
		return "disabled"
	case a.status != civicdesk.StatusAvailable:
		return string(a.status)
	case !e.routable(a):
		return "not a caseworker"
	case !a.inDept(t):
		return "not in " + t.id
	case !a.speaks(c.langKey()):
		return "does not speak " + c.lang
	case a.load+c.weight > a.capacity:
		return fmt.Sprintf("at capacity (%s of %s)", units(a.load), units(a.capacity))
	case e.excludedAgent(c, a):
		return "declined or missed this conversation recently"
	}
	return ""
}

func units(v int64) string { return fmt.Sprintf("%g", float64(v)/unit) }

// candidates explains a decision: in a small department every member with
// why it was or was not eligible; in a large one the leading candidates.
func (e *Engine) candidates(c *convRT, t *deptRT, winner *agentRT) []civicdesk.RoutingCandidate {
	var out []civicdesk.RoutingCandidate
	add := func(a *agentRT) {
		why := e.ineligible(a, c, t)
		cand := civicdesk.RoutingCandidate{AgentID: a.id, Eligible: why == "", Why: why, Score: math.Round(e.score(a, t)*100) / 100}
		if a == winner {
			cand.Why = "chosen"
		} else if why == "" {
			cand.Why = "eligible, ranked lower"
		}
		out = append(out, cand)
	}
	if len(t.members) <= e.s.ExplainMembers {
		ids := make([]string, 0, len(t.members))
		for id := range t.members {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			add(t.members[id])
		}
		if winner != nil && !winner.inDept(t) {
			add(winner)
		}
		return out
	}
	if winner != nil {
		add(winner)
	}
	if idx := e.avail[qkey{t.id, c.langKey(), c.ch}]; idx != nil {
		idx.Ascend(func(_ okey, a *agentRT) bool {
			if a != winner {
				add(a)
			}
			return len(out) < 4
		})
	}
	return out
}

func dur(ms int64) string {
	return (time.Duration(max(ms, 0)) * time.Millisecond).Round(time.Second).String()
}

// ---------------------------------------------------------------- inputs

// Enqueue takes a conversation that needs a caseworker (a handoff). One
// already known is left as it is, so redelivered events are harmless.
func (e *Engine) Enqueue(info ConvInfo) []Decision {
	e.begin()
	if _, ok := e.convs[info.ID]; !ok {
		c := e.newConv(info)
		why := fmt.Sprintf("department %s, priority %d, channel %s", c.dept.id, c.priority, info.Channel)
		if c.lang != "" {
			why += ", language " + c.lang
		}
		e.enqueue(c, nil, e.record("queue", "handoff", "", why, nil), false)
		if c.hold == holdNone && !e.sticky(c, info.PreferredAgent) {
			e.routeConv(c)
		}
	}
	return e.end()
}

// sticky routes c to its citizen's previous caseworker, or holds it for
// them a little, and reports whether it did either.
func (e *Engine) sticky(c *convRT, id string) bool {
	a := e.agents[id]
	if a == nil || e.s.StickyWithin < 0 || c.dept.conf.Strategy == Manual {
		return false
	}
	why := e.ineligible(a, c, c.dept)
	if why == "" {
		e.decide(c, a, c.dept, "sticky", "the citizen's previous caseworker is available")
		return true
	}
	if e.routable(a) && a.inDept(c.dept) && a.speaks(c.langKey()) && a.load+c.weight > a.capacity && e.s.StickyWait > 0 {
		e.removePools(c)
		c.hold, c.rare().preferred = holdSticky, a
		a.sticky = append(a.sticky, c)
		e.schedule(&c.r.stickyT, tSticky, e.now+e.s.StickyWait.Milliseconds(), c, nil)
		return true
	}
	return false
}

func (e *Engine) releaseSticky(c *convRT) {
	if c.hold != holdSticky {
		return
	}
	r := c.rare()
	if p := r.preferred; p != nil {
		p.sticky = slices.DeleteFunc(p.sticky, func(x *convRT) bool { return x == c })
	}
	c.hold, r.preferred = holdNone, nil
	e.cancel(&r.stickyT)
	e.addPools(c)
	e.pending = append(e.pending, c)
}

// RestoreState is how the store left a conversation, for Restore.
type RestoreState struct {
	AgentID      string // assigned to
	AssignedAt   time.Time
	OfferedTo    string
	OfferExpires time.Time
}

// Restore takes a conversation as the store holds it, when the runner
// rebuilds after a start: assigned, offered or waiting. Nothing is routed
// until Start.
func (e *Engine) Restore(info ConvInfo, st RestoreState) []Decision {
	e.begin()
	if old := e.convs[info.ID]; old != nil {
		return e.take()
	}
	c := e.newConv(info)
	switch {
	case st.AgentID != "":
		a := e.agents[st.AgentID]
		if a == nil {
			a, _ = e.upsertAgent(AgentInfo{ID: st.AgentID, Status: civicdesk.StatusOffline})
		}
		c.state, c.agent, c.assignedAt = cAssigned, a, toMS(st.AssignedAt)
		a.convs[c.id] = c
		a.load += c.weight
		e.reindex(a)
		if !e.routable(a) {
			e.leave(a)
		}
	case st.OfferedTo != "":
		e.enqueue(c, nil, nil, true)
		a := e.agents[st.OfferedTo]
		exp := toMS(st.OfferExpires)
		if a != nil && e.routable(a) && exp > e.now && a.load+c.weight <= a.capacity {
			e.removePools(c)
			c.state, c.agent, c.offerExp = cOffered, a, exp
			e.schedule(&c.rare().offT, tOffer, exp, c, nil)
			a.convs[c.id] = c
			a.load += c.weight
			e.reindex(a)
		} else {
			e.emit(Decision{Kind: KindOfferEnd, ConvID: c.id, AgentID: st.OfferedTo, Reason: civicdesk.ReasonWithdrawn,
				Record: e.record("offer_withdrawn", "recovery", st.OfferedTo, "the offer lapsed while routing restarted", nil)})
		}
	default:
		e.enqueue(c, nil, nil, true)
	}
	return e.take()
}

// Start routes every waiting conversation, most urgent first: the runner
// calls it once everything is restored.
func (e *Engine) Start() []Decision {
	e.begin()
	var all []*convRT
	for _, c := range e.convs {
		if c.state == cWaiting {
			all = append(all, c)
		}
	}
	slices.SortFunc(all, func(x, y *convRT) int {
		if x.key.less(y.key) {
			return -1
		}
		return 1
	})
	e.pending = append(e.pending, all...)
	return e.end()
}

// Assign gives a conversation to a caseworker because a person said so (a
// supervisor's assign, a transfer to an agent): whatever the rules say.
func (e *Engine) Assign(info ConvInfo, agent AgentInfo, rule string) []Decision {
	e.begin()
	e.force(info, agent, rule)
	return e.end()
}

func (e *Engine) force(info ConvInfo, agent AgentInfo, rule string) {
	a := e.agents[agent.ID]
	if a == nil {
		var was bool
		a, was = e.upsertAgent(agent)
		e.afterAgentChange(a, was)
	}
	c := e.convs[info.ID]
	if c == nil {
		c = e.newConv(info)
	}
	if c.state == cAssigned && c.agent == a {
		return
	}
	prev, holder := e.detach(c)
	why := rule + " by a person, over the routing rules"
	if w := e.ineligible(a, c, c.dept); w != "" {
		why += " (" + a.id + ": " + w + ")"
	}
	c.state, c.agent, c.assignedAt = cAssigned, a, e.now
	a.convs[c.id] = c
	a.load += c.weight
	a.lastAssigned = e.now
	e.reindex(a)
	prevID := ""
	if prev != nil {
		prevID = prev.id
	}
	e.emit(Decision{Kind: KindAssign, ConvID: c.id, AgentID: a.id, PreviousAgentID: prevID, DepartmentID: c.dept.id, Forced: true,
		Reason: rule, Record: e.record("assign", rule, a.id, why, e.candidates(c, c.dept, a))})
	if !e.routable(a) {
		e.leave(a)
	}
	if holder != nil && holder != a {
		e.fillAgent(holder)
	}
}

// detach takes c out of wherever it is (queue, offer, assignment). prev is
// the agent it was assigned to, holder the one that held it assigned or
// offered (and now has room).
func (e *Engine) detach(c *convRT) (prev, holder *agentRT) {
	e.unqueue(c)
	if c.agent != nil {
		holder = c.agent
		if c.state == cOffered {
			e.emit(Decision{Kind: KindOfferEnd, ConvID: c.id, AgentID: holder.id, Reason: civicdesk.ReasonWithdrawn,
				Record: e.record("offer_withdrawn", "offer", holder.id, "taken by a person's decision", nil)})
		} else {
			prev = holder
		}
		e.release(c)
	}
	c.state = cWaiting
	return prev, holder
}

// Accept answers a caseworker's accept: of its offer, or (manual pick) of
// a waiting conversation.
func (e *Engine) Accept(info ConvInfo, agent AgentInfo) []Decision {
	e.begin()
	c := e.convs[info.ID]
	if a := e.agents[agent.ID]; c != nil && a != nil && c.state == cOffered && c.agent == a {
		e.cancel(&c.rare().offT)
		e.unqueue(c)
		c.state, c.assignedAt = cAssigned, e.now
		a.missed = 0
		e.emit(Decision{Kind: KindAssign, ConvID: c.id, AgentID: a.id, DepartmentID: c.dept.id, Reason: "offer accepted",
			Record: e.record("assign", "offer accepted", a.id, a.id+" accepted the offer", nil)})
		return e.end()
	}
	e.force(info, agent, civicdesk.ReasonAccepted)
	return e.end()
}

// Decline answers a caseworker turning down its offer: it goes to the next.
func (e *Engine) Decline(convID, agentID string) []Decision {
	e.begin()
	c := e.convs[convID]
	if c != nil && c.state == cOffered && c.agent != nil && c.agent.id == agentID {
		a := c.agent
		e.endOffer(c, civicdesk.ReasonDeclined, agentID+" declined the offer", true)
		e.routeConv(c)
		e.fillAgent(a)
	}
	return e.end()
}

// Transfer moves a conversation to another department's queue; the agent
// who held it is not offered it again for a while.
func (e *Engine) Transfer(info ConvInfo, dept string) []Decision {
	e.begin()
	c := e.convs[info.ID]
	if c == nil {
		c = e.newConv(info)
	}
	prev, holder := e.detach(c)
	if holder != nil {
		e.fillAgent(holder) // the room it had goes to the most urgent first
	}
	if dept == "" {
		dept = e.s.Fallback
	}
	c.dept = e.dept(dept)
	c.lang, c.priority = normLang(info.Language), info.Priority
	c.widened, c.nextStep = nil, 0
	c.queuedAt = e.now
	e.setKey(c)
	why := "transferred to " + dept
	if prev != nil {
		why += " by " + prev.id
	}
	e.enqueue(c, prev, e.record("transfer", "transfer", "", why, nil), false)
	if prev != nil {
		e.exclude(c, prev)
	}
	e.routeConv(c)
	return e.end()
}

// Close forgets a conversation that closed and frees its caseworker.
func (e *Engine) Close(convID string) []Decision {
	e.begin()
	if c := e.convs[convID]; c != nil {
		e.unqueue(c)
		if c.state == cAssigned && c.agent != nil {
			d := c.dept
			handle := float64(min(max(e.now-c.assignedAt, 10_000), 2*3600_000))
			d.aht = 0.8*d.aht + 0.2*handle
		}
		a := e.release(c)
		delete(e.convs, convID)
		if a != nil {
			e.fillAgent(a)
		}
	}
	return e.end()
}

// Tick advances the clock: offers time out, escalation steps fire, held
// conversations are released, offices open.
func (e *Engine) Tick() []Decision {
	e.begin()
	return e.end()
}

func (e *Engine) fire(t *timer) {
	c, a := t.c, t.a
	switch t.kind {
	case tOffer:
		if c.state != cOffered || c.agent == nil {
			return
		}
		a := c.agent
		a.missed++
		e.endOffer(c, civicdesk.ReasonTimeout, fmt.Sprintf("%s did not answer within the offer timeout (%d missed in a row)", a.id, a.missed), true)
		e.pending = append(e.pending, c)
		if a.missed >= e.s.MaxMissedOffers && a.status == civicdesk.StatusAvailable {
			was := e.routable(a)
			a.status = civicdesk.StatusAway
			reason := fmt.Sprintf("set away after %d offers in a row went unanswered", a.missed)
			e.emit(Decision{Kind: KindAgentAway, AgentID: a.id, Reason: reason})
			e.afterAgentChange(a, was)
		}
		e.routePending()
		if e.routable(a) {
			e.fillAgent(a)
		}
	case tEscalate:
		e.escalate(c)
	case tSticky:
		e.releaseSticky(c) // waited long enough for the previous caseworker
	case tExclusion:
		r := c.rare()
		r.excluded = slices.DeleteFunc(r.excluded, func(x exclusion) bool { return x.until <= e.now })
		if len(r.excluded) > 0 {
			next := r.excluded[0].until
			for _, x := range r.excluded {
				next = min(next, x.until)
			}
			e.schedule(&r.exclT, tExclusion, next, c, nil)
		}
		e.routeConv(c)
	case tGrace:
		if !present(a) {
			e.requeueAgent(a)
		}
	}
}

func (e *Engine) escalate(c *convRT) {
	steps := c.dept.conf.Escalation
	if c.state == cAssigned || c.nextStep >= len(steps) {
		return
	}
	st := steps[c.nextStep]
	c.nextStep++
	var did []string
	var widened []string
	for _, w := range st.Widen {
		if w == c.dept.id || slices.ContainsFunc(c.widened, func(d *deptRT) bool { return d.id == w }) {
			continue
		}
		c.widened = append(c.widened, e.dept(w))
		widened = append(widened, w)
		did = append(did, "widened to "+w)
	}
	if st.DropLanguage && c.lang != "" && !c.langDropped {
		c.langDropped = true
		did = append(did, "dropped the language requirement ("+c.lang+"): interpreter needed")
	}
	if len(did) > 0 {
		inPools := len(c.pools) > 0
		e.removePools(c)
		if inPools {
			e.addPools(c)
		}
		rule := fmt.Sprintf("escalation step %d (after %s)", c.nextStep, st.After)
		why := fmt.Sprintf("unassigned for %s: %s", dur(e.now-c.routableAt), strings.Join(did, "; "))
		dep := ""
		if len(widened) > 0 {
			dep = widened[0]
		}
		e.emit(Decision{Kind: KindEscalate, ConvID: c.id, DepartmentID: dep, WidenedTo: deptIDs(c.widened), Interpreter: c.langDropped,
			Reason: strings.Join(did, "; "), Record: e.record("escalate", rule, "", why, nil)})
	}
	e.scheduleEscalation(c)
	e.routeConv(c)
}

func (e *Engine) checkHours() {
	var opened []*deptRT
	for _, d := range e.hourly {
		open := d.conf.hours.open(fromMS(e.now))
		if open && !d.open {
			opened = append(opened, d)
		}
		d.open = open
	}
	for _, d := range opened {
		var held []*convRT
		d.order.Ascend(func(_ okey, c *convRT) bool {
			if c.hold == holdHours {
				held = append(held, c)
			}
			return true
		})
		for _, c := range held {
			c.hold = holdNone
			c.routableAt = e.now
			e.scheduleEscalation(c)
			e.addPools(c)
		}
		e.dirty[d] = true
		e.pending = append(e.pending, held...)
	}
	e.routePending()
}

// ---------------------------------------------------------------- positions

// flush announces positions and wait estimates that changed.
func (e *Engine) flush() {
	if len(e.dirty) == 0 && len(e.fresh) == 0 {
		return
	}
	ds := make([]*deptRT, 0, len(e.dirty))
	for d := range e.dirty {
		ds = append(ds, d)
	}
	slices.SortFunc(ds, func(x, y *deptRT) int { return strings.Compare(x.id, y.id) })
	for _, d := range ds {
		pos := 0
		d.order.Ascend(func(_ okey, c *convRT) bool {
			pos++
			if pos > e.s.NotifyPositions {
				return false
			}
			e.notify(c, pos)
			return true
		})
	}
	for _, c := range e.fresh {
		if c.inOrder && c.lastPos == 0 {
			e.notify(c, c.dept.order.Rank(c.key)+1)
		}
	}
	clear(e.dirty)
	e.fresh = e.fresh[:0]
	if len(e.waits) > 0 {
		e.emit(Decision{Kind: KindWait, Waits: slices.Clone(e.waits)})
		e.waits = e.waits[:0] // a scratch buffer: the decision has its own copy
	}
}

func (e *Engine) notify(c *convRT, pos int) {
	eta := e.eta(c, pos)
	if int32(pos) == c.lastPos && int32(eta) == c.lastETA {
		return
	}
	c.lastPos, c.lastETA = int32(pos), int32(eta)
	e.waits = append(e.waits, Wait{ConvID: c.id, Position: pos, EstimatedWait: time.Duration(eta) * time.Second})
}

// eta estimates the wait of the conversation at position pos, in seconds
// (0 when unknown): each of the department's available conversation slots
// frees on average once per average handle time, so pos conversations
// ahead-and-including take pos × AHT ÷ slots. AHT is an exponentially
// weighted average of measured handle times (weight 0.2), seeded with
// Config.AverageHandleTime. Outside opening hours the time until the office
// opens is added. Rounded (5 s under a minute, else whole minutes) so that
// estimates do not flicker.
func (e *Engine) eta(c *convRT, pos int) int {
	d := c.dept
	secs := 0.0
	if d.slots > 0 {
		secs = float64(pos) * d.aht / 1000 / (float64(d.slots) / unit)
	}
	if c.hold == holdHours && c.routableAt != math.MaxInt64 {
		secs += float64(c.routableAt-e.now) / 1000
	}
	if secs <= 0 {
		return 0
	}
	if secs < 60 {
		return int(math.Ceil(secs/5) * 5)
	}
	return int(math.Round(secs/60) * 60)
}
