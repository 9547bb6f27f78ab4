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
	"github.com/civicdesk/civicdesk/internal/metrics"
)

// Store is what routing needs of the store.
type Store interface {
	GetConversation(ctx context.Context, id string) (civicdesk.Conversation, error)
	PutConversation(ctx context.Context, c civicdesk.Conversation) error
	ListConversations(ctx context.Context, f civicdesk.ConversationFilter) ([]civicdesk.Conversation, error)
	ListAgents(ctx context.Context) ([]civicdesk.Agent, error)
	GetAgent(ctx context.Context, id string) (civicdesk.Agent, error)
}

// Bus is what routing needs of NATS.
type Bus interface {
	Publish(ctx context.Context, subject string, data []byte, msgID string) (uint64, bool, error)
	Consume(ctx context.Context, spec civicdesk.ConsumerSpec, handler func(ctx context.Context, d civicdesk.Delivery) error) error
}

// Config of the router.
type Config struct {
	// Capacity is how many conversations an agent holds at once.
	Capacity int
	// AverageHandleTime feeds the wait estimate.
	AverageHandleTime time.Duration
	Now               func() time.Time
}

type waiting struct {
	id       string
	priority int
	queuedAt time.Time
}

type agentState struct {
	agent        civicdesk.Agent
	load         int
	lastAssigned time.Time
}

// Router is the routing step.
type Router struct {
	cfg   Config
	store Store
	bus   Bus
	log   *slog.Logger

	mu     sync.Mutex
	queues map[string][]waiting // department → waiting, best first
	agents map[string]*agentState
	owner  map[string]string // conversation → agent holding it
}

// New returns a router.
func New(cfg Config, store Store, bus Bus, log *slog.Logger) (*Router, error) {
	if cfg.Capacity <= 0 {
		cfg.Capacity = 5
	}
	if cfg.AverageHandleTime == 0 {
		cfg.AverageHandleTime = 4 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
	}
	return &Router{cfg: cfg, store: store, bus: bus, log: log.With("component", "routing"),
		queues: map[string][]waiting{}, agents: map[string]*agentState{}, owner: map[string]string{}}, nil
}

// Run rebuilds the queues from the store, then consumes routing events until
// ctx is done.
func (r *Router) Run(ctx context.Context) error {
	if err := r.rebuild(ctx); err != nil {
		return err
	}
	return r.bus.Consume(ctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamEvents, Durable: "routing", Filters: []string{
		civicdesk.ConvSubject(civicdesk.VerbHandoff, "*"),
		civicdesk.ConvSubject(civicdesk.VerbTransfer, "*"),
		civicdesk.ConvSubject(civicdesk.VerbClosed, "*"),
		civicdesk.AgentStatusSubject("*"),
	}}, r.handle)
}

