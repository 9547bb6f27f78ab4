package agentdesk

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/civicdesk/civicdesk/internal/metrics"
	"github.com/labstack/echo/v4"
)

// ServiceLevel is a department's goal: Goal (a share) of conversations
// answered within Target.
type ServiceLevel struct {
	Target time.Duration
	Goal   float64
}

// QueueStats is one department's line of the supervisor's queue view.
type QueueStats struct {
	DepartmentID       string  `json:"departmentId"`
	Name               string  `json:"name"`
	Waiting            int     `json:"waiting"`
	LongestWaitSeconds int     `json:"longestWaitSeconds"`
	AgentsAvailable    int     `json:"agentsAvailable"`
	AgentsBusy         int     `json:"agentsBusy"`
	AgentsAway         int     `json:"agentsAway"`
	ServiceLevel       float64 `json:"serviceLevel"`
	// ServiceLevelTargetSeconds and ServiceLevelGoal are the department's
	// goal; Offered counts conversations offered and not yet accepted.
	ServiceLevelTargetSeconds int     `json:"serviceLevelTargetSeconds"`
	ServiceLevelGoal          float64 `json:"serviceLevelGoal"`
	Offered                   int     `json:"offered"`
}

// serviceLevel is the goal of department id.
func (d *Desk) serviceLevel(id string) ServiceLevel {
	levels := d.cfg.ServiceLevels
	if d.cfg.ServiceLevelsNow != nil {
		levels = d.cfg.ServiceLevelsNow()
	}
	sl, ok := levels[id]
	if !ok {
		sl, ok = levels[""]
	}
	if !ok || sl.Target <= 0 {
		sl.Target = d.cfg.ServiceLevelTarget
	}
	if sl.Goal <= 0 {
		sl.Goal = 0.8
	}
	return sl
}

// queues reports, per department, what waits and who is there. The service
// level is the share of the last 24 hours' conversations answered within
// the department's target, counting those still waiting beyond it as
// missed (1 when there were none).
func (d *Desk) queues(c echo.Context) error {
	ctx := c.Request().Context()
	ds, err := d.store.ListDepartments(ctx)
	if err != nil {
		return err
	}
	agents, err := d.store.ListAgents(ctx)
	if err != nil {
		return err
	}
	open, err := d.store.ListConversations(ctx, civicdesk.ConversationFilter{States: []civicdesk.ConversationState{civicdesk.StateQueued, civicdesk.StateAssigned}})
	if err != nil {
		return err
	}
	now := d.cfg.Now()
	// Only what closed in the last 24 hours can have been answered in them.
	closed, err := d.store.ListConversations(ctx, civicdesk.ConversationFilter{States: []civicdesk.ConversationState{civicdesk.StateClosed},
		ClosedSince: now.Add(-24 * time.Hour)})
	if err != nil {
		return err
	}
	load := map[string]int{}
	byDept := map[string]*QueueStats{}
	answered, inTarget := map[string]int{}, map[string]int{}
	out := make([]QueueStats, len(ds))
	for i, dp := range ds {
		sl := d.serviceLevel(dp.ID)
		out[i] = QueueStats{DepartmentID: dp.ID, Name: dp.Name, ServiceLevel: 1,
			ServiceLevelTargetSeconds: int(sl.Target / time.Second), ServiceLevelGoal: sl.Goal}
		byDept[dp.ID] = &out[i]
	}
	dayStart := now.Add(-24 * time.Hour)
	count := func(cv civicdesk.Conversation) {
		if cv.QueuedAt == nil {
			return
		}
		target := d.serviceLevel(cv.DepartmentID).Target
		if cv.AssignedAt == nil || cv.AssignedAt.Before(*cv.QueuedAt) {
			// Still waiting: a miss once it waited beyond the target.
			if cv.State == civicdesk.StateQueued && now.Sub(*cv.QueuedAt) > target {
				answered[cv.DepartmentID]++
			}
			return
		}
		if cv.AssignedAt.Before(dayStart) {
			return
		}
		answered[cv.DepartmentID]++
		if cv.AssignedAt.Sub(*cv.QueuedAt) <= target {
			inTarget[cv.DepartmentID]++
		}
	}
	for _, cv := range open {
		count(cv)
		if cv.State == civicdesk.StateAssigned {
			load[cv.AssignedAgentID]++
			continue
		}
		q := byDept[cv.DepartmentID]
		if q == nil {
			continue
		}
		q.Waiting++
		if cv.OfferedAgentID != "" {
			q.Offered++
		}
		if cv.QueuedAt != nil {
			q.LongestWaitSeconds = max(q.LongestWaitSeconds, int(now.Sub(*cv.QueuedAt).Seconds()))
		}
	}
	for _, cv := range closed {
		count(cv)
	}
	for _, a := range agents {
		if a.Disabled {
			continue
		}
		for _, dp := range a.Departments {
			q := byDept[dp]
			if q == nil {
				continue
			}
			switch {
			case a.Status == civicdesk.StatusAvailable && load[a.ID] > 0:
				q.AgentsBusy++
			case a.Status == civicdesk.StatusAvailable:
				q.AgentsAvailable++
			case a.Status == civicdesk.StatusAway:
				q.AgentsAway++
			}
		}
	}
	for id, n := range answered {
		if q := byDept[id]; q != nil && n > 0 {
			q.ServiceLevel = float64(inTarget[id]) / float64(n)
		}
	}
	for _, q := range out {
		metrics.LongestWait.WithLabelValues(q.DepartmentID).Set(float64(q.LongestWaitSeconds))
	}
	return c.JSON(http.StatusOK, map[string]any{"queues": out})
}

