package agentdesk

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/auth"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"
)

// Single sign-on for staff with OpenID Connect: the authorization-code flow
// with PKCE. The login endpoint keeps state, nonce and the PKCE verifier in a
// short-lived cookie and sends the browser to the identity provider; the
// callback checks the state, exchanges the code (with the verifier), verifies
// the ID token (signature, issuer, audience, expiry) and its nonce, maps its
// claims to an agent and starts the same session a password sign-in does.

// OIDCConfig configures single sign-on.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is the callback as the identity provider knows it:
	// <public URL>/api/v1/auth/oidc/callback.
	RedirectURL string
	Scopes      []string // default: openid email profile
	// Claims that carry the email (default "email"), the display name
	// (default "name"), the groups or roles (default "groups") and the
	// departments (none by default).
	EmailClaim, NameClaim, RolesClaim, DepartmentsClaim string
	// RoleMap maps a value of the roles claim to a CivicDesk role; the
	// highest wins. When it is set the identity provider decides: a sign-in
	// whose claims map to no role is refused. When empty, existing agents
	// keep their role and new ones are caseworkers.
	RoleMap map[string]civicdesk.Role
	// DepartmentMap maps a value of the departments claim to a department
	// id; without it the values are department ids. Unknown ones are
	// ignored. When the claim is present it replaces the agent's
	// departments.
	DepartmentMap map[string]string
	// AutoProvision creates an agent for an unknown email; otherwise only
	// agents an administrator created may sign in.
	AutoProvision bool
	// HTTPClient talks to the identity provider (default: 15 s timeout).
	HTTPClient *http.Client
}

const (
	oidcCookie     = "cd_oidc"
	oidcCookiePath = "/api/v1/auth/oidc"
	oidcFlowTTL    = 10 * time.Minute
)

type sso struct {
	cfg    OIDCConfig
	client *http.Client

	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func newSSO(cfg OIDCConfig) (*sso, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, fmt.Errorf("agentdesk: single sign-on needs an issuer, a client id and a redirect URL")
	}
	if u, err := url.Parse(cfg.RedirectURL); err != nil || !u.IsAbs() {
		return nil, fmt.Errorf("agentdesk: the single sign-on redirect URL %q is not absolute", cfg.RedirectURL)
	}
	for v, r := range cfg.RoleMap {
		if roleRank(r) == 0 {
			return nil, fmt.Errorf("agentdesk: the role map gives %q the unknown role %q", v, r)
		}
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{oidc.ScopeOpenID, "email", "profile"}
	}
	if !slices.Contains(cfg.Scopes, oidc.ScopeOpenID) {
		cfg.Scopes = append([]string{oidc.ScopeOpenID}, cfg.Scopes...)
	}
	if cfg.EmailClaim == "" {
		cfg.EmailClaim = "email"
	}
	if cfg.NameClaim == "" {
		cfg.NameClaim = "name"
	}
	if cfg.RolesClaim == "" {
		cfg.RolesClaim = "groups"
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	return &sso{cfg: cfg, client: client}, nil
}

// setup discovers the provider on first use (and again after a failure), so
// that the desk starts while the identity provider is down.
func (s *sso) setup(ctx context.Context, now func() time.Time) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.oauth != nil {
		return s.oauth, s.verifier, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.client), s.cfg.Issuer)
	if err != nil {
		return nil, nil, err
	}
	s.oauth = &oauth2.Config{ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret, RedirectURL: s.cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: s.cfg.Scopes}
	s.verifier = p.Verifier(&oidc.Config{ClientID: s.cfg.ClientID, Now: now})
	return s.oauth, s.verifier, nil
}

// oidcFlow is what the login keeps for its callback, in the flow cookie.
type oidcFlow struct {
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Next     string    `json:"r"`
	Started  time.Time `json:"t"`
}

func randomString() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// safeNext keeps the page to return to among the desk's own pages, so the
// callback cannot be made to redirect anywhere else.
func safeNext(next string) string {
	switch next {
	case "/desk", "/desk/", "/desk/supervisor", "/desk/admin":
		return next
	}
	return "/desk/"
}

