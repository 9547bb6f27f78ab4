package main

import (
	"net/url"
	"testing"
)

// A token in the URL is taken only where a browser cannot send a header:
// the WebSocket upgrades. Anywhere else it would end up in proxy logs and
// browser history, so it authenticates nothing.
func TestTokenInTheURLOnlyForSockets(t *testing.T) {
	base, _, _ := startMain(t, t.TempDir())
	anon := api{t: t, base: base}
	desk := login(t, base, "agent1@demo.gov")
	desk.must("GET", "/api/v1/desk/me", nil, nil, 200)
	anon.must("GET", "/api/v1/desk/me?token="+url.QueryEscape(desk.token), nil, nil, 401)

	var s session
	anon.must("POST", "/api/v1/widget/sessions", map[string]string{}, &s, 201)
	visitor := api{t: t, base: base, token: s.VisitorToken}
	visitor.must("GET", "/api/v1/widget/messages", nil, nil, 200)
	anon.must("GET", "/api/v1/widget/messages?token="+url.QueryEscape(s.VisitorToken), nil, nil, 401)

	dial(t, base+"/api/v1/desk/ws?token="+url.QueryEscape(desk.token)).conn.CloseNow()
	dial(t, base+"/api/v1/widget/ws?token="+url.QueryEscape(s.VisitorToken)).conn.CloseNow()
}
