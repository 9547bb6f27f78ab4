package agentdesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/auth"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/labstack/echo/v4"
)

// API tokens let an integration (a reporting job, a CRM) call the supervisor
// and admin APIs without a person's session. Each is a random secret shown
// once at creation; the store keeps only its SHA-256 hash (a Token of kind
// "api" for the lookup) and a record of its name, scope and expiry.

// APITokenPrefix starts every API token, so that a leaked one is easy to
// recognise (secret scanners) and is never mistaken for a session.
const APITokenPrefix = "cdk_"

// The scopes of an API token.
const (
	ScopeAdmin          = "admin"           // everything an admin may do, but manage API tokens
	ScopeSupervisor     = "supervisor"      // everything a supervisor may do
	ScopeSupervisorRead = "supervisor-read" // a supervisor's reads (GET) only
)

// Record kind of API token metadata, keyed by token id.
const apiTokenKind = "api_token"

// noExpiry is the stored expiry of a token that does not expire.
var noExpiry = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// APIToken describes an API token; the secret is never part of it.
type APIToken struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Scope      string     `json:"scope"`
	CreatedAt  time.Time  `json:"createdAt"`
	CreatedBy  string     `json:"createdBy"`
	ExpiresAt  *time.Time `json:"expiresAt,omitempty"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
}

// apiTokenRecord is an APIToken as stored, with the hash of its secret.
type apiTokenRecord struct {
	APIToken
	Hash string `json:"hash"`
}

// APITokenStore is what API token management needs of the store.
type APITokenStore interface {
	PutToken(ctx context.Context, t civicdesk.Token) error
	GetToken(ctx context.Context, hash string) (civicdesk.Token, error)
	DeleteToken(ctx context.Context, hash string) error
	PutRecord(ctx context.Context, r civicdesk.Record) error
	GetRecord(ctx context.Context, kind, key string) (civicdesk.Record, error)
	ListRecords(ctx context.Context, kind, prefix string, limit int) ([]civicdesk.Record, error)
	DeleteRecord(ctx context.Context, kind, key string) error
}

func validScope(s string) bool {
	return s == ScopeAdmin || s == ScopeSupervisor || s == ScopeSupervisorRead
}

// CreateAPIToken stores a new API token and returns it with its secret,
// which is not kept and cannot be shown again. A zero expiresAt never
// expires.
func CreateAPIToken(ctx context.Context, store APITokenStore, name, scope, createdBy string, expiresAt time.Time, now time.Time) (APIToken, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) {
		return APIToken{}, "", civicdesk.Errorf(civicdesk.CodeInvalid, "name is required (at most 100 characters)")
	}
	if !validScope(scope) {
		return APIToken{}, "", civicdesk.Errorf(civicdesk.CodeInvalid, "scope must be admin, supervisor or supervisor-read")
	}
	now = now.UTC().Truncate(time.Millisecond)
	exp := noExpiry
	t := APIToken{ID: civicdesk.NewID("tok"), Name: name, Scope: scope, CreatedAt: now, CreatedBy: createdBy}
	if !expiresAt.IsZero() {
		expiresAt = expiresAt.UTC().Truncate(time.Millisecond)
		if !expiresAt.After(now) {
			return APIToken{}, "", civicdesk.Errorf(civicdesk.CodeInvalid, "expiresAt must be in the future")
		}
		exp, t.ExpiresAt = expiresAt, &expiresAt
	}
	secret, hash := auth.NewPrefixedToken(APITokenPrefix)
	data, err := json.Marshal(apiTokenRecord{APIToken: t, Hash: hash})
	if err != nil {
		return APIToken{}, "", err
	}
	// The record first: a token row without one admits nobody.
	if err := store.PutRecord(ctx, civicdesk.Record{Kind: apiTokenKind, Key: t.ID, Value: data, UpdatedAt: now}); err != nil {
		return APIToken{}, "", err
	}
	if err := store.PutToken(ctx, civicdesk.Token{Hash: hash, Kind: civicdesk.TokenAPI, SubjectID: t.ID, ExpiresAt: exp}); err != nil {
		return APIToken{}, "", err
	}
	return t, secret, nil
}

func getAPITokenRecord(ctx context.Context, store APITokenStore, id string) (apiTokenRecord, error) {
	var rec apiTokenRecord
	r, err := store.GetRecord(ctx, apiTokenKind, id)
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(r.Value, &rec); err != nil {
		return rec, fmt.Errorf("agentdesk: api token %s: %w", id, err)
	}
	return rec, nil
}

// ListAPITokens returns every API token, newest first, without secrets.
func ListAPITokens(ctx context.Context, store APITokenStore) ([]APIToken, error) {
	rs, err := store.ListRecords(ctx, apiTokenKind, "", 0)
	if err != nil {
		return nil, err
	}
	out := []APIToken{}
	for _, r := range rs {
		var rec apiTokenRecord
		if err := json.Unmarshal(r.Value, &rec); err != nil {
			continue
		}
		if t, err := store.GetToken(ctx, rec.Hash); err == nil && !t.LastSeenAt.IsZero() {
			seen := t.LastSeenAt
			rec.LastUsedAt = &seen
		}
		out = append(out, rec.APIToken)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

// RevokeAPIToken deletes API token id at once; an unknown id is NotFound.
func RevokeAPIToken(ctx context.Context, store APITokenStore, id string) (APIToken, error) {
	rec, err := getAPITokenRecord(ctx, store, id)
	if err != nil {
		if civicdesk.IsNotFound(err) {
			return APIToken{}, civicdesk.Errorf(civicdesk.CodeNotFound, "no such API token")
		}
		return APIToken{}, err
	}
	// The credential first: once it is gone nothing admits the token.
	if err := store.DeleteToken(ctx, rec.Hash); err != nil {
		return APIToken{}, err
	}
	if err := store.DeleteRecord(ctx, apiTokenKind, id); err != nil && !civicdesk.IsNotFound(err) {
		return APIToken{}, err
	}
	return rec.APIToken, nil
}

const apiTokenKey = "cd.apitoken"

// isAPIToken reports whether the request is authenticated by an API token
// rather than a person's session.
func isAPIToken(c echo.Context) bool { _, ok := c.Get(apiTokenKey).(string); return ok }

// apiTokenAuth admits a request bearing an API token to the supervisor and
// admin APIs, as a stand-in agent with the token's role; the read-only scope
// admits only GET.
func (d *Desk) apiTokenAuth(c echo.Context, secret string, next echo.HandlerFunc) error {
	if len(secret) > 200 {
		return httpx.ErrUnauthenticated
	}
	ctx := c.Request().Context()
	// The lookup is by SHA-256 of the secret: its timing says nothing about
	// the secret, and the comparison below is constant-time as well.
	hash := auth.HashToken(secret)
	t, err := d.store.GetToken(ctx, hash)
	if err != nil || t.Kind != civicdesk.TokenAPI || !auth.Equal(t.Hash, hash) || !d.cfg.Now().Before(t.ExpiresAt) {
		if err != nil && !civicdesk.IsNotFound(err) {
			return err
		}
		return httpx.ErrUnauthenticated
	}
	rec, err := getAPITokenRecord(ctx, d.store, t.SubjectID)
	if err != nil || !auth.Equal(rec.Hash, hash) {
		if err != nil && !civicdesk.IsNotFound(err) {
			return err
		}
		return httpx.ErrUnauthenticated
	}
	p := c.Path()
	if !strings.HasPrefix(p, "/api/v1/supervisor/") && !strings.HasPrefix(p, "/api/v1/admin/") {
		return civicdesk.Errorf(civicdesk.CodeForbidden, "API tokens may call only the supervisor and admin APIs")
	}
	m := c.Request().Method
	if rec.Scope == ScopeSupervisorRead && m != http.MethodGet && m != http.MethodHead {
		return civicdesk.Errorf(civicdesk.CodeForbidden, "this API token may only read")
	}
	role := civicdesk.RoleSupervisor
	if rec.Scope == ScopeAdmin {
		role = civicdesk.RoleAdmin
	}
	now := d.cfg.Now()
	if now.Sub(t.LastSeenAt) >= touchEvery {
		if err := d.store.TouchToken(ctx, hash, now.UTC()); err != nil {
			d.log.Warn("recording API token use failed", "err", err)
		}
	}
	c.Set(agentKey, civicdesk.Agent{ID: rec.ID, Name: rec.Name, Role: role, Departments: []string{}})
	c.Set(apiTokenKey, rec.ID)
	return next(c)
}

// adminOnly admits admins signed in in person: an API token cannot make or
// see other API tokens, whatever its scope.
func (d *Desk) adminOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if current(c).Role != civicdesk.RoleAdmin || isAPIToken(c) {
			return civicdesk.Errorf(civicdesk.CodeForbidden, "only admins signed in in person may manage API tokens")
		}
		return next(c)
	}
}

type apiTokenRequest struct {
	Name      string `json:"name"`
	Scope     string `json:"scope"`
	ExpiresAt string `json:"expiresAt"` // RFC 3339; empty: never
}

func (d *Desk) createAPIToken(c echo.Context) error {
	var req apiTokenRequest
	if err := httpx.Bind(c, &req, 2<<10); err != nil {
		return err
	}
	var exp time.Time
	if req.ExpiresAt != "" {
		var err error
		if exp, err = time.Parse(time.RFC3339, req.ExpiresAt); err != nil {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "expiresAt must be an RFC 3339 time, e.g. 2027-01-31T00:00:00Z")
		}
	}
	if !validScope(req.Scope) {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "scope must be admin, supervisor or supervisor-read")
	}
	ctx := c.Request().Context()
	t, secret, err := CreateAPIToken(ctx, d.store, req.Name, req.Scope, current(c).ID, exp, d.cfg.Now())
	if err != nil {
		return err
	}
	if err := d.audit(c, "api_token_create", t.ID, map[string]string{"scope": t.Scope}); err != nil {
		_, _ = RevokeAPIToken(ctx, d.store, t.ID) // unaudited, so undone
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": t, "secret": secret})
}

func (d *Desk) listAPITokens(c echo.Context) error {
	ts, err := ListAPITokens(c.Request().Context(), d.store)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"tokens": ts})
}

func (d *Desk) revokeAPIToken(c echo.Context) error {
	id := c.Param("id")
	ctx := c.Request().Context()
	if _, err := getAPITokenRecord(ctx, d.store, id); err != nil {
		if civicdesk.IsNotFound(err) {
			return civicdesk.Errorf(civicdesk.CodeNotFound, "no such API token")
		}
		return err
	}
	if err := d.audit(c, "api_token_revoke", id, nil); err != nil {
		return err
	}
	t, err := RevokeAPIToken(ctx, d.store, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token": t, "revoked": true})
}
