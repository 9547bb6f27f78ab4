package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/agentdesk"
	"github.com/go-jose/go-jose/v4"
)

// fakeIdP is an OpenID Connect provider in the test process, speaking the
// real wire format: discovery, JWKS, the authorization endpoint (which signs
// the user in at once and redirects back with a code) and the token endpoint,
// which checks the client secret and the PKCE verifier and returns an
// RS256-signed ID token.
type fakeIdP struct {
	t        *testing.T
	srv      *httptest.Server
	key      *rsa.PrivateKey
	clientID string
	secret   string

	mu     sync.Mutex
	claims map[string]any       // the signed-in user's claims, for the next sign-in
	tamper func(map[string]any) // changes the next ID token's claims
	signer *rsa.PrivateKey      // signs instead of key when set
	codes  map[string]grant
	authz  url.Values // the last authorization request
}

type grant struct {
	nonce, challenge, redirect string
	claims                     map[string]any
}

func newFakeIdP(t *testing.T) *fakeIdP {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &fakeIdP{t: t, key: key, clientID: "civicdesk", secret: "idp-client-secret", codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{
			"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token",
			"jwks_uri": p.srv.URL + "/jwks", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
			"code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		p.mu.Lock()
		defer p.mu.Unlock()
		p.authz = q
		if q.Get("response_type") != "code" || q.Get("client_id") != p.clientID || q.Get("code_challenge_method") != "S256" ||
			q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" || !strings.Contains(q.Get("scope"), "openid") {
			http.Error(w, "bad authorization request", http.StatusBadRequest)
			return
		}
		code := civicdesk.NewID("code")
		p.codes[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), claims: p.claims}
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		if id != p.clientID || secret != p.secret {
			w.WriteHeader(http.StatusUnauthorized)
			writeJSON(w, map[string]string{"error": "invalid_client"})
			return
		}
		p.mu.Lock()
		g, found := p.codes[r.PostFormValue("code")]
		delete(p.codes, r.PostFormValue("code")) // single use
		tamper, signer := p.tamper, p.signer
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
		if !found || r.PostFormValue("grant_type") != "authorization_code" || r.PostFormValue("redirect_uri") != g.redirect ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			w.WriteHeader(http.StatusBadRequest)
			writeJSON(w, map[string]string{"error": "invalid_grant"})
			return
		}
		now := time.Now()
		claims := map[string]any{"iss": p.srv.URL, "aud": p.clientID, "sub": "user-1", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": g.nonce}
		for k, v := range g.claims {
			claims[k] = v
		}
		if tamper != nil {
			tamper(claims)
		}
		if signer == nil {
			signer = p.key
		}
		writeJSON(w, map[string]any{"access_token": "at-" + civicdesk.NewID("x"), "token_type": "Bearer", "expires_in": 300, "id_token": p.sign(signer, claims)})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *fakeIdP) sign(key *rsa.PrivateKey, claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		p.t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		p.t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		p.t.Fatal(err)
	}
	return s
}

