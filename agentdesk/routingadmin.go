package agentdesk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/civicdesk/civicdesk/routing"
	"github.com/labstack/echo/v4"
)

// routingKind is the record kind of an admin's routing settings of a
// department, keyed by department id; they are laid over the file's.
const routingKind = "routing_department"

// RoutingOverrides returns the routing settings admins saved per department.
func RoutingOverrides(ctx context.Context, store interface {
	ListRecords(ctx context.Context, kind, prefix string, limit int) ([]civicdesk.Record, error)
}) (map[string]routing.Department, error) {
	rs, err := store.ListRecords(ctx, routingKind, "", 0)
	if err != nil {
		return nil, err
	}
	out := make(map[string]routing.Department, len(rs))
	for _, r := range rs {
		var d routing.Department
		if err := json.Unmarshal(r.Value, &d); err != nil {
			return nil, fmt.Errorf("routing settings of %s: %w", r.Key, err)
		}
		out[r.Key] = d
	}
	return out, nil
}

// RoutingAdmin serves the routing settings of departments: read by
// supervisors, changed by admins, in force at once on every replica.
type RoutingAdmin struct {
	d       *Desk
	base    routing.Config
	changed func(context.Context) error
}

// NewRoutingAdmin returns the routing admin API over base (the file's or the
// demo's settings); changed is told after a change so that routing, the
// widget and the service levels follow (may be nil).
func NewRoutingAdmin(d *Desk, base routing.Config, changed func(context.Context) error) *RoutingAdmin {
	if changed == nil {
		changed = func(context.Context) error { return nil }
	}
	return &RoutingAdmin{d: d, base: base, changed: changed}
}

// Register adds GET and PUT /api/v1/admin/departments/:id/routing.
func (a *RoutingAdmin) Register(e *echo.Echo) {
	g := e.Group("/api/v1/admin/departments", a.d.staff, a.d.supervisorOnly)
	g.GET("/:id/routing", a.get)
	// Supervisors see the settings; only admins signed in in person change
	// them.
	g.PUT("/:id/routing", a.put, routingAdminOnly)
}

// routingAdminOnly admits admins signed in in person, as API token
// management does: an integration's token does not change routing.
func routingAdminOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if current(c).Role != civicdesk.RoleAdmin || isAPIToken(c) {
			return civicdesk.Errorf(civicdesk.CodeForbidden, "only admins signed in in person may change routing settings")
		}
		return next(c)
	}
}

// RoutingDuration is a duration in the routing API: "90s" or "2m" (as in the YAML
// file), or a number of seconds.
type RoutingDuration time.Duration

// MarshalJSON writes the duration as "1m30s".
func (d RoutingDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads "90s", "2m" or 90 (seconds).
func (d *RoutingDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return durationError(fmt.Sprintf("duration %q is not like \"90s\" or \"2m\" or a number of seconds", s))
		}
		*d = RoutingDuration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil || secs < -1e6 || secs > 1e6 {
		return durationError("a duration is \"90s\", \"2m\" or a number of seconds")
	}
	*d = RoutingDuration(secs * float64(time.Second))
	return nil
}

// durationError is a duration the API cannot read; its message reaches the
// caller (the JSON decoder's own says only that the body is not valid).
type durationError string

func (e durationError) Error() string { return string(e) }

// DeptRouting is a department's routing settings as the API reads and
// writes them: the fields of a department in the routing YAML file.
type DeptRouting struct {
	Strategy           routing.Strategy `json:"strategy,omitempty"`
	Mode               routing.Mode     `json:"mode,omitempty"`
	OfferTimeout       RoutingDuration  `json:"offerTimeout,omitempty"`
	Hours              *RoutingHours    `json:"hours,omitempty"`
	ServiceLevelTarget RoutingDuration  `json:"serviceLevelTarget,omitempty"`
	ServiceLevelGoal   float64          `json:"serviceLevelGoal,omitempty"`
	Escalation         *[]RoutingStep   `json:"escalation,omitempty"`
}

// RoutingHours are opening hours: Week has seven days, Sunday first.
type RoutingHours struct {
	TimeZone string           `json:"timeZone"`
	Week     [][]routing.Span `json:"week"`
	Holidays []string         `json:"holidays,omitempty"`
}

// RoutingStep is an escalation step.
type RoutingStep struct {
	After        RoutingDuration `json:"after"`
	Widen        []string        `json:"widen,omitempty"`
	DropLanguage bool            `json:"dropLanguage,omitempty"`
}

