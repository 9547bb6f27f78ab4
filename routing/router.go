package routing

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/lease"
	"github.com/civicdesk/civicdesk/internal/metrics"
)

// Store is what routing needs of the store.
type Store interface {
	GetConversation(ctx context.Context, id string) (civicdesk.Conversation, error)
	PutConversation(ctx context.Context, c civicdesk.Conversation) error
	ListConversations(ctx context.Context, f civicdesk.ConversationFilter) ([]civicdesk.Conversation, error)
	ListAgents(ctx context.Context) ([]civicdesk.Agent, error)
	GetAgent(ctx context.Context, id string) (civicdesk.Agent, error)
	SetAgentStatus(ctx context.Context, id string, s civicdesk.AgentStatus) error
	ListDepartments(ctx context.Context) ([]civicdesk.Department, error)
}

// Bus is what routing needs of NATS.
type Bus interface {
	Publish(ctx context.Context, subject string, data []byte, msgID string) (uint64, bool, error)
	Consume(ctx context.Context, spec civicdesk.ConsumerSpec, handler func(ctx context.Context, d civicdesk.Delivery) error) error
}

// Router runs the engine: it feeds it the routing events of CD_EVENTS and
// a clock tick, and carries out its decisions: the store first, then the
// events. It is the one writer of a conversation's routing fields while
// the conversation is queued or assigned.
type Router struct {
	cfg   Config
	s     *settings
	store Store
	bus   Bus
	log   *slog.Logger

	mu      sync.Mutex
	eng     *Engine
	names   map[string]string
	rebuild bool // the engine and the store may disagree: rebuild first
	active  bool // this router owns routing now and its engine is live
}

// New returns a router. The configuration is checked here.
func New(cfg Config, store Store, bus Bus, log *slog.Logger) (*Router, error) {
	s, err := cfg.compile()
	if err != nil {
		return nil, err
	}
	return &Router{cfg: cfg, s: s, store: store, bus: bus, log: log.With("component", "routing"), rebuild: true}, nil
}

// Run rebuilds the engine from the store, then routes until ctx is done.
// One engine owns routing at a time: a second replica waits for the
// "routing" lease and takes over, from the store, when it lapses.
func (r *Router) Run(ctx context.Context) error {
	return lease.Hold(ctx, r.bus, "routing", leaseTTL, r.log, r.runOwned)
}

// leaseTTL is how long a stalled owner keeps routing before another replica
// takes over.
const leaseTTL = 10 * time.Second

// consumerResetter redelivers at once what a durable consumer had handed
// out unacknowledged; the bus provides it.
type consumerResetter interface {
	ResetConsumer(ctx context.Context, stream, durable string) error
}

// runOwned rebuilds the engine from the store and runs it while ctx lasts.
func (r *Router) runOwned(ctx context.Context) error {
	r.mu.Lock()
	err := r.rebuildLocked(ctx)
	r.active = err == nil
	r.mu.Unlock()
	if err != nil {
		return err
	}
	defer func() {
		r.mu.Lock()
		r.active = false
		r.mu.Unlock()
	}()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.tick(ctx)
	}()
	defer wg.Wait()
	if rs, ok := r.bus.(consumerResetter); ok {
		// A previous owner that died may have held events unacknowledged:
		// have them now rather than after the ack wait.
		if err := rs.ResetConsumer(ctx, civicdesk.StreamEvents, "routing"); err != nil {
			r.log.Warn("routing consumer not reset; events held by a previous owner come after the ack wait", "err", err)
		}
	}
	return r.bus.Consume(ctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamEvents, Durable: "routing", Filters: []string{
		civicdesk.ConvSubject(civicdesk.VerbHandoff, "*"),
		civicdesk.ConvSubject(civicdesk.VerbTransfer, "*"),
		civicdesk.ConvSubject(civicdesk.VerbClosed, "*"),
		civicdesk.AgentStatusSubject("*"),
	}}, r.handle)
}