type agentView struct {
	civicdesk.Agent
	Status              civicdesk.AgentStatus `json:"status"`
	ActiveConversations int                   `json:"activeConversations"`
	// StatusSince is when the status last changed, when this replica has
	// seen it change (not across a restart).
	StatusSince *civicdesk.JSONTime `json:"statusSince,omitempty"`
}

func (d *Desk) agents(c echo.Context) error {
	ctx := c.Request().Context()
	agents, err := d.store.ListAgents(ctx)
	if err != nil {
		return err
	}
	open, err := d.store.ListConversations(ctx, civicdesk.ConversationFilter{States: []civicdesk.ConversationState{civicdesk.StateAssigned}})
	if err != nil {
		return err
	}
	load := map[string]int{}
	for _, cv := range open {
		load[cv.AssignedAgentID]++
	}
	out := make([]agentView, 0, len(agents))
	for _, a := range agents {
		st := a.Status
		if st == "" {
			st = civicdesk.StatusOffline
		}
		v := agentView{Agent: a, Status: st, ActiveConversations: load[a.ID]}
		if at, ok := d.hub.statusSince(a.ID); ok {
			v.StatusSince = (*civicdesk.JSONTime)(&at)
		}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Email < out[j].Email })
	return c.JSON(http.StatusOK, map[string]any{"agents": out})
}

type assignRequest struct {
	AgentID string `json:"agentId"`
}

func (d *Desk) assign(c echo.Context) error {
	var req assignRequest
	if err := httpx.Bind(c, &req, 1<<10); err != nil {
		return err
	}
	if req.AgentID == "" {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "agentId is required")
	}
	cv, err := d.conversation(c)
	if err != nil {
		return err
	}
	if cv.State == civicdesk.StateClosed {
		return civicdesk.Errorf(civicdesk.CodeConflict, "the conversation is closed")
	}
	if cv.State == civicdesk.StateAssigned && cv.AssignedAgentID == req.AgentID {
		return c.JSON(http.StatusOK, map[string]any{"conversation": cv})
	}
	return d.moveTo(c, cv, "", req.AgentID, "", "supervisor assign")
}

// listAll lists every conversation in a state for the console (all
// departments and agents): ?state=open (queued and assigned, the default),
// queued, assigned or closed (the latest 200).
func (d *Desk) listAll(c echo.Context) error {
	var f civicdesk.ConversationFilter
	switch st := c.QueryParam("state"); st {
	case "", "open":
		f.States = []civicdesk.ConversationState{civicdesk.StateQueued, civicdesk.StateAssigned}
	case "queued", "assigned", "closed":
		f.States = []civicdesk.ConversationState{civicdesk.ConversationState(st)}
	default:
		return civicdesk.Errorf(civicdesk.CodeInvalid, "state must be open, queued, assigned or closed")
	}
	ctx := c.Request().Context()
	cs, err := d.store.ListConversations(ctx, f)
	if err != nil {
		return err
	}
	if len(cs) > 200 {
		cs = cs[len(cs)-200:]
	}
	return d.conversationList(c, cs)
}