// next sets who signs in next and how their ID token is spoiled (nil: not).
func (p *fakeIdP) next(claims map[string]any, tamper func(map[string]any)) {
	p.mu.Lock()
	p.claims, p.tamper, p.signer = claims, tamper, nil
	p.mu.Unlock()
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// freeAddr returns a loopback address free a moment ago, so the server's
// public URL (and with it the SSO callback) is known before it starts.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// browser is a cookie-keeping HTTP client that does not follow redirects,
// so each step of the flow can be checked.
type browser struct {
	t   *testing.T
	jar *cookiejar.Jar
	c   *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, jar: jar, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(u string) *http.Response {
	b.t.Helper()
	resp, err := b.c.Get(u)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp
}

func (b *browser) cookie(base, name string) *http.Cookie {
	u, _ := url.Parse(base + "/api/v1/auth/oidc/callback")
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// me is the agent the browser's session cookie signs in, or the status.
func (b *browser) me(base string) (civicdesk.Agent, int) {
	b.t.Helper()
	resp := b.get(base + "/api/v1/desk/me")
	var out struct {
		Agent civicdesk.Agent `json:"agent"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out.Agent, resp.StatusCode
}

// ssoTo runs the browser through login and the IdP's redirect up to (not
// into) the callback, and returns the callback URL.
func (b *browser) ssoTo(base, next string) string {
	b.t.Helper()
	resp := b.get(base + "/api/v1/auth/oidc/login?next=" + url.QueryEscape(next))
	if resp.StatusCode != http.StatusFound {
		body, _ := io.ReadAll(resp.Body)
		b.t.Fatalf("login = %d %s, want 302 to the IdP", resp.StatusCode, body)
	}
	resp = b.get(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound {
		body, _ := io.ReadAll(resp.Body)
		b.t.Fatalf("IdP authorize = %d %s", resp.StatusCode, body)
	}
	cb := resp.Header.Get("Location")
	if !strings.HasPrefix(cb, base+"/api/v1/auth/oidc/callback?") {
		b.t.Fatalf("IdP redirected to %s, not the callback of %s", cb, base)
	}
	return cb
}

func startWithSSO(t *testing.T, idp *fakeIdP, extra ...string) string {
	addr := freeAddr(t)
	args := append([]string{"--http-addr", addr, "--oidc-issuer", idp.srv.URL, "--oidc-client-id", idp.clientID,
		"--oidc-client-secret", idp.secret, "--oidc-departments-claim", "departments",
		"--oidc-role-map", "civicdesk-admins=admin,civicdesk-supervisors=supervisor,civicdesk-staff=caseworker"}, extra...)
	base, _, _ := startMain(t, t.TempDir(), args...)
	return base
}

func TestSingleSignOnMapsClaimsToASession(t *testing.T) {
	idp := newFakeIdP(t)
	base := startWithSSO(t, idp)

	var cfg struct {
		OIDC         bool   `json:"oidc"`
		OIDCLoginURL string `json:"oidcLoginUrl"`
	}
	api{t: t, base: base}.must("GET", "/api/v1/auth/config", nil, &cfg, 200)
	if !cfg.OIDC || cfg.OIDCLoginURL != "/api/v1/auth/oidc/login" {
		t.Fatalf("auth config = %+v", cfg)
	}

	// Happy path: a demo caseworker whose groups now make them a supervisor
	// of benefits only (the unknown department is ignored).
	idp.next(map[string]any{"email": "Agent1@demo.gov", "email_verified": true, "name": "Alex R.",
		"groups": []string{"civicdesk-supervisors", "unrelated"}, "departments": []string{"benefits", "no-such-dept"}}, nil)
	b := newBrowser(t)
	resp := b.get(base + "/api/v1/auth/oidc/login?next=/desk/supervisor")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), idp.srv.URL+"/authorize?") {
		t.Fatalf("login = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	flow := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"cd_oidc=", "HttpOnly", "SameSite=Lax", "Path=/api/v1/auth/oidc", "Max-Age=600"} {
		if !strings.Contains(flow, want) {
			t.Errorf("flow cookie %q lacks %s", flow, want)
		}
	}
	resp = b.get(resp.Header.Get("Location"))
	if idp.authz.Get("redirect_uri") != base+"/api/v1/auth/oidc/callback" || idp.authz.Get("code_challenge_method") != "S256" {
		t.Fatalf("authorization request %v", idp.authz)
	}
	callback := resp.Header.Get("Location")
	resp = b.get(callback)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/desk/supervisor" {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("callback = %d to %q: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if c := b.cookie(base, "cd_oidc"); c != nil {
		t.Fatalf("flow cookie survives the callback: %v", c)
	}
	sess := b.cookie(base, "cd_session")
	if sess == nil || !strings.Contains(strings.Join(resp.Header.Values("Set-Cookie"), "\n"), "cd_session="+sess.Value+"; Path=/; Expires=") ||
		!strings.Contains(strings.Join(resp.Header.Values("Set-Cookie"), "\n"), "HttpOnly; SameSite=Strict") {
		t.Fatalf("no strict session cookie after the callback: %q", resp.Header.Values("Set-Cookie"))
	}
	a, code := b.me(base)
	if code != 200 || a.ID != "ag_agent1" || a.Role != civicdesk.RoleSupervisor || strings.Join(a.Departments, ",") != "benefits" {
		t.Fatalf("me = %d %+v, want ag_agent1 as supervisor of benefits", code, a)
	}
	// The session is the password sign-in's: bearer works too, and the
	// supervisor API admits it.
	sup := api{t: t, base: base, token: sess.Value}
	sup.must("GET", "/api/v1/supervisor/queues", nil, nil, 200)
	// The flow is single use: replaying the callback is refused.
	if resp := b.get(callback); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed callback = %d, want 400", resp.StatusCode)
	}
	waitAudit(t, sup, func(action, target string, detail map[string]string) bool {
		return action == "signin" && target == "ag_agent1" && detail["method"] == "oidc"
	})

	// The role map is enforced: a caseworker from SSO cannot reach the
	// supervisor or admin APIs, and takes only its mapped departments.
	idp.next(map[string]any{"email": "agent2@demo.gov", "groups": []string{"civicdesk-staff"}, "departments": []string{"housing"}}, nil)
	cw := newBrowser(t)
	if resp := cw.get(cw.ssoTo(base, "/desk/")); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/desk/" {
		t.Fatalf("caseworker callback = %d", resp.StatusCode)
	}
	a, _ = cw.me(base)
	if a.Role != civicdesk.RoleCaseworker || strings.Join(a.Departments, ",") != "housing" {
		t.Fatalf("caseworker from SSO = %+v", a)
	}
	cwAPI := api{t: t, base: base, token: cw.cookie(base, "cd_session").Value}
	cwAPI.must("GET", "/api/v1/admin/agents", nil, nil, 403)
	cwAPI.must("GET", "/api/v1/supervisor/queues", nil, nil, 403)
	cwAPI.must("GET", "/api/v1/admin/api-tokens", nil, nil, 403)
	cwAPI.must("GET", "/api/v1/desk/conversations", nil, nil, 200)

	// Groups that map to no role: refused, even for an existing account.
	idp.next(map[string]any{"email": "agent3@demo.gov", "groups": []string{"everyone"}}, nil)
	nr := newBrowser(t)
	if resp := nr.get(nr.ssoTo(base, "/desk/")); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without a mapped role = %d, want 403", resp.StatusCode)
	}
	if _, code := nr.me(base); code != 401 {
		t.Fatalf("refused sign-in left a session: %d", code)
	}
	// Unknown email without auto-provisioning (the default): refused.
	idp.next(map[string]any{"email": "stranger@city.gov", "groups": []string{"civicdesk-admins"}}, nil)
	st := newBrowser(t)
	// A browser asking for HTML gets a page it can show, with the same status.
	req, _ := http.NewRequest("GET", st.ssoTo(base, "/desk/supervisor"), nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	resp, err := st.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(page), "There is no CivicDesk account for this email; ask an administrator.") || !strings.Contains(string(page), `href="/desk/supervisor"`) {
		t.Fatalf("unknown email = %d %s:\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}
	if _, code := st.me(base); code != 401 {
		t.Fatalf("refused sign-in left a session: %d", code)
	}
	// An unverified email is not trusted.
	idp.next(map[string]any{"email": "agent4@demo.gov", "email_verified": false, "groups": []string{"civicdesk-staff"}}, nil)
	uv := newBrowser(t)
	if resp := uv.get(uv.ssoTo(base, "/desk/")); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unverified email = %d, want 403", resp.StatusCode)
	}
	// An open redirect through next is not possible.
	idp.next(map[string]any{"email": "agent5@demo.gov", "groups": []string{"civicdesk-staff"}}, nil)
	or := newBrowser(t)
	if resp := or.get(or.ssoTo(base, "https://evil.example/")); resp.Header.Get("Location") != "/desk/" {
		t.Fatalf("next=https://evil.example/ redirected to %q", resp.Header.Get("Location"))
	}
}

// waitAudit waits until the audit trail has an entry that matches (entries
// reach the store through the bus).
func waitAudit(t *testing.T, sup api, match func(action, target string, detail map[string]string) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var audit struct {
			Entries []struct {
				Action, Target string
				Detail         map[string]string
			} `json:"entries"`
		}
		sup.must("GET", "/api/v1/supervisor/audit?limit=1000", nil, &audit, 200)
		for _, e := range audit.Entries {
			if match(e.Action, e.Target, e.Detail) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no matching audit entry among %+v", audit.Entries)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSingleSignOnRefusesBadTokensAndState(t *testing.T) {
	idp := newFakeIdP(t)
	base := startWithSSO(t, idp)
	user := map[string]any{"email": "agent1@demo.gov", "groups": []string{"civicdesk-staff"}}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name   string
		tamper func(map[string]any)
		signer *rsa.PrivateKey
		spoil  func(b *browser, callback string) string // changes the callback URL or the browser
		want   int
	}{
		{name: "wrong nonce", tamper: func(c map[string]any) { c["nonce"] = "another-sign-in" }, want: 401},
		{name: "no nonce", tamper: func(c map[string]any) { delete(c, "nonce") }, want: 401},
		{name: "wrong audience", tamper: func(c map[string]any) { c["aud"] = "some-other-app" }, want: 401},
		{name: "wrong issuer", tamper: func(c map[string]any) { c["iss"] = "https://idp.evil.example" }, want: 401},
		{name: "expired", tamper: func(c map[string]any) {
			c["iat"], c["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
		}, want: 401},
		{name: "signed by another key", signer: otherKey, want: 401},
		{name: "bad state", spoil: func(_ *browser, cb string) string {
			u, _ := url.Parse(cb)
			q := u.Query()
			q.Set("state", "forged-"+q.Get("state"))
			u.RawQuery = q.Encode()
			return u.String()
		}, want: 400},
		{name: "no flow cookie (login CSRF)", spoil: func(b *browser, cb string) string {
			*b = *newBrowser(b.t) // the victim's browser never started this sign-in
			return cb
		}, want: 400},
		{name: "provider error", spoil: func(_ *browser, cb string) string {
			u, _ := url.Parse(cb)
			q := u.Query()
			q.Del("code")
			q.Set("error", "access_denied")
			u.RawQuery = q.Encode()
			return u.String()
		}, want: 401},
		{name: "forged code", spoil: func(_ *browser, cb string) string {
			u, _ := url.Parse(cb)
			q := u.Query()
			q.Set("code", "code_forged")
			u.RawQuery = q.Encode()
			return u.String()
		}, want: 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			idp.next(user, tc.tamper)
			idp.mu.Lock()
			idp.signer = tc.signer
			idp.mu.Unlock()
			b := newBrowser(t)
			cb := b.ssoTo(base, "/desk/")
			if tc.spoil != nil {
				cb = tc.spoil(b, cb)
			}
			resp := b.get(cb)
			if resp.StatusCode != tc.want {
				body, _ := io.ReadAll(resp.Body)
				t.Fatalf("callback = %d %s, want %d", resp.StatusCode, body, tc.want)
			}
			if b.cookie(base, "cd_session") != nil {
				t.Fatal("a refused sign-in set a session cookie")
			}
			for _, sc := range resp.Header.Values("Set-Cookie") {
				if strings.HasPrefix(sc, "cd_session=") {
					t.Fatalf("a refused sign-in sent a session cookie: %s", sc)
				}
			}
			if _, code := b.me(base); code != 401 {
				t.Fatalf("after a refused sign-in /desk/me = %d, want 401", code)
			}
		})
	}
	// The same flow then succeeds: the refusals were for their reasons.
	idp.next(user, nil)
	b := newBrowser(t)
	if resp := b.get(b.ssoTo(base, "/desk/")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("clean sign-in = %d", resp.StatusCode)
	}
	if a, code := b.me(base); code != 200 || a.ID != "ag_agent1" {
		t.Fatalf("clean sign-in: me = %d %+v", code, a)
	}
}

func TestSingleSignOnAutoProvisions(t *testing.T) {
	idp := newFakeIdP(t)
	base := startWithSSO(t, idp, "--oidc-auto-provision", "on")
	idp.next(map[string]any{"email": "new.admin@city.gov", "name": "Nia Admin", "groups": []string{"civicdesk-staff", "civicdesk-admins"},
		"departments": []string{"taxes", "permits"}}, nil)
	b := newBrowser(t)
	if resp := b.get(b.ssoTo(base, "/desk/admin")); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/desk/admin" {
		t.Fatalf("callback = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	a, code := b.me(base)
	if code != 200 || a.Email != "new.admin@city.gov" || a.Name != "Nia Admin" || a.Role != civicdesk.RoleAdmin ||
		strings.Join(a.Departments, ",") != "permits,taxes" || !strings.HasPrefix(a.ID, "ag_") {
		t.Fatalf("provisioned agent = %d %+v", code, a)
	}
	admin := api{t: t, base: base, token: b.cookie(base, "cd_session").Value}
	admin.must("GET", "/api/v1/admin/api-tokens", nil, nil, 200)
	// The provisioned account has no password: the password sign-in refuses it.
	api{t: t, base: base}.must("POST", "/api/v1/desk/login", map[string]string{"email": "new.admin@city.gov", "password": ""}, nil, 401)
	// Signing in again finds the same agent.
	b2 := newBrowser(t)
	b2.get(b2.ssoTo(base, "/desk/"))
	if again, _ := b2.me(base); again.ID != a.ID {
		t.Fatalf("second sign-in made another agent: %s vs %s", again.ID, a.ID)
	}
}

func TestSingleSignOnOffByDefault(t *testing.T) {
	base, _, _ := startMain(t, t.TempDir())
	var cfg struct {
		OIDC bool `json:"oidc"`
	}
	anon := api{t: t, base: base}
	anon.must("GET", "/api/v1/auth/config", nil, &cfg, 200)
	if cfg.OIDC {
		t.Fatal("auth config says single sign-on is on without an issuer")
	}
	anon.must("GET", "/api/v1/auth/oidc/login", nil, nil, 404)
	anon.must("GET", "/api/v1/auth/oidc/callback?code=x&state=y", nil, nil, 404)
}

func TestIdentitySettingsFromFileEnvAndFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "civicdesk.yaml")
	yaml := "public-url: https://help.city.gov/\noidc-issuer: https://login.city.gov\noidc-client-id: desk\n" +
		"oidc-role-map: g-admins=admin, g-staff=caseworker\noidc-departments-claim: depts\noidc-department-map: grp-tax=taxes\n" +
		"session-idle: 15m\noidc-auto-provision: \"on\"\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CIVICDESK_OIDC_CLIENT_SECRET": "from-env"}
	c, err := parseConfig("t", []string{"--config", file, "--session-ttl", "8h"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var dc agentdesk.Config
	c.deskIdentity(&dc)
	o := dc.OIDC
	if dc.SessionTTL != 8*time.Hour || dc.SessionIdle != 15*time.Minute || o == nil {
		t.Fatalf("sessions %v %v, oidc %+v", dc.SessionTTL, dc.SessionIdle, o)
	}
	if o.Issuer != "https://login.city.gov" || o.ClientID != "desk" || o.ClientSecret != "from-env" ||
		o.RedirectURL != "https://help.city.gov/api/v1/auth/oidc/callback" || !o.AutoProvision ||
		o.RoleMap["g-admins"] != civicdesk.RoleAdmin || o.RoleMap["g-staff"] != civicdesk.RoleCaseworker ||
		o.DepartmentsClaim != "depts" || o.DepartmentMap["grp-tax"] != "taxes" || strings.Join(o.Scopes, " ") != "openid email profile" {
		t.Fatalf("oidc settings %+v", o)
	}
	// --session-idle 0 turns the idle timeout off; no issuer, no SSO.
	c, err = parseConfig("t", []string{"--session-idle", "0"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	dc = agentdesk.Config{}
	c.deskIdentity(&dc)
	if dc.SessionIdle >= 0 || dc.OIDC != nil {
		t.Fatalf("idle %v, oidc %+v", dc.SessionIdle, dc.OIDC)
	}
}