func (r *Router) tick(ctx context.Context) {
	r.mu.Lock()
	every := r.s.Tick
	r.mu.Unlock()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.mu.Lock()
		err := r.ready(ctx)
		if err == nil {
			err = r.apply(ctx, r.eng.Tick())
		}
		r.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			r.log.Warn("routing tick", "err", err)
		}
	}
}

// SetConfig puts a new configuration in force without a restart (an admin
// changed a department's hours or strategy). The engine is pure, so rather
// than patch its state it is rebuilt from the store under the new
// configuration, as when a replica takes routing over: waiting
// conversations keep their place, and those of an office that opened or
// stopped being held are routed at once. A router that does not own
// routing now keeps the configuration for when it does.
func (r *Router) SetConfig(ctx context.Context, cfg Config) error {
	s, err := cfg.compile()
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cfg, r.s = cfg, s
	if !r.active {
		r.rebuild = true
		return nil
	}
	if err := r.rebuildLocked(ctx); err != nil {
		r.rebuild = true // the tick tries again
		return err
	}
	return nil
}

// Config returns the configuration in force.
func (r *Router) Config() Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cfg
}

// ready rebuilds the engine if an earlier failure left it unsure.
func (r *Router) ready(ctx context.Context) error {
	if !r.rebuild {
		return nil
	}
	return r.rebuildLocked(ctx)
}

// rebuildLocked makes a new engine from what the store holds: the agents,
// then the assigned and offered conversations, then the waiting ones; then
// routes what can be routed. No conversation is left unrouted.
func (r *Router) rebuildLocked(ctx context.Context) error {
	eng, err := NewEngine(r.cfg)
	if err != nil {
		return err
	}
	depts, err := r.store.ListDepartments(ctx)
	if err != nil {
		return fmt.Errorf("routing: rebuild departments: %w", err)
	}
	names := map[string]string{}
	for _, d := range depts {
		names[d.ID] = d.Name
	}
	agents, err := r.store.ListAgents(ctx)
	if err != nil {
		return fmt.Errorf("routing: rebuild agents: %w", err)
	}
	open, err := r.store.ListConversations(ctx, civicdesk.ConversationFilter{States: []civicdesk.ConversationState{civicdesk.StateQueued, civicdesk.StateAssigned}})
	if err != nil {
		return fmt.Errorf("routing: rebuild conversations: %w", err)
	}
	for _, a := range agents {
		eng.UpdateAgent(agentInfo(a))
	}
	var ds []Decision
	for _, c := range open {
		if c.State == civicdesk.StateAssigned && c.AssignedAgentID != "" {
			var at time.Time
			if c.AssignedAt != nil {
				at = *c.AssignedAt
			}
			ds = append(ds, eng.Restore(convInfo(c), RestoreState{AgentID: c.AssignedAgentID, AssignedAt: at})...)
		}
	}
	for _, c := range open {
		if c.State == civicdesk.StateAssigned && c.AssignedAgentID != "" {
			continue
		}
		st := RestoreState{OfferedTo: c.OfferedAgentID}
		if c.OfferExpiresAt != nil {
			st.OfferExpires = *c.OfferExpiresAt
		}
		ds = append(ds, eng.Restore(convInfo(c), st)...)
	}
	ds = append(ds, eng.Start()...)
	r.eng, r.names, r.rebuild = eng, names, false
	r.log.Info("routing rebuilt", "agents", len(agents), "open", len(open))
	if err := r.apply(ctx, ds); err != nil {
		return err
	}
	return r.reannounce(ctx, open)
}

