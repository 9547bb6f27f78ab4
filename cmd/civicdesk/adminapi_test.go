package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
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

func TestRoutingSettingsFromFile(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/routing.yaml"
	if err := os.WriteFile(file, []byte("capacity: 3\ndefault: {strategy: least_busy, serviceLevelTarget: 45s}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _, _ := startMain(t, dir+"/data", "--routing-config", file)
	var got struct {
		Routing struct {
			Capacity int `json:"capacity"`
			Default  struct {
				Strategy string `json:"strategy"`
			} `json:"default"`
		} `json:"routing"`
	}
	login(t, base, "supervisor@demo.gov").must("GET", "/api/v1/admin/routing", nil, &got, 200)
	if got.Routing.Capacity != 3 || got.Routing.Default.Strategy != "least_busy" {
		t.Fatalf("routing settings = %+v", got.Routing)
	}
	var queues struct {
		Queues []struct {
			ServiceLevelTargetSeconds float64 `json:"serviceLevelTargetSeconds"`
		} `json:"queues"`
	}
	login(t, base, "supervisor@demo.gov").must("GET", "/api/v1/supervisor/queues", nil, &queues, 200)
	if len(queues.Queues) == 0 || queues.Queues[0].ServiceLevelTargetSeconds != 45 {
		t.Fatalf("queues = %+v", queues.Queues)
	}
	if code, out := run(t, "", "serve", "--routing-config", dir+"/missing.yaml", "--data-dir", dir+"/d2", "--http-addr", "127.0.0.1:0", "--smtp-addr", "127.0.0.1:0"); code == 0 || !strings.Contains(out, "routing-config") {
		t.Fatalf("a missing routing file: %d %s", code, out)
	}
}
