package agentdesk

import (
	"net/http"
	"sort"
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
	sl, ok := d.cfg.ServiceLevels[id]
	if !ok {
		sl, ok = d.cfg.ServiceLevels[""]
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
	closed, err := d.store.ListConversations(ctx, civicdesk.ConversationFilter{States: []civicdesk.ConversationState{civicdesk.StateClosed}})
	if err != nil {
		return err
	}
	now := d.cfg.Now()
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
		out = append(out, agentView{Agent: a, Status: st, ActiveConversations: load[a.ID]})
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