// reannounce repeats the conversation.assigned event of recent assignments.
// The previous owner of routing may have died between saving one and
// publishing its event; the event's id derives from the assignment, so
// JetStream drops the repeat of one that did go out.
func (r *Router) reannounce(ctx context.Context, open []civicdesk.Conversation) error {
	since := r.s.Now().Add(-reannounceWithin)
	for _, c := range open {
		if c.State != civicdesk.StateAssigned || c.AssignedAt == nil || c.AssignedAt.Before(since) {
			continue
		}
		cur, err := r.store.GetConversation(ctx, c.ID)
		if err != nil {
			if civicdesk.IsNotFound(err) {
				continue
			}
			return fmt.Errorf("routing: reannounce: %w", err)
		}
		if cur.State != civicdesk.StateAssigned || cur.AssignedAgentID != c.AssignedAgentID || cur.AssignedAt == nil || !cur.AssignedAt.Equal(*c.AssignedAt) {
			continue // changed since: its own event went out
		}
		if l, ok := r.bus.(lastMessageIDer); ok {
			// Sockets hear every publish, duplicate or not: look first.
			id, err := l.LastMessageID(ctx, civicdesk.StreamEvents, civicdesk.ConvSubject(civicdesk.VerbAssigned, cur.ID))
			if err == nil && id == assignedMsgID(cur) {
				continue
			}
		}
		if err := r.publish(ctx, civicdesk.VerbAssigned, civicdesk.Event{Conversation: &cur, At: *cur.AssignedAt}); err != nil {
			return err
		}
	}
	return nil
}

// lastMessageIDer tells the dedupe id of the last event on a subject; the
// bus provides it.
type lastMessageIDer interface {
	LastMessageID(ctx context.Context, stream, subject string) (string, error)
}

// reannounceWithin is how far back reannounce looks: well inside the
// streams' 30-minute dedupe window.
const reannounceWithin = 10 * time.Minute

// assignedMsgID identifies one assignment, for dedupe.
func assignedMsgID(c civicdesk.Conversation) string {
	return fmt.Sprintf("routing:assigned:%s:%s:%d", c.ID, c.AssignedAgentID, c.AssignedAt.UnixMilli())
}

func agentInfo(a civicdesk.Agent) AgentInfo {
	return AgentInfo{ID: a.ID, Departments: a.Departments, Languages: a.Languages, Status: a.Status, Disabled: a.Disabled, Role: a.Role}
}

func convInfo(c civicdesk.Conversation) ConvInfo {
	info := ConvInfo{ID: c.ID, Department: c.DepartmentID, Channel: c.Channel, Priority: c.Priority,
		WidenedTo: c.WidenedTo, Interpreter: c.InterpreterNeeded}
	if info.Priority == 0 {
		info.Priority = civicdesk.UrgencyNormal.Priority()
	}
	if c.Triage != nil {
		info.Language = c.Triage.Language
	}
	if c.QueuedAt != nil {
		info.QueuedAt = *c.QueuedAt
	}
	return info
}

func (r *Router) handle(ctx context.Context, d civicdesk.Delivery) error {
	var ev civicdesk.Event
	if err := json.Unmarshal(d.Data, &ev); err != nil {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "undecodable routing event")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.ready(ctx); err != nil {
		return err
	}
	switch {
	case strings.HasPrefix(d.Subject, "cd.agent.status."):
		return r.onStatus(ctx, ev)
	case ev.Conversation == nil || ev.Conversation.ID == "":
		return civicdesk.Errorf(civicdesk.CodeInvalid, "routing event without conversation")
	case strings.HasPrefix(d.Subject, "cd.conv.handoff."):
		return r.onHandoff(ctx, ev.Conversation.ID)
	case strings.HasPrefix(d.Subject, "cd.conv.closed."):
		return r.onClosed(ctx, ev)
	case strings.HasPrefix(d.Subject, "cd.conv.transfer."):
		return r.onTransfer(ctx, ev)
	}
	return nil
}

func (r *Router) onStatus(ctx context.Context, ev civicdesk.Event) error {
	if ev.AgentID == "" || !ev.Status.Valid() {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "status event without agent or status")
	}
	a, err := r.store.GetAgent(ctx, ev.AgentID)
	if err != nil {
		if civicdesk.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("routing: status: %w", err)
	}
	a.Status = ev.Status
	return r.apply(ctx, r.eng.UpdateAgent(agentInfo(a)))
}

