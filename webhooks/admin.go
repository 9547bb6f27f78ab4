package webhooks

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/labstack/echo/v4"
)

// Auditor records configuration changes.
type Auditor interface {
	Record(ctx context.Context, actor, action, target string, detail map[string]string) error
}

// Admin serves the webhook admin API.
type Admin struct {
	store   Store
	audit   Auditor
	actor   func(echo.Context) string
	changed func(context.Context) error
}

// NewAdmin returns the admin API; actor names the signed-in staff member and
// changed (may be nil) is told after every change.
func NewAdmin(store Store, audit Auditor, actor func(echo.Context) string, changed func(context.Context) error) *Admin {
	if changed == nil {
		changed = func(context.Context) error { return nil }
	}
	return &Admin{store: store, audit: audit, actor: actor, changed: changed}
}

// Register adds the routes under g (which must admit only administrators):
// GET/PUT /webhooks, DELETE /webhooks/:id, GET /webhooks/:id/deliveries.
func (a *Admin) Register(g *echo.Group) {
	g.GET("/webhooks", a.list)
	g.PUT("/webhooks", a.put)
	g.DELETE("/webhooks/:id", a.remove)
	g.GET("/webhooks/:id/deliveries", a.deliveries)
}

var endpointID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

func (a *Admin) list(c echo.Context) error {
	eps, err := List(c.Request().Context(), a.store)
	if err != nil {
		return err
	}
	for i := range eps {
		if eps[i].Secret != "" {
			eps[i].Secret = "********" // write-only
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"webhooks": eps, "eventTypes": EventTypes})
}

func (a *Admin) put(c echo.Context) error {
	var ep Endpoint
	if err := httpx.Bind(c, &ep, 8<<10); err != nil {
		return err
	}
	if !endpointID.MatchString(ep.ID) {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "id must be 1-40 lower-case letters, digits or -")
	}
	u, err := url.Parse(ep.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(ep.URL) > 2000 {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "url must be an absolute http(s) URL")
	}
	if len(ep.Events) == 0 {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "events must name at least one of %s", strings.Join(EventTypes, ", "))
	}
	for _, e := range ep.Events {
		if !slices.Contains(EventTypes, e) {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "unknown event type %q; known: %s", e, strings.Join(EventTypes, ", "))
		}
	}
	if len(ep.Secret) < 16 {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "secret must be at least 16 characters")
	}
	if err := a.audit.Record(c.Request().Context(), a.actor(c), "config", "webhook/"+ep.ID, map[string]string{"events": strings.Join(ep.Events, ",")}); err != nil {
		return err
	}
	data, _ := json.Marshal(ep)
	if err := a.store.PutRecord(c.Request().Context(), civicdesk.Record{Kind: endpointKind, Key: ep.ID, Value: data, UpdatedAt: civicdesk.Now()}); err != nil {
		return err
	}
	if err := a.changed(c.Request().Context()); err != nil {
		return err
	}
	ep.Secret = "********"
	return c.JSON(http.StatusOK, map[string]any{"webhook": ep})
}

func (a *Admin) remove(c echo.Context) error {
	id := c.Param("id")
	if _, err := a.store.GetRecord(c.Request().Context(), endpointKind, id); err != nil {
		if civicdesk.IsNotFound(err) {
			return civicdesk.Errorf(civicdesk.CodeNotFound, "no such webhook")
		}
		return err
	}
	if err := a.audit.Record(c.Request().Context(), a.actor(c), "config", "webhook/"+id, map[string]string{"deleted": "true"}); err != nil {
		return err
	}
	if err := a.store.DeleteRecord(c.Request().Context(), endpointKind, id); err != nil {
		return err
	}
	if err := a.changed(c.Request().Context()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"deleted": id})
}

func (a *Admin) deliveries(c echo.Context) error {
	recs, err := a.store.ListRecords(c.Request().Context(), logKind, c.Param("id")+"/", 0)
	if err != nil {
		return err
	}
	out := make([]Attempt, 0, len(recs))
	for _, r := range recs {
		var at Attempt
		if json.Unmarshal(r.Value, &at) == nil {
			out = append(out, at)
		}
	}
	slices.SortFunc(out, func(x, y Attempt) int { return y.At.Compare(x.At) })
	if len(out) > 200 {
		out = out[:200]
	}
	return c.JSON(http.StatusOK, map[string]any{"deliveries": out})
}