func (d *Desk) registerIdentity(e *echo.Echo) {
	e.GET("/api/v1/auth/config", d.authConfig)
	e.GET("/api/v1/auth/oidc/login", d.oidcLogin)
	e.GET("/api/v1/auth/oidc/callback", d.oidcCallback)
	t := e.Group("/api/v1/admin/api-tokens", d.staff, d.adminOnly)
	t.GET("", d.listAPITokens)
	t.POST("", d.createAPIToken)
	t.DELETE("/:id", d.revokeAPIToken)
}

// authConfig tells the sign-in pages which ways to sign in there are.
func (d *Desk) authConfig(c echo.Context) error {
	out := map[string]any{"password": true, "oidc": d.sso != nil}
	if d.sso != nil {
		out["oidcLoginUrl"] = "/api/v1/auth/oidc/login"
	}
	return c.JSON(http.StatusOK, out)
}

func (d *Desk) flowCookie(value string, maxAge int) *http.Cookie {
	// Lax, not Strict: the callback is a navigation from the identity
	// provider's site, and a Strict cookie would not come along.
	return &http.Cookie{Name: oidcCookie, Value: value, Path: oidcCookiePath, MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: d.cfg.SecureCookies}
}

func (d *Desk) oidcLogin(c echo.Context) error {
	if d.sso == nil {
		return civicdesk.Errorf(civicdesk.CodeNotFound, "single sign-on is not configured")
	}
	if ok, wait := d.loginIP.Take(c.RealIP()); !ok {
		return httpx.RateLimited(c, wait, "too many sign-in attempts; wait a minute")
	}
	oc, _, err := d.sso.setup(c.Request().Context(), d.cfg.Now)
	if err != nil {
		d.log.Warn("identity provider discovery failed", "err", err)
		return civicdesk.Errorf(civicdesk.CodeUnavailable, "the identity provider cannot be reached; try again later or sign in with a password")
	}
	flow := oidcFlow{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(),
		Next: safeNext(c.QueryParam("next")), Started: d.cfg.Now().UTC()}
	data, _ := json.Marshal(flow)
	c.SetCookie(d.flowCookie(base64.RawURLEncoding.EncodeToString(data), int(oidcFlowTTL.Seconds())))
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusFound, oc.AuthCodeURL(flow.State, oidc.Nonce(flow.Nonce), oauth2.S256ChallengeOption(flow.Verifier)))
}

// ssoRefused audits a refused single sign-on and answers with err.
func (d *Desk) ssoRefused(c echo.Context, reason string, err error) error {
	if aerr := d.audit(c, "signin_failed", "oidc", map[string]string{"method": "oidc", "reason": reason}); aerr != nil {
		return aerr
	}
	return err
}