func (r *Router) onHandoff(ctx context.Context, id string) error {
	c, err := r.store.GetConversation(ctx, id)
	if err != nil {
		if civicdesk.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("routing: handoff: %w", err)
	}
	if c.State == civicdesk.StateClosed || c.State == civicdesk.StateAssigned {
		return nil
	}
	info := convInfo(c)
	if c.State == civicdesk.StateBot {
		info.QueuedAt = time.Time{} // queued now
	}
	if info.PreferredAgent, err = r.lastAgent(ctx, c); err != nil {
		return err
	}
	return r.apply(ctx, r.eng.Enqueue(info))
}

// lastAgent is the caseworker of the contact's latest conversation closed
// within StickyWithin, for sticky routing.
func (r *Router) lastAgent(ctx context.Context, c civicdesk.Conversation) (string, error) {
	if r.s.StickyWithin < 0 || c.ContactID == "" {
		return "", nil
	}
	past, err := r.store.ListConversations(ctx, civicdesk.ConversationFilter{ContactID: c.ContactID, States: []civicdesk.ConversationState{civicdesk.StateClosed}})
	if err != nil {
		return "", fmt.Errorf("routing: sticky: %w", err)
	}
	since := r.s.Now().Add(-r.s.StickyWithin)
	best, bestAt := "", time.Time{}
	for _, p := range past {
		if p.ID == c.ID || p.AssignedAgentID == "" || p.ClosedAt == nil || p.ClosedAt.Before(since) {
			continue
		}
		if p.ClosedAt.After(bestAt) {
			best, bestAt = p.AssignedAgentID, *p.ClosedAt
		}
	}
	return best, nil
}

func (r *Router) onClosed(ctx context.Context, ev civicdesk.Event) error {
	if err := r.apply(ctx, r.eng.Close(ev.Conversation.ID)); err != nil {
		return err
	}
	// A routing write racing the close may have stored the conversation
	// open again: the close wins.
	c, err := r.store.GetConversation(ctx, ev.Conversation.ID)
	if err != nil {
		if civicdesk.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("routing: close: %w", err)
	}
	if c.State != civicdesk.StateClosed && ev.Conversation.State == civicdesk.StateClosed {
		c.State, c.ClosedAt, c.Disposition = civicdesk.StateClosed, ev.Conversation.ClosedAt, ev.Conversation.Disposition
		c.OfferedAgentID, c.OfferExpiresAt = "", nil
		c.UpdatedAt = r.s.Now()
		if err := r.store.PutConversation(ctx, c); err != nil {
			return fmt.Errorf("routing: close: %w", err)
		}
	}
	return nil
}

// onTransfer handles the desk's requests: accept or decline an offer, a
// caseworker's pick from the queue, a supervisor's assign, a transfer to a
// department or an agent.
func (r *Router) onTransfer(ctx context.Context, ev civicdesk.Event) error {
	c, err := r.store.GetConversation(ctx, ev.Conversation.ID)
	if err != nil {
		if civicdesk.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("routing: transfer: %w", err)
	}
	if c.State == civicdesk.StateClosed {
		return nil
	}
	if ev.Reason == civicdesk.ReasonDeclined {
		return r.apply(ctx, r.eng.Decline(c.ID, ev.AgentID))
	}
	if ev.AgentID != "" {
		a, err := r.store.GetAgent(ctx, ev.AgentID)
		if err != nil {
			if civicdesk.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("routing: transfer: %w", err)
		}
		if ev.DepartmentID != "" {
			c.DepartmentID = ev.DepartmentID
		}
		if ev.Reason == civicdesk.ReasonAccepted {
			return r.apply(ctx, r.eng.Accept(convInfo(c), agentInfo(a)))
		}
		reason := ev.Reason
		if reason == "" {
			reason = "transfer"
		}
		return r.apply(ctx, r.eng.Assign(convInfo(c), agentInfo(a), reason))
	}
	if ev.DepartmentID == "" {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "transfer without department or agent")
	}
	return r.apply(ctx, r.eng.Transfer(convInfo(c), ev.DepartmentID))
}

