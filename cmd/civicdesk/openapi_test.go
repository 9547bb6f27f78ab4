package main

import (
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
)

// isPage reports whether a route serves a web page or its assets, which the
// API document leaves out.
func isPage(path string) bool {
	return !strings.HasPrefix(path, "/api/") && path != "/healthz" && path != "/readyz" && path != "/metrics"
}

func TestOpenAPIDocumentsEveryRegisteredRoute(t *testing.T) {
	var mu sync.Mutex
	var routes []*echo.Route
	routesHook = func(rs []*echo.Route) {
		mu.Lock()
		routes = rs
		mu.Unlock()
	}
	defer func() { routesHook = nil }()
	base, _, _ := startMain(t, t.TempDir())

	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	api{t: t, base: base}.must("GET", "/api/v1/openapi.json", nil, &doc, 200)
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			key := strings.ToUpper(m) + " " + strings.NewReplacer("{", ":", "}", "").Replace(p)
			documented[key] = true
			if op["summary"] == "" || op["responses"] == nil {
				t.Errorf("%s lacks a summary or responses", key)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	registered := map[string]bool{}
	for _, r := range routes {
		if strings.HasPrefix(r.Method, "echo_") || r.Method == "OPTIONS" || isPage(r.Path) {
			continue
		}
		registered[r.Method+" "+r.Path] = true
	}
	var missing, stale []string
	for k := range registered {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("registered but not in /api/v1/openapi.json (add to apiOperations):\n  %s", strings.Join(missing, "\n  "))
	}
	if len(stale) > 0 {
		t.Errorf("documented but not registered:\n  %s", strings.Join(stale, "\n  "))
	}
	raw, _ := json.Marshal(doc)
	if !strings.Contains(string(raw), "/api/v1/widget/messages") {
		t.Fatal("document lacks the widget API")
	}
}
