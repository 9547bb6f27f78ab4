package agentdesk

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/auth"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/labstack/echo/v4"
)

// ExternalBotConfig is the agency's own bot as set in the admin pages.
type ExternalBotConfig struct {
	Enabled bool   `json:"enabled"`
	URL     string `json:"url"`
	Secret  string `json:"secret,omitempty"`
}

// Record kind and key of settings kept in the store.
const (
	settingsKind   = "settings"
	externalBotKey = "external_bot"
)

// ExternalBot returns the external bot configuration saved in the store
// (the zero value when none).
func ExternalBot(ctx context.Context, store interface {
	GetRecord(ctx context.Context, kind, key string) (civicdesk.Record, error)
}) (ExternalBotConfig, error) {
	var cfg ExternalBotConfig
	r, err := store.GetRecord(ctx, settingsKind, externalBotKey)
	if civicdesk.IsNotFound(err) {
		return cfg, nil
	}
	if err != nil {
		return cfg, err
	}
	return cfg, json.Unmarshal(r.Value, &cfg)
}

func (d *Desk) registerAdmin(e *echo.Echo) {
	g := e.Group("/api/v1/admin", d.staff, d.supervisorOnly)
	g.GET("/external-bot", d.getExternalBot)
	g.PUT("/external-bot", d.putExternalBot)
	g.GET("/agents", d.agents)
	g.PUT("/agents", d.putAgent)
	g.PUT("/departments", d.putDepartment)
	g.GET("/routing", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{"routing": d.cfg.RoutingSettings})
	})
	g.GET("/contacts/:id/export", d.exportContact)
	g.POST("/contacts/:id/erase", d.eraseContact)
}

func (d *Desk) getExternalBot(c echo.Context) error {
	cfg, err := ExternalBot(c.Request().Context(), d.store)
	if err != nil {
		return err
	}
	if cfg.Secret != "" {
		cfg.Secret = "********"
	}
	return c.JSON(http.StatusOK, map[string]any{"externalBot": cfg})
}

func (d *Desk) putExternalBot(c echo.Context) error {
	var req ExternalBotConfig
	if err := httpx.Bind(c, &req, 4<<10); err != nil {
		return err
	}
	if req.Enabled || req.URL != "" {
		u, err := url.Parse(req.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(req.URL) > 2000 {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "url must be an absolute http(s) URL")
		}
	}
	ctx := c.Request().Context()
	old, err := ExternalBot(ctx, d.store)
	if err != nil {
		return err
	}
	if req.Secret == "" || req.Secret == "********" {
		req.Secret = old.Secret // write-only: blank keeps the saved one
	}
	if err := d.audit(c, "config", "external_bot", map[string]string{"enabled": boolString(req.Enabled)}); err != nil {
		return err
	}
	data, _ := json.Marshal(req)
	if err := d.store.PutRecord(ctx, civicdesk.Record{Kind: settingsKind, Key: externalBotKey, Value: data, UpdatedAt: civicdesk.Now()}); err != nil {
		return err
	}
	req.Secret = ""
	return c.JSON(http.StatusOK, map[string]any{"externalBot": req})
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

type agentRequest struct {
	ID          string         `json:"id"`
	Email       string         `json:"email"`
	Name        string         `json:"name"`
	Role        civicdesk.Role `json:"role"`
	Departments []string       `json:"departments"`
	Languages   []string       `json:"languages"`
	Password    string         `json:"password"`
	Disabled    bool           `json:"disabled"`
}

// putAgent creates an agent (no id) or updates one. Only admins may create
// or change admins.
func (d *Desk) putAgent(c echo.Context) error {
	var req agentRequest
	if err := httpx.Bind(c, &req, 8<<10); err != nil {
		return err
	}
	ctx := c.Request().Context()
	me := current(c)
	switch req.Role {
	case civicdesk.RoleCaseworker, civicdesk.RoleSupervisor:
	case civicdesk.RoleAdmin:
		if me.Role != civicdesk.RoleAdmin {
			return civicdesk.Errorf(civicdesk.CodeForbidden, "only admins may manage admins")
		}
	default:
		return civicdesk.Errorf(civicdesk.CodeInvalid, "role must be caseworker, supervisor or admin")
	}
	req.Email, req.Name = strings.ToLower(strings.TrimSpace(req.Email)), strings.TrimSpace(req.Name)
	if !strings.Contains(req.Email, "@") || len(req.Email) > 254 || req.Name == "" || len(req.Name) > 200 {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "a valid email and a name are required")
	}
	ds, err := d.store.ListDepartments(ctx)
	if err != nil {
		return err
	}
	for _, id := range req.Departments {
		if !slices.ContainsFunc(ds, func(x civicdesk.Department) bool { return x.ID == id }) {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "no department %q", id)
		}
	}
	var a civicdesk.Agent
	if req.ID != "" {
		if a, err = d.store.GetAgent(ctx, req.ID); err != nil {
			if civicdesk.IsNotFound(err) {
				return civicdesk.Errorf(civicdesk.CodeNotFound, "no such agent")
			}
			return err
		}
		if a.Role == civicdesk.RoleAdmin && me.Role != civicdesk.RoleAdmin {
			return civicdesk.Errorf(civicdesk.CodeForbidden, "only admins may manage admins")
		}
	} else {
		if len(req.Password) < 12 {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "a new agent needs a password of at least 12 characters")
		}
		a = civicdesk.Agent{ID: civicdesk.NewID("ag"), Status: civicdesk.StatusOffline}
	}
	if req.Password != "" {
		if len(req.Password) < 12 {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "passwords have at least 12 characters")
		}
		if a.PasswordHash, err = auth.HashPassword(req.Password); err != nil {
			return err
		}
	}
	if req.Languages == nil {
		req.Languages = []string{"en"}
	}
	a.Email, a.Name, a.Role, a.Departments, a.Languages, a.Disabled = req.Email, req.Name, req.Role, req.Departments, req.Languages, req.Disabled
	if a.Departments == nil {
		a.Departments = []string{}
	}
	if err := d.audit(c, "config", "agent/"+a.ID, map[string]string{"role": string(a.Role), "disabled": boolString(a.Disabled)}); err != nil {
		return err
	}
	if err := d.store.PutAgent(ctx, a); err != nil {
		return err
	}
	d.sessions.dropAgent(a.ID) // their next request sees the new role and departments
	if a.Disabled {
		// Their sessions end at once; routing takes their conversations back.
		if _, err := d.endSessions(ctx, a.ID); err != nil {
			return err
		}
		if err := d.changeStatus(ctx, a.ID, civicdesk.StatusOffline); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"agent": a})
}

var deptIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// departmentRequest is a department as sent; retention fields left out keep
// the department's current retention.
type departmentRequest struct {
	ID              string  `json:"id"`
	Name            string  `json:"name"`
	RetentionDays   *int    `json:"retentionDays"`
	RetentionAction *string `json:"retentionAction"`
}

func (d *Desk) putDepartment(c echo.Context) error {
	var in departmentRequest
	if err := httpx.Bind(c, &in, 2<<10); err != nil {
		return err
	}
	req := civicdesk.Department{ID: in.ID, Name: in.Name}
	if in.RetentionDays == nil || in.RetentionAction == nil {
		ds, err := d.store.ListDepartments(c.Request().Context())
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(ds, func(x civicdesk.Department) bool { return x.ID == in.ID }); i >= 0 {
			req.RetentionDays, req.RetentionAction = ds[i].RetentionDays, ds[i].RetentionAction
		}
	}
	if in.RetentionDays != nil {
		req.RetentionDays = *in.RetentionDays
	}
	if in.RetentionAction != nil {
		req.RetentionAction = *in.RetentionAction
	}
	req.Name = strings.TrimSpace(req.Name)
	if !deptIDRE.MatchString(req.ID) || req.Name == "" || len(req.Name) > 100 {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "id must be 1-40 lower-case letters, digits or -, and a name is required")
	}
	if err := checkRetention(&req); err != nil {
		return err
	}
	if err := d.audit(c, "config", "department/"+req.ID, nil); err != nil {
		return err
	}
	if err := d.store.PutDepartment(c.Request().Context(), req); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"department": req})
}

// checkRetention validates a department's retention: days 0 (keep forever)
// to 36500, and an action when days are set ("delete" by default).
func checkRetention(d *civicdesk.Department) error {
	if d.RetentionDays < 0 || d.RetentionDays > 36500 {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "retentionDays must be 0 (keep forever) to 36500")
	}
	if d.RetentionDays == 0 {
		d.RetentionAction = ""
		return nil
	}
	switch d.RetentionAction {
	case "":
		d.RetentionAction = civicdesk.RetentionDelete
	case civicdesk.RetentionDelete, civicdesk.RetentionAnonymize:
	default:
		return civicdesk.Errorf(civicdesk.CodeInvalid, "retentionAction must be \"delete\" or \"anonymize\"")
	}
	return nil
}