// apply carries out decisions in order. On a failure the engine may be
// ahead of the store, so it is rebuilt from the store before the next input.
func (r *Router) apply(ctx context.Context, ds []Decision) error {
	depts := map[string]bool{}
	for _, d := range ds {
		if err := r.applyOne(ctx, d); err != nil {
			r.rebuild = true
			return err
		}
		if d.Kind != KindWait {
			metrics.RoutingDecisions.WithLabelValues(string(d.Kind)).Inc()
		}
		if d.DepartmentID != "" {
			depts[d.DepartmentID] = true
		}
	}
	for id := range depts {
		metrics.QueueDepth.WithLabelValues(id).Set(float64(r.eng.QueueLen(id)))
	}
	return nil
}

func (r *Router) applyOne(ctx context.Context, d Decision) error {
	now := r.s.Now()
	switch d.Kind {
	case KindWait:
		for _, w := range d.Waits {
			if err := r.announce(ctx, w); err != nil {
				return err
			}
		}
		return nil
	case KindAgentAway:
		if err := r.store.SetAgentStatus(ctx, d.AgentID, civicdesk.StatusAway); err != nil && !civicdesk.IsNotFound(err) {
			return fmt.Errorf("routing: set away: %w", err)
		}
		r.log.Info("agent set away", "agent", d.AgentID, "reason", d.Reason)
		data, err := json.Marshal(civicdesk.Event{Type: "agent.status", AgentID: d.AgentID, Status: civicdesk.StatusAway, Reason: d.Reason, At: now})
		if err != nil {
			return fmt.Errorf("routing: encode status: %w", err)
		}
		if _, _, err := r.bus.Publish(ctx, civicdesk.AgentStatusSubject(d.AgentID), data, ""); err != nil {
			return fmt.Errorf("routing: publish status: %w", err)
		}
		return nil
	}
	c, err := r.store.GetConversation(ctx, d.ConvID)
	if err != nil {
		if civicdesk.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("routing: %s: %w", d.Kind, err)
	}
	if c.State == civicdesk.StateClosed {
		return nil // its closed event is on its way to the engine
	}
	switch d.Kind {
	case KindAfterHours:
		return r.tellAfterHours(ctx, c, d)
	}
	ev := civicdesk.Event{Conversation: &c, At: now, Reason: d.Reason}
	verb := ""
	switch d.Kind {
	case KindQueue:
		q := d.QueuedAt
		c.State, c.DepartmentID, c.AssignedAgentID, c.QueuedAt = civicdesk.StateQueued, d.DepartmentID, "", &q
		c.OfferedAgentID, c.OfferExpiresAt = "", nil
		c.WidenedTo, c.InterpreterNeeded = d.WidenedTo, d.Interpreter
		if d.PreviousAgentID != "" {
			// Tell the caseworker it lost it; the position follows.
			verb, ev.PreviousAgentID = civicdesk.VerbQueued, d.PreviousAgentID
		}
	case KindAssign:
		prev := c.AssignedAgentID
		c.State, c.AssignedAgentID, c.AssignedAt = civicdesk.StateAssigned, d.AgentID, &now
		c.OfferedAgentID, c.OfferExpiresAt = "", nil
		verb = civicdesk.VerbAssigned
		if prev != "" && prev != d.AgentID {
			ev.PreviousAgentID = prev
		}
		r.log.Info("assigned", "conversation", c.ID, "agent", d.AgentID, "department", c.DepartmentID, "rule", d.Reason)
	case KindOffer:
		exp := d.OfferExpires
		c.OfferedAgentID, c.OfferExpiresAt = d.AgentID, &exp
		verb, ev.AgentID = civicdesk.VerbOffered, d.AgentID
	case KindOfferEnd:
		if c.OfferedAgentID == d.AgentID {
			c.OfferedAgentID, c.OfferExpiresAt = "", nil
		}
		verb, ev.AgentID = civicdesk.VerbOfferEnded, d.AgentID
	case KindEscalate:
		c.WidenedTo, c.InterpreterNeeded = d.WidenedTo, d.Interpreter
		verb, ev.DepartmentID = civicdesk.VerbEscalated, d.DepartmentID
	default:
		return fmt.Errorf("routing: unknown decision %q", d.Kind)
	}
	if d.Record != nil {
		c.Decisions = append(c.Decisions, *d.Record)
		if n := len(c.Decisions) - r.s.DecisionsKept; n > 0 {
			c.Decisions = slices.Delete(c.Decisions, 0, n)
		}
	}
	c.UpdatedAt = now
	if err := r.store.PutConversation(ctx, c); err != nil {
		return fmt.Errorf("routing: save %s: %w", d.Kind, err)
	}
	if verb == "" {
		return nil
	}
	return r.publish(ctx, verb, ev)
}