// Sample is one point of the console's charts: at At, how many waited and
// the service level of the hour before.
type Sample struct {
	At                 time.Time `json:"at"`
	Waiting            int       `json:"waiting"`
	LongestWaitSeconds int       `json:"longestWaitSeconds"`
	// ServiceLevel is the share of conversations answered in the hour up
	// to At within their department's target, those still waiting beyond
	// it counting as missed; 1 when there were none. Answered counts them.
	ServiceLevel float64 `json:"serviceLevel"`
	Answered     int     `json:"answered"`
}

// slWindow is the span each sample's service level looks back over.
const slWindow = time.Hour

// history reconstructs queue length and service level through the day
// from the conversations' own times (queued, assigned, closed), so it
// needs no sampler, survives restarts and agrees across replicas:
// ?since= (RFC 3339, default 8 hours ago, at most 7 days back), ?step=
// seconds between samples (60 to 3600, default 300), ?departmentId= to
// narrow to one department. The last sample is now.
func (d *Desk) history(c echo.Context) error {
	now := d.cfg.Now().UTC()
	from := now.Add(-8 * time.Hour)
	if v := c.QueryParam("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "since must be an RFC 3339 time such as 2026-11-27T00:00:00Z")
		}
		if t.After(now) || now.Sub(t) > 7*24*time.Hour {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "since must be within the last 7 days")
		}
		from = t.UTC()
	}
	step := 300 * time.Second
	if v := c.QueryParam("step"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 60 || n > 3600 {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "step must be a number of seconds from 60 to 3600")
		}
		step = time.Duration(n) * time.Second
	}
	if now.Sub(from)/step > 2000 {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "too many samples: choose a later since or a longer step")
	}
	dept := c.QueryParam("departmentId")
	ctx := c.Request().Context()
	if dept != "" {
		ds, err := d.store.ListDepartments(ctx)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(ds, func(x civicdesk.Department) bool { return x.ID == dept }) {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "no department %q", dept)
		}
	}
	all, err := d.store.ListConversations(ctx, civicdesk.ConversationFilter{ClosedSince: from.Add(-slWindow)})
	if err != nil {
		return err
	}
	// Only conversations that ever queued (the store left out those closed
	// too early to matter).
	convs := all[:0]
	for _, cv := range all {
		if cv.QueuedAt == nil || (dept != "" && cv.DepartmentID != dept) {
			continue
		}
		convs = append(convs, cv)
	}
	var times []time.Time
	for t := from.Truncate(step); t.Before(now); t = t.Add(step) {
		if !t.Before(from) {
			times = append(times, t)
		}
	}
	times = append(times, now)
	out := make([]Sample, len(times))
	for i, t := range times {
		out[i] = d.sampleAt(t, convs)
	}
	return c.JSON(http.StatusOK, map[string]any{"since": from.UTC().Format(civicdesk.TimeLayout), "stepSeconds": int(step / time.Second),
		"windowSeconds": int(slWindow / time.Second), "samples": out})
}

// sampleAt computes one sample from conversations that have queued.
func (d *Desk) sampleAt(t time.Time, convs []civicdesk.Conversation) Sample {
	s := Sample{At: t, ServiceLevel: 1}
	inTarget := 0
	for _, cv := range convs {
		q := *cv.QueuedAt
		if q.After(t) {
			continue
		}
		target := d.serviceLevel(cv.DepartmentID).Target
		answered := cv.AssignedAt != nil && !cv.AssignedAt.Before(q)
		if answered && !cv.AssignedAt.After(t) {
			if t.Sub(*cv.AssignedAt) < slWindow {
				s.Answered++
				if cv.AssignedAt.Sub(q) <= target {
					inTarget++
				}
			}
			continue
		}
		if cv.ClosedAt != nil && !cv.ClosedAt.After(t) {
			continue // gave up or closed while waiting
		}
		s.Waiting++
		wait := t.Sub(q)
		s.LongestWaitSeconds = max(s.LongestWaitSeconds, int(wait/time.Second))
		if wait > target {
			s.Answered++ // a miss already
		}
	}
	if s.Answered > 0 {
		s.ServiceLevel = float64(inTarget) / float64(s.Answered)
	}
	return s
}
