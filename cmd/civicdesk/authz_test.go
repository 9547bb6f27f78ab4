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
		path == "/api/v1/desk/login":
		return public, true
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
	base, _, _ := startMain(t, t.TempDir())
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
	}
	// Sign-out ends the session it is called with: walk it last.
	sort.SliceStable(routes, func(i, j int) bool {
		return !strings.HasSuffix(routes[i].Path, "/logout") && strings.HasSuffix(routes[j].Path, "/logout")
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
		for _, who := range []string{"none", "visitor", "caseworker", "supervisor"} {
			code, err := api{t: t, base: base, token: creds[who]}.try(r.Method, path, map[string]any{}, nil)
			if err != nil && code == 0 {
				t.Errorf("%s %s as %s: %v", r.Method, path, who, err)
				continue
			}
			if code >= 500 {
				t.Errorf("%s %s as %s = %d: a 5xx for a plain request", r.Method, path, who, code)
			}
			want := expected(acc, who)
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
func expected(acc access, who string) int {
	switch acc {
	case public:
		return 0
	case visitor:
		if who == "visitor" {
			return 0
		}
		return http.StatusUnauthorized
	case staff:
		if who == "caseworker" || who == "supervisor" {
			return 0
		}
		return http.StatusUnauthorized
	case supervisor:
		switch who {
		case "supervisor":
			return 0
		case "caseworker":
			return http.StatusForbidden
		}
		return http.StatusUnauthorized
	}
	panic(fmt.Sprint("unknown access ", acc))
}