// announce tells a waiting citizen (and the department's desks) its place.
func (r *Router) announce(ctx context.Context, w Wait) error {
	c, err := r.store.GetConversation(ctx, w.ConvID)
	if err != nil {
		if civicdesk.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("routing: position: %w", err)
	}
	if c.State != civicdesk.StateQueued {
		return nil
	}
	return r.publish(ctx, civicdesk.VerbQueued, civicdesk.Event{Conversation: &c, Position: w.Position,
		EstimatedWaitSeconds: int(w.EstimatedWait / time.Second), At: r.s.Now()})
}

func (r *Router) publish(ctx context.Context, verb string, ev civicdesk.Event) error {
	ev.Type = civicdesk.EventTypeOf(verb)
	data, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("routing: encode: %w", err)
	}
	msgID := ""
	if verb == civicdesk.VerbAssigned && ev.Conversation.AssignedAt != nil {
		msgID = assignedMsgID(*ev.Conversation) // see reannounce
	}
	if _, _, err := r.bus.Publish(ctx, civicdesk.ConvSubject(verb, ev.Conversation.ID), data, msgID); err != nil {
		return fmt.Errorf("routing: publish %s: %w", verb, err)
	}
	return nil
}

// tellAfterHours sends the citizen a system message: the office is closed,
// when it opens, and that the conversation is kept. Its id derives from the
// conversation and the opening, so repeating it stores nothing new.
func (r *Router) tellAfterHours(ctx context.Context, c civicdesk.Conversation, d Decision) error {
	if d.OpensAt.IsZero() {
		return nil
	}
	name := r.names[d.DepartmentID]
	if name == "" {
		name = d.DepartmentID
	}
	when := d.OpensAt
	if h := r.s.dept(d.DepartmentID).hours; h != nil {
		when = when.In(h.loc)
	}
	text := fmt.Sprintf("Our %s office is closed right now. It opens %s. Your conversation is kept, and a caseworker will reply here as soon as we open.",
		name, when.Format("Monday, January 2 at 15:04 MST"))
	if c.Triage != nil && normLang(c.Triage.Language) == "es" {
		text = fmt.Sprintf("Nuestra oficina de %s está cerrada en este momento. Abre el %s. Guardamos su conversación y una persona le responderá aquí en cuanto abramos.",
			name, when.Format("02/01/2006 a las 15:04 MST"))
	}
	key := fmt.Sprintf("afterhours_%s_%d", c.ID, d.OpensAt.Unix())
	m := civicdesk.Message{ID: "msg_sys_" + key, ConversationID: c.ID, ContactID: c.ContactID,
		Author: civicdesk.Author{Kind: civicdesk.AuthorSystem, Name: "CivicDesk"}, Text: text, CreatedAt: r.s.Now(), Channel: c.Channel}
	data, err := json.Marshal(civicdesk.InboundMessage{Message: m})
	if err != nil {
		return fmt.Errorf("routing: encode after-hours message: %w", err)
	}
	if _, _, err := r.bus.Publish(ctx, civicdesk.InboundSubject(civicdesk.SourceSystem, c.ID), data, "routing:"+key); err != nil {
		return fmt.Errorf("routing: after-hours message: %w", err)
	}
	return nil
}
