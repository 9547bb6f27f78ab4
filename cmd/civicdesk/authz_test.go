package main

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
)

// access is who a route admits.
type access int

const (
	public     access = iota // anyone (pages, health, sign-in, new widget sessions, signed webhooks)
	visitor                  // a widget visitor token
	staff                    // any signed-in staff member
	supervisor               // supervisors and admins
	admin                    // admins signed in in person (not API tokens)
)

// policy classifies every route. A route it does not know fails the test,
// so a new endpoint cannot ship without a decision about who may call it.
func policy(method, path string) (access, bool) {
	switch {
	case method == "OPTIONS":
		return public, true // CORS preflight: carries no credentials by design
	case path == "/" || path == "/widget.js" || strings.HasPrefix(path, "/widget/") || path == "/contact" ||
		path == "/desk" || path == "/desk/" || strings.HasPrefix(path, "/desk/"),
		path == "/healthz" || path == "/readyz" || path == "/metrics",
		path == "/api/v1/openapi.json",
		path == "/api/v1/widget/sessions",
		path == "/api/v1/widget/availability", // whether a caseworker answers now: nothing private
		path == "/api/v1/desk/login":
		return public, true
	case strings.HasPrefix(path, "/api/v1/auth/"):
		return public, true // sign-in options and the single sign-on flow
	case strings.HasPrefix(path, "/api/v1/admin/api-tokens"):
		return admin, true
	case method == "PUT" && path == "/api/v1/admin/departments/:id/routing":
		return admin, true // routing settings: supervisors read them, admins change them
	case path == "/api/v1/admin/kb" || strings.HasPrefix(path, "/api/v1/admin/kb/"):
		return supervisor, true // knowledge-base articles, like the other admin settings
	case strings.HasPrefix(path, "/api/v1/channels/sms/twilio"):
		return public, true // Twilio's webhooks: checked by X-Twilio-Signature when a token is configured
	case strings.HasPrefix(path, "/api/v1/widget/"):
		return visitor, true
	case strings.HasPrefix(path, "/api/v1/supervisor/") || strings.HasPrefix(path, "/api/v1/admin/"):
		return supervisor, true
	case strings.HasPrefix(path, "/api/v1/desk/") || strings.HasPrefix(path, "/api/v1/channels/"):
		return staff, true
	}
	return 0, false
}

func TestEveryRouteRequiresTheRightCredentials(t *testing.T) {
	var mu sync.Mutex
	var routes []*echo.Route
	routesHook = func(rs []*echo.Route) {
		mu.Lock()
		routes = rs
		mu.Unlock()
	}
	defer func() { routesHook = nil }()
	dataDir := t.TempDir()
	addAdmin(t, dataDir)
	base, _, _ := startMain(t, dataDir)
	mu.Lock()
	defer mu.Unlock()
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}

	anon := api{t: t, base: base}
	var sess session
	anon.must("POST", "/api/v1/widget/sessions", map[string]string{}, &sess, 201)
	creds := map[string]string{
		"none":       "",
		"visitor":    sess.VisitorToken,
		"caseworker": login(t, base, "agent4@demo.gov").token,
		"supervisor": login(t, base, "supervisor@demo.gov").token,
		"admin":      login(t, base, adminEmail).token,
	}
	creds["apitoken"] = newAPIToken(t, api{t: t, base: base, token: creds["admin"]}, "admin")
	creds["apitoken-read"] = newAPIToken(t, api{t: t, base: base, token: creds["admin"]}, "supervisor-read")
	callers := []string{"none", "visitor", "caseworker", "supervisor", "admin", "apitoken", "apitoken-read"}
	// Sign-out (and sign-out everywhere) ends the session it is called
	// with: walk them last.
	endsSessions := func(p string) bool {
		return strings.HasSuffix(p, "/logout") || strings.HasSuffix(p, "/sessions/revoke")
	}
	sort.SliceStable(routes, func(i, j int) bool {
		return !endsSessions(routes[i].Path) && endsSessions(routes[j].Path)
	})

	for _, r := range routes {
		if r.Method == "echo_route_not_found" || strings.HasPrefix(r.Method, "echo_") {
			continue
		}
		acc, known := policy(r.Method, r.Path)
		if !known {
			t.Errorf("%s %s: no access policy; add it to policy()", r.Method, r.Path)
			continue
		}
		path := strings.NewReplacer(":id", "cv_nonexistent", "*", "x").Replace(r.Path)
		for _, who := range callers {
			// Sign-out and sign-out-everywhere end the sessions they are
			// called with: each staff member signs in afresh for them.
			if endsSessions(r.Path) {
				switch who {
				case "caseworker":
					creds[who] = login(t, base, "agent4@demo.gov").token
				case "supervisor":
					creds[who] = login(t, base, "supervisor@demo.gov").token
				case "admin":
					creds[who] = login(t, base, adminEmail).token
				}
			}
			code, err := api{t: t, base: base, token: creds[who]}.try(r.Method, path, map[string]any{}, nil)
			if err != nil && code == 0 {
				t.Errorf("%s %s as %s: %v", r.Method, path, who, err)
				continue
			}
			if code >= 500 {
				t.Errorf("%s %s as %s = %d: a 5xx for a plain request", r.Method, path, who, code)
			}
			want := expected(acc, who, r.Method, r.Path)
			if want != 0 && code != want {
				t.Errorf("%s %s as %s = %d, want %d", r.Method, path, who, code, want)
			}
			// Sign-in answers an empty request with 401 by design.
			if want == 0 && (code == http.StatusUnauthorized || code == http.StatusForbidden) && r.Path != "/api/v1/desk/login" {
				t.Errorf("%s %s as %s = %d, want admitted", r.Method, path, who, code)
			}
		}
	}
}

// expected is the status a caller must get, or 0 when it must be admitted
// (whatever the handler then answers to an empty request).
func expected(acc access, who, method, path string) int {
	// API tokens reach only the supervisor and admin APIs (not API token
	// management); the read-only scope only reads.
	if strings.HasPrefix(who, "apitoken") && acc != public && acc != visitor {
		if acc != supervisor {
			return http.StatusForbidden
		}
		if who == "apitoken-read" && method != http.MethodGet {
			return http.StatusForbidden
		}
		return 0
	}
	switch acc {
	case public:
		return 0
	case visitor:
		if who == "visitor" {
			return 0
		}
		return http.StatusUnauthorized
	case staff:
		if who == "caseworker" || who == "supervisor" || who == "admin" {
			return 0
		}
		return http.StatusUnauthorized
	case supervisor:
		switch who {
		case "supervisor", "admin":
			return 0
		case "caseworker":
			return http.StatusForbidden
		}
		return http.StatusUnauthorized
	case admin:
		switch who {
		case "admin":
			return 0
		case "caseworker", "supervisor":
			return http.StatusForbidden
		}
		return http.StatusUnauthorized
	}
	panic(fmt.Sprint("unknown access ", acc))
}