func (r *Router) rebuild(ctx context.Context) error {
	agents, err := r.store.ListAgents(ctx)
	if err != nil {
		return fmt.Errorf("routing: rebuild agents: %w", err)
	}
	open, err := r.store.ListConversations(ctx, civicdesk.ConversationFilter{States: []civicdesk.ConversationState{civicdesk.StateQueued, civicdesk.StateAssigned}})
	if err != nil {
		return fmt.Errorf("routing: rebuild conversations: %w", err)
	}
	r.mu.Lock()
	for _, a := range agents {
		r.agents[a.ID] = &agentState{agent: a}
	}
	for _, c := range open {
		switch c.State {
		case civicdesk.StateQueued:
			r.enqueueLocked(c)
		case civicdesk.StateAssigned:
			if st := r.agents[c.AssignedAgentID]; st != nil {
				st.load++
				r.owner[c.ID] = c.AssignedAgentID
			}
		}
	}
	depts := make([]string, 0, len(r.queues))
	for d := range r.queues {
		depts = append(depts, d)
	}
	r.mu.Unlock()
	r.log.Info("routing rebuilt", "agents", len(agents), "open", len(open))
	// Conversations queued while nobody was there get a chance now.
	for _, d := range depts {
		if err := r.dispatch(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

func (r *Router) enqueueLocked(c civicdesk.Conversation) int {
	dept := c.DepartmentID
	at := c.UpdatedAt
	if c.QueuedAt != nil {
		at = *c.QueuedAt
	}
	q := r.queues[dept]
	for _, w := range q {
		if w.id == c.ID {
			return r.positionLocked(dept, c.ID)
		}
	}
	w := waiting{id: c.ID, priority: c.Priority, queuedAt: at}
	i, _ := slices.BinarySearchFunc(q, w, func(a, b waiting) int {
		if a.priority != b.priority {
			return b.priority - a.priority
		}
		if c := a.queuedAt.Compare(b.queuedAt); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	r.queues[dept] = slices.Insert(q, i, w)
	metrics.QueueDepth.WithLabelValues(dept).Set(float64(len(r.queues[dept])))
	return i + 1
}

func (r *Router) removeLocked(dept, id string) {
	q := r.queues[dept]
	for i, w := range q {
		if w.id == id {
			r.queues[dept] = slices.Delete(q, i, i+1)
			metrics.QueueDepth.WithLabelValues(dept).Set(float64(len(r.queues[dept])))
			return
		}
	}
}

func (r *Router) positionLocked(dept, id string) int {
	for i, w := range r.queues[dept] {
		if w.id == id {
			return i + 1
		}
	}
	return 0
}

func (r *Router) handle(ctx context.Context, d civicdesk.Delivery) error {
	var ev civicdesk.Event
	if err := json.Unmarshal(d.Data, &ev); err != nil {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "undecodable routing event")
	}
	switch {
	case strings.HasPrefix(d.Subject, "cd.agent.status."):
		return r.onStatus(ctx, ev)
	case ev.Conversation == nil:
		return civicdesk.Errorf(civicdesk.CodeInvalid, "routing event without conversation")
	case strings.HasPrefix(d.Subject, "cd.conv.handoff."):
		return r.onHandoff(ctx, ev.Conversation.ID)
	case strings.HasPrefix(d.Subject, "cd.conv.closed."):
		return r.onClosed(ctx, ev.Conversation.ID)
	case strings.HasPrefix(d.Subject, "cd.conv.transfer."):
		return r.onTransfer(ctx, ev)
	}
	return nil
}

func (r *Router) onHandoff(ctx context.Context, id string) error {
	c, err := r.store.GetConversation(ctx, id)
	if err != nil {
		return fmt.Errorf("routing: handoff: %w", err)
	}
	switch c.State {
	case civicdesk.StateClosed, civicdesk.StateAssigned:
		return nil
	case civicdesk.StateBot:
		now := r.cfg.Now()
		c.State, c.QueuedAt, c.UpdatedAt = civicdesk.StateQueued, &now, now
		if c.DepartmentID == "" {
			c.DepartmentID = "general"
		}
		if err := r.store.PutConversation(ctx, c); err != nil {
			return fmt.Errorf("routing: queue: %w", err)
		}
	}
	if err := r.queue(ctx, c, ""); err != nil {
		return err
	}
	return r.dispatch(ctx, c.DepartmentID)
}

// queue puts c (stored as queued) in its queue and tells everyone.
func (r *Router) queue(ctx context.Context, c civicdesk.Conversation, previousAgent string) error {
	r.mu.Lock()
	pos := r.enqueueLocked(c)
	avail := 0
	for _, st := range r.agents {
		if st.agent.Status == civicdesk.StatusAvailable && st.agent.InDepartment(c.DepartmentID) {
			avail++
		}
	}
	r.mu.Unlock()
	metrics.RoutingDecisions.WithLabelValues("queue").Inc()
	wait := int(r.cfg.AverageHandleTime.Seconds()) * pos / max(avail, 1) / r.cfg.Capacity
	return r.publish(ctx, civicdesk.VerbQueued, civicdesk.Event{Type: "conversation.queued", Conversation: &c, Position: pos,
		EstimatedWaitSeconds: max(wait, 1), PreviousAgentID: previousAgent, At: r.cfg.Now()})
}

func (r *Router) publish(ctx context.Context, verb string, ev civicdesk.Event) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("routing: encode: %w", err)
	}
	if _, _, err := r.bus.Publish(ctx, civicdesk.ConvSubject(verb, ev.Conversation.ID), data, ""); err != nil {
		return fmt.Errorf("routing: publish %s: %w", verb, err)
	}
	return nil
}

// pick returns the eligible agent with the lightest load, longest idle
// first among equals; "" if none.
func (r *Router) pickLocked(dept string) string {
	best := ""
	var bestSt *agentState
	for id, st := range r.agents {
		a := st.agent
		if a.Status != civicdesk.StatusAvailable || a.Disabled || !a.InDepartment(dept) || st.load >= r.cfg.Capacity {
			continue
		}
		if bestSt == nil || st.load < bestSt.load || (st.load == bestSt.load && (st.lastAssigned.Before(bestSt.lastAssigned) ||
			(st.lastAssigned.Equal(bestSt.lastAssigned) && id < best))) {
			best, bestSt = id, st
		}
	}
	return best
}

// dispatch assigns the head of dept's queue while an agent is free.
func (r *Router) dispatch(ctx context.Context, dept string) error {
	for {
		r.mu.Lock()
		q := r.queues[dept]
		if len(q) == 0 {
			r.mu.Unlock()
			return nil
		}
		agentID := r.pickLocked(dept)
		if agentID == "" {
			r.mu.Unlock()
			return nil
		}
		head := q[0]
		r.mu.Unlock()
		c, err := r.store.GetConversation(ctx, head.id)
		if err != nil {
			return fmt.Errorf("routing: dispatch: %w", err)
		}
		if c.State != civicdesk.StateQueued || c.DepartmentID != dept {
			r.mu.Lock()
			r.removeLocked(dept, head.id)
			r.mu.Unlock()
			continue
		}
		if err := r.assign(ctx, c, agentID, ""); err != nil {
			return err
		}
	}
}

// assign gives c to agentID, store first, then memory, then the event.
func (r *Router) assign(ctx context.Context, c civicdesk.Conversation, agentID, reason string) error {
	now := r.cfg.Now()
	prevDept, prevAgent := c.DepartmentID, c.AssignedAgentID
	c.State, c.AssignedAgentID, c.AssignedAt, c.UpdatedAt = civicdesk.StateAssigned, agentID, &now, now
	if err := r.store.PutConversation(ctx, c); err != nil {
		return fmt.Errorf("routing: assign: %w", err)
	}
	r.mu.Lock()
	r.removeLocked(prevDept, c.ID)
	r.releaseLocked(c.ID)
	if st := r.agents[agentID]; st != nil {
		st.load++
		st.lastAssigned = now
	}
	r.owner[c.ID] = agentID
	r.mu.Unlock()
	metrics.RoutingDecisions.WithLabelValues("assign").Inc()
	r.log.Info("assigned", "conversation", c.ID, "agent", agentID, "department", c.DepartmentID, "reason", reason)
	ev := civicdesk.Event{Type: "conversation.assigned", Conversation: &c, Reason: reason, At: now}
	if prevAgent != agentID {
		ev.PreviousAgentID = prevAgent
	}
	return r.publish(ctx, civicdesk.VerbAssigned, ev)
}

func (r *Router) releaseLocked(convID string) {
	if a, ok := r.owner[convID]; ok {
		if st := r.agents[a]; st != nil && st.load > 0 {
			st.load--
		}
		delete(r.owner, convID)
	}
}

func (r *Router) onClosed(ctx context.Context, id string) error {
	r.mu.Lock()
	agentID := r.owner[id]
	r.releaseLocked(id)
	var depts []string
	for d, q := range r.queues {
		for _, w := range q {
			if w.id == id {
				depts = append(depts, d)
			}
		}
	}
	for _, d := range depts {
		r.removeLocked(d, id)
	}
	var agentDepts []string
	if st := r.agents[agentID]; st != nil {
		agentDepts = slices.Clone(st.agent.Departments)
	}
	r.mu.Unlock()
	for _, d := range agentDepts {
		if err := r.dispatch(ctx, d); err != nil {
			return err
		}
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
	r.mu.Lock()
	st := r.agents[a.ID]
	if st == nil {
		st = &agentState{agent: a}
		r.agents[a.ID] = st
	}
	st.agent = a
	r.mu.Unlock()
	if a.Status == civicdesk.StatusOffline || a.Disabled {
		if err := r.requeueAgent(ctx, a.ID); err != nil {
			return err
		}
	}
	for _, d := range a.Departments {
		if err := r.dispatch(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// requeueAgent puts an agent's open conversations back at the head of their
// queues (they keep their original queue time) for others to take.
func (r *Router) requeueAgent(ctx context.Context, agentID string) error {
	held, err := r.store.ListConversations(ctx, civicdesk.ConversationFilter{AgentID: agentID, States: []civicdesk.ConversationState{civicdesk.StateAssigned}})
	if err != nil {
		return fmt.Errorf("routing: requeue: %w", err)
	}
	touched := map[string]bool{}
	for _, c := range held {
		c.State, c.AssignedAgentID, c.UpdatedAt = civicdesk.StateQueued, "", r.cfg.Now()
		if err := r.store.PutConversation(ctx, c); err != nil {
			return fmt.Errorf("routing: requeue: %w", err)
		}
		r.mu.Lock()
		r.releaseLocked(c.ID)
		r.mu.Unlock()
		metrics.RoutingDecisions.WithLabelValues("requeue").Inc()
		if err := r.queue(ctx, c, agentID); err != nil {
			return err
		}
		touched[c.DepartmentID] = true
	}
	for d := range touched {
		if err := r.dispatch(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// onTransfer moves a conversation to another department's queue, or straight
// to an agent (a supervisor's assign, or a caseworker accepting it).
func (r *Router) onTransfer(ctx context.Context, ev civicdesk.Event) error {
	c, err := r.store.GetConversation(ctx, ev.Conversation.ID)
	if err != nil {
		return fmt.Errorf("routing: transfer: %w", err)
	}
	if c.State == civicdesk.StateClosed {
		return nil
	}
	if ev.AgentID != "" {
		if c.State == civicdesk.StateAssigned && c.AssignedAgentID == ev.AgentID {
			return nil
		}
		r.mu.Lock()
		st := r.agents[ev.AgentID]
		r.mu.Unlock()
		if st == nil {
			return nil
		}
		if ev.DepartmentID != "" {
			c.DepartmentID = ev.DepartmentID
		}
		reason := ev.Reason
		if reason == "" {
			reason = "transfer"
		}
		if err := r.assign(ctx, c, ev.AgentID, reason); err != nil {
			return err
		}
		if c.AssignedAgentID != "" {
			return r.dispatchAgentDepts(ctx, c.AssignedAgentID)
		}
		return nil
	}
	if ev.DepartmentID == "" {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "transfer without department or agent")
	}
	prev := c.AssignedAgentID
	r.mu.Lock()
	r.removeLocked(c.DepartmentID, c.ID)
	r.releaseLocked(c.ID)
	r.mu.Unlock()
	now := r.cfg.Now()
	c.DepartmentID, c.State, c.AssignedAgentID, c.QueuedAt, c.UpdatedAt = ev.DepartmentID, civicdesk.StateQueued, "", &now, now
	if err := r.store.PutConversation(ctx, c); err != nil {
		return fmt.Errorf("routing: transfer: %w", err)
	}
	if err := r.queue(ctx, c, prev); err != nil {
		return err
	}
	if err := r.dispatch(ctx, c.DepartmentID); err != nil {
		return err
	}
	if prev != "" {
		return r.dispatchAgentDepts(ctx, prev)
	}
	return nil
}

func (r *Router) dispatchAgentDepts(ctx context.Context, agentID string) error {
	r.mu.Lock()
	var depts []string
	if st := r.agents[agentID]; st != nil {
		depts = slices.Clone(st.agent.Departments)
	}
	r.mu.Unlock()
	for _, d := range depts {
		if err := r.dispatch(ctx, d); err != nil {
			return err
		}
	}
	return nil
}
