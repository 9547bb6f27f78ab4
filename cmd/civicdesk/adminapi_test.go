package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/bot"
)

func TestAdminRegistersExternalBotThatHandsOff(t *testing.T) {
	var calls atomic.Int32
	ext := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req bot.ExternalRequest
		if json.NewDecoder(r.Body).Decode(&req) != nil || r.Header.Get("CivicDesk-Signature") == "" {
			http.Error(w, "bad", 400)
			return
		}
		calls.Add(1)
		_, _ = w.Write([]byte(`{"action":"handoff","department":"housing","urgency":"high","summary":"tenant needs help"}`))
	}))
	defer ext.Close()

	base, _, _ := startMain(t, t.TempDir())
	sup := login(t, base, "supervisor@demo.gov")
	sup.must("PUT", "/api/v1/admin/external-bot", map[string]any{"enabled": true, "url": ext.URL, "secret": "bot-secret-of-some-length"}, nil, 200)
	sup.must("PUT", "/api/v1/admin/external-bot", map[string]any{"enabled": true, "url": "not a url"}, nil, 400)
	var got struct {
		ExternalBot struct {
			URL, Secret string
			Enabled     bool
		} `json:"externalBot"`
	}
	sup.must("GET", "/api/v1/admin/external-bot", nil, &got, 200)
	if got.ExternalBot.URL != ext.URL || got.ExternalBot.Secret == "bot-secret-of-some-length" || !got.ExternalBot.Enabled {
		t.Fatalf("external bot = %+v (the secret must stay hidden)", got.ExternalBot)
	}
	login(t, base, "agent1@demo.gov").must("PUT", "/api/v1/admin/external-bot", map[string]any{"enabled": false}, nil, 403)
	time.Sleep(2100 * time.Millisecond) // the bot re-reads its settings every 2 s

	agent2 := login(t, base, "agent2@demo.gov") // benefits and housing
	ws := dial(t, base+"/api/v1/desk/ws?token="+agent2.token)
	var sess session
	api{t: t, base: base}.must("POST", "/api/v1/widget/sessions", map[string]string{}, &sess, 201)
	api{t: t, base: base, token: sess.VisitorToken}.must("POST", "/api/v1/widget/messages", map[string]string{"clientMessageId": uuid(1), "text": "question about my rent"}, nil, 202)
	ev := ws.waitFor("the external bot's hand-off", func(ev civicdesk.Event) bool {
		return ev.Type == "conversation.assigned" && ev.Conversation.DepartmentID == "housing"
	})
	if calls.Load() == 0 || ev.Conversation.Triage == nil || ev.Conversation.Triage.Urgency != civicdesk.UrgencyHigh {
		t.Fatalf("calls %d, conversation %+v", calls.Load(), ev.Conversation)
	}

	// Agents and departments.
	sup.must("PUT", "/api/v1/admin/departments", map[string]string{"id": "parks", "name": "Parks"}, nil, 200)
	sup.must("PUT", "/api/v1/admin/departments", map[string]string{"id": "Bad!", "name": "x"}, nil, 400)
	var created struct {
		Agent civicdesk.Agent `json:"agent"`
	}
	sup.must("PUT", "/api/v1/admin/agents", map[string]any{"email": "ranger@demo.gov", "name": "Ranger", "role": "caseworker",
		"departments": []string{"parks"}, "password": "a-long-enough-password"}, &created, 200)
	sup.must("PUT", "/api/v1/admin/agents", map[string]any{"email": "root@demo.gov", "name": "Root", "role": "admin", "password": "a-long-enough-password"}, nil, 403)
	sup.must("PUT", "/api/v1/admin/agents", map[string]any{"email": "x@demo.gov", "name": "X", "role": "caseworker", "departments": []string{"nope"}, "password": "a-long-enough-password"}, nil, 400)
	var signin struct {
		Token string `json:"token"`
	}
	api{t: t, base: base}.must("POST", "/api/v1/desk/login", map[string]string{"email": "ranger@demo.gov", "password": "a-long-enough-password"}, &signin, 200)
	ranger := api{t: t, base: base, token: signin.Token}
	ranger.must("GET", "/api/v1/desk/me", nil, nil, 200)
	sup.must("PUT", "/api/v1/admin/agents", map[string]any{"id": created.Agent.ID, "email": "ranger@demo.gov", "name": "Ranger", "role": "caseworker",
		"departments": []string{"parks"}, "disabled": true}, nil, 200)
	ranger.must("GET", "/api/v1/desk/me", nil, nil, 401)
}