func (r DeptRouting) department() (routing.Department, error) {
	d := routing.Department{Strategy: r.Strategy, Mode: r.Mode, OfferTimeout: time.Duration(r.OfferTimeout),
		ServiceLevelTarget: time.Duration(r.ServiceLevelTarget), ServiceLevelGoal: r.ServiceLevelGoal}
	if r.Hours != nil {
		if len(r.Hours.Week) != 7 {
			return d, civicdesk.Errorf(civicdesk.CodeInvalid, "hours.week must list 7 days, Sunday first")
		}
		h := &routing.Hours{TimeZone: strings.TrimSpace(r.Hours.TimeZone), Holidays: r.Hours.Holidays}
		for i, spans := range r.Hours.Week {
			if len(spans) > 12 {
				return d, civicdesk.Errorf(civicdesk.CodeInvalid, "hours: %s has more than 12 spans", time.Weekday(i))
			}
			h.Week[i] = spans
		}
		if len(h.Holidays) > 400 {
			return d, civicdesk.Errorf(civicdesk.CodeInvalid, "hours: more than 400 holidays")
		}
		d.Hours = h
	}
	if r.Escalation != nil {
		if len(*r.Escalation) > 20 {
			return d, civicdesk.Errorf(civicdesk.CodeInvalid, "more than 20 escalation steps")
		}
		d.Escalation = []routing.EscalationStep{} // present and empty: no escalation
		for _, st := range *r.Escalation {
			d.Escalation = append(d.Escalation, routing.EscalationStep{After: time.Duration(st.After), Widen: st.Widen, DropLanguage: st.DropLanguage})
		}
	}
	return d, nil
}

func apiRouting(d routing.Department) DeptRouting {
	out := DeptRouting{Strategy: d.Strategy, Mode: d.Mode, OfferTimeout: RoutingDuration(d.OfferTimeout),
		ServiceLevelTarget: RoutingDuration(d.ServiceLevelTarget), ServiceLevelGoal: d.ServiceLevelGoal}
	if d.Hours != nil {
		h := &RoutingHours{TimeZone: d.Hours.TimeZone, Week: make([][]routing.Span, 7), Holidays: d.Hours.Holidays}
		for i, spans := range d.Hours.Week {
			h.Week[i] = spans
			if h.Week[i] == nil {
				h.Week[i] = []routing.Span{}
			}
		}
		out.Hours = h
	}
	if d.Escalation != nil {
		steps := []RoutingStep{}
		for _, st := range d.Escalation {
			steps = append(steps, RoutingStep{After: RoutingDuration(st.After), Widen: st.Widen, DropLanguage: st.DropLanguage})
		}
		out.Escalation = &steps
	}
	return out
}

// department checks that department id exists.
func (a *RoutingAdmin) department(ctx context.Context, id string) error {
	ds, err := a.d.store.ListDepartments(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ds, func(x civicdesk.Department) bool { return x.ID == id }) {
		return civicdesk.Errorf(civicdesk.CodeNotFound, "no department %q", id)
	}
	return nil
}

// view is the answer of GET and PUT: the settings in force (every default
// applied) and the admin's own, if any.
func (a *RoutingAdmin) view(c echo.Context, id string) error {
	over, err := RoutingOverrides(c.Request().Context(), a.d.store)
	if err != nil {
		return err
	}
	cfg, err := a.base.WithDepartments(over)
	if err != nil {
		cfg = a.base // a saved setting the file no longer admits: the file's are in force
	}
	eff, err := cfg.Effective(id)
	if err != nil {
		return err
	}
	out := map[string]any{"departmentId": id, "routing": apiRouting(eff), "override": nil}
	if o, ok := over[id]; ok {
		out["override"] = apiRouting(o)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *RoutingAdmin) get(c echo.Context) error {
	id := c.Param("id")
	if err := a.department(c.Request().Context(), id); err != nil {
		return err
	}
	return a.view(c, id)
}

func (a *RoutingAdmin) put(c echo.Context) error {
	id := c.Param("id")
	ctx := c.Request().Context()
	if err := a.department(ctx, id); err != nil {
		return err
	}
	var req DeptRouting
	raw, err := io.ReadAll(io.LimitReader(c.Request().Body, 16<<10+1))
	if err != nil {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "the body could not be read")
	}
	c.Request().Body = io.NopCloser(bytes.NewReader(raw))
	if err := httpx.Bind(c, &req, 16<<10); err != nil {
		var de durationError
		if errors.As(json.Unmarshal(raw, &DeptRouting{}), &de) {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "%s", de)
		}
		return err
	}
	d, err := req.department()
	if err != nil {
		return err
	}
	over, err := RoutingOverrides(ctx, a.d.store)
	if err != nil {
		return err
	}
	over[id] = d
	// The same checks as a routing file at start, on the whole result.
	if _, err := a.base.WithDepartments(over); err != nil {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "%s", strings.TrimPrefix(err.Error(), "routing: "))
	}
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if err := a.d.audit(c, "config", "department/"+id+"/routing", map[string]string{
		"strategy": string(d.Strategy), "mode": string(d.Mode), "hours": strconv.FormatBool(d.Hours != nil),
		"serviceLevelTarget": time.Duration(req.ServiceLevelTarget).String()}); err != nil {
		return err
	}
	if err := a.d.store.PutRecord(ctx, civicdesk.Record{Kind: routingKind, Key: id, Value: data, UpdatedAt: civicdesk.Now()}); err != nil {
		return err
	}
	if err := a.changed(ctx); err != nil {
		return civicdesk.Wrap(civicdesk.CodeUnavailable, err, "saved, but not yet in force: routing did not take the new settings")
	}
	return a.view(c, id)
}