// ssoErrorPage shows a refused single sign-on to a person: the callback is a
// browser navigation, where a JSON error would be unreadable.
var ssoErrorPage = template.Must(template.New("sso").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in refused · CivicDesk</title><link rel="icon" href="/desk/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/desk/assets/desk.css"></head>
<body><main class="signin"><h1>Single sign-on did not sign you in</h1><p>{{.Message}}</p>
<p><a href="{{.Back}}">Back to the sign-in page</a></p></main></body></html>
`))

const ssoNextKey = "cd.sso.next"

// oidcCallback answers a refusal with the usual JSON error, or with a page
// when a browser asks for HTML; the status is the same.
func (d *Desk) oidcCallback(c echo.Context) error {
	err := d.ssoCallback(c)
	var de *civicdesk.Error
	if err == nil || !strings.Contains(c.Request().Header.Get("Accept"), "text/html") || !errors.As(err, &de) {
		return err
	}
	back, _ := c.Get(ssoNextKey).(string)
	msg := de.Message // a sentence on the page: capital first, full stop last
	if r, n := utf8.DecodeRuneInString(msg); n > 0 {
		msg = string(unicode.ToUpper(r)) + strings.TrimSuffix(msg[n:], ".") + "."
	}
	var page bytes.Buffer
	if terr := ssoErrorPage.Execute(&page, map[string]string{"Message": msg, "Back": safeNext(back)}); terr != nil {
		return err
	}
	return c.HTMLBlob(httpx.Status(de.Code), page.Bytes())
}

func (d *Desk) ssoCallback(c echo.Context) error {
	if d.sso == nil {
		return civicdesk.Errorf(civicdesk.CodeNotFound, "single sign-on is not configured")
	}
	if ok, wait := d.loginIP.Take(c.RealIP()); !ok {
		return httpx.RateLimited(c, wait, "too many sign-in attempts; wait a minute")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	// The flow is single-use, whatever happens next.
	c.SetCookie(d.flowCookie("", -1))
	restart := "start the sign-in again from the sign-in page"
	var flow oidcFlow
	ck, err := c.Cookie(oidcCookie)
	if err != nil || len(ck.Value) > 2000 {
		return d.ssoRefused(c, "no_flow", civicdesk.Errorf(civicdesk.CodeInvalid, "this sign-in was not started here or took too long; %s", restart))
	}
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil || json.Unmarshal(raw, &flow) != nil || flow.State == "" || flow.Nonce == "" || flow.Verifier == "" {
		return d.ssoRefused(c, "bad_flow", civicdesk.Errorf(civicdesk.CodeInvalid, "the sign-in cookie is damaged; %s", restart))
	}
	c.Set(ssoNextKey, flow.Next)
	if d.cfg.Now().Sub(flow.Started) > oidcFlowTTL {
		return d.ssoRefused(c, "flow_expired", civicdesk.Errorf(civicdesk.CodeInvalid, "the sign-in took too long; %s", restart))
	}
	if !auth.Equal(c.QueryParam("state"), flow.State) {
		return d.ssoRefused(c, "state", civicdesk.Errorf(civicdesk.CodeInvalid, "the sign-in state does not match; %s", restart))
	}
	if c.QueryParam("error") != "" {
		return d.ssoRefused(c, "provider_error", civicdesk.Errorf(civicdesk.CodeUnauthenticated, "the identity provider did not sign you in"))
	}
	code := c.QueryParam("code")
	if code == "" || len(code) > 4000 {
		return d.ssoRefused(c, "no_code", civicdesk.Errorf(civicdesk.CodeInvalid, "the identity provider sent no sign-in code; %s", restart))
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 20*time.Second)
	defer cancel()
	oc, verifier, err := d.sso.setup(ctx, d.cfg.Now)
	if err != nil {
		d.log.Warn("identity provider discovery failed", "err", err)
		return civicdesk.Errorf(civicdesk.CodeUnavailable, "the identity provider cannot be reached; try again later")
	}
	tok, err := oc.Exchange(context.WithValue(ctx, oauth2.HTTPClient, d.sso.client), code, oauth2.VerifierOption(flow.Verifier))
	if err != nil {
		d.log.Warn("single sign-on code exchange failed", "err", err)
		return d.ssoRefused(c, "exchange", civicdesk.Errorf(civicdesk.CodeUnauthenticated, "the identity provider did not accept the sign-in; %s", restart))
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return d.ssoRefused(c, "no_id_token", civicdesk.Errorf(civicdesk.CodeUnauthenticated, "the identity provider sent no ID token"))
	}
	idt, err := verifier.Verify(ctx, rawID)
	if err != nil {
		// The reason (issuer, audience, expiry, signature) holds no personal data.
		d.log.Warn("single sign-on ID token refused", "err", err)
		return d.ssoRefused(c, "id_token", civicdesk.Errorf(civicdesk.CodeUnauthenticated, "the identity token is not valid; %s", restart))
	}
	if !auth.Equal(idt.Nonce, flow.Nonce) {
		return d.ssoRefused(c, "nonce", civicdesk.Errorf(civicdesk.CodeUnauthenticated, "the identity token was not issued for this sign-in; %s", restart))
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return d.ssoRefused(c, "claims", civicdesk.Errorf(civicdesk.CodeUnauthenticated, "the identity token's claims cannot be read"))
	}
	a, reason, err := d.ssoAgent(c, claims)
	if err != nil {
		if reason != "" {
			return d.ssoRefused(c, reason, err)
		}
		return err
	}
	if _, _, err := d.startSession(c, a, "oidc"); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, flow.Next)
}

func roleRank(r civicdesk.Role) int {
	switch r {
	case civicdesk.RoleCaseworker:
		return 1
	case civicdesk.RoleSupervisor:
		return 2
	case civicdesk.RoleAdmin:
		return 3
	}
	return 0
}

// claimStrings reads a claim that is a string or a list of strings.
func claimStrings(claims map[string]any, name string) ([]string, bool) {
	v, ok := claims[name]
	if !ok || name == "" {
		return nil, false
	}
	switch x := v.(type) {
	case string:
		return []string{x}, true
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out, true
	}
	return nil, false
}

// ssoAgent finds or creates the agent of a verified token's claims, with the
// role and departments its claims map to. reason, when set, names a refusal
// to audit.
func (d *Desk) ssoAgent(c echo.Context, claims map[string]any) (civicdesk.Agent, string, error) {
	cfg := d.sso.cfg
	ctx := c.Request().Context()
	emails, _ := claimStrings(claims, cfg.EmailClaim)
	email := ""
	if len(emails) == 1 {
		email = strings.ToLower(strings.TrimSpace(emails[0]))
	}
	if !strings.Contains(email, "@") || len(email) > 254 {
		return civicdesk.Agent{}, "no_email", civicdesk.Errorf(civicdesk.CodeForbidden, "the identity provider sent no email address")
	}
	if v, ok := claims["email_verified"].(bool); ok && !v {
		return civicdesk.Agent{}, "email_unverified", civicdesk.Errorf(civicdesk.CodeForbidden, "the identity provider has not verified this email address")
	}

	var role civicdesk.Role
	if len(cfg.RoleMap) > 0 {
		values, _ := claimStrings(claims, cfg.RolesClaim)
		for _, v := range values {
			if r := cfg.RoleMap[v]; roleRank(r) > roleRank(role) {
				role = r
			}
		}
		if role == "" {
			return civicdesk.Agent{}, "no_role", civicdesk.Errorf(civicdesk.CodeForbidden, "your account has no CivicDesk role; ask an administrator")
		}
	}
	var depts []string
	deptValues, hasDepts := claimStrings(claims, cfg.DepartmentsClaim)
	if hasDepts {
		known, err := d.store.ListDepartments(ctx)
		if err != nil {
			return civicdesk.Agent{}, "", err
		}
		depts = []string{}
		for _, v := range deptValues {
			id := v
			if cfg.DepartmentMap != nil {
				id = cfg.DepartmentMap[v]
			}
			if id != "" && slices.ContainsFunc(known, func(x civicdesk.Department) bool { return x.ID == id }) && !slices.Contains(depts, id) {
				depts = append(depts, id)
			}
		}
		slices.Sort(depts)
	}

	a, err := d.store.GetAgentByEmail(ctx, email)
	switch {
	case err == nil:
		if a.Disabled {
			return a, "disabled", civicdesk.Errorf(civicdesk.CodeForbidden, "this account is disabled")
		}
		changed := false
		if role != "" && role != a.Role {
			a.Role, changed = role, true
		}
		if hasDepts && !slices.Equal(depts, a.Departments) {
			a.Departments, changed = depts, true
		}
		if changed {
			if err := d.audit(c, "config", "agent/"+a.ID, map[string]string{"role": string(a.Role), "source": "oidc"}); err != nil {
				return a, "", err
			}
			if err := d.store.PutAgent(ctx, a); err != nil {
				return a, "", err
			}
			d.sessions.dropAgent(a.ID) // their other sessions see the new role too
		}
		return a, "", nil
	case !civicdesk.IsNotFound(err):
		return a, "", err
	case !cfg.AutoProvision:
		return a, "no_account", civicdesk.Errorf(civicdesk.CodeForbidden, "there is no CivicDesk account for this email; ask an administrator")
	}
	if role == "" {
		role = civicdesk.RoleCaseworker
	}
	name := email
	if ns, _ := claimStrings(claims, cfg.NameClaim); len(ns) == 1 {
		if n := strings.TrimSpace(ns[0]); n != "" && utf8.ValidString(n) && utf8.RuneCountInString(n) <= 200 {
			name = n
		}
	}
	if depts == nil {
		depts = []string{}
	}
	a = civicdesk.Agent{ID: civicdesk.NewID("ag"), Email: email, Name: name, Role: role, Departments: depts,
		Languages: []string{"en"}, Status: civicdesk.StatusOffline}
	if err := d.audit(c, "provision", "agent/"+a.ID, map[string]string{"role": string(role), "source": "oidc"}); err != nil {
		return a, "", err
	}
	if err := d.store.PutAgent(ctx, a); err != nil {
		return a, "", err
	}
	return a, "", nil
}
