package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk/webhooks"
)

func TestWebhooksSignedDeliveredAndIsolated(t *testing.T) {
	const secret = "a-webhook-secret-of-some-length"
	var mu sync.Mutex
	got := map[string]int{}   // delivery id → times accepted
	tries := map[string]int{} // delivery id → attempts
	types := map[string]bool{}
	bad := 0
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !webhooks.Verify(secret, r.Header.Get("CivicDesk-Signature"), body, time.Now(), 5*time.Minute) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var d webhooks.Delivery
		if err := json.Unmarshal(body, &d); err != nil || d.ID != r.Header.Get("CivicDesk-Delivery") {
			http.Error(w, "bad body", 400)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		// The first attempt of every delivery fails: it must come again.
		if tries[d.ID]++; tries[d.ID] == 1 {
			http.Error(w, "try later", 500)
			return
		}
		got[d.ID]++
		types[d.Type] = true
	}))
	defer good.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		bad++
		mu.Unlock()
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer failing.Close()

	base, _, logs := startMain(t, t.TempDir())
	defer func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	}()
	sup := login(t, base, "supervisor@demo.gov")
	all := []string{"conversation.created", "conversation.assigned", "message", "conversation.closed", "conversation.rated"}
	sup.must("PUT", "/api/v1/admin/webhooks", map[string]any{"id": "down", "url": failing.URL, "secret": secret, "events": all}, nil, 200)
	sup.must("PUT", "/api/v1/admin/webhooks", map[string]any{"id": "crm", "url": good.URL, "secret": secret, "events": all}, nil, 200)
	sup.must("PUT", "/api/v1/admin/webhooks", map[string]any{"id": "x", "url": "ftp://x", "secret": secret, "events": all}, nil, 400)
	sup.must("PUT", "/api/v1/admin/webhooks", map[string]any{"id": "y", "url": good.URL, "secret": secret, "events": []string{"nope"}}, nil, 400)
	login(t, base, "agent1@demo.gov").must("GET", "/api/v1/admin/webhooks", nil, nil, 403)
	var list struct {
		Webhooks []webhooks.Endpoint `json:"webhooks"`
	}
	sup.must("GET", "/api/v1/admin/webhooks", nil, &list, 200)
	if len(list.Webhooks) != 2 || list.Webhooks[0].Secret == secret {
		t.Fatalf("list = %+v (secrets must be hidden)", list.Webhooks)
	}

	var sess session
	api{t: t, base: base}.must("POST", "/api/v1/widget/sessions", map[string]string{}, &sess, 201)
	citizen := api{t: t, base: base, token: sess.VisitorToken}
	citizen.must("POST", "/api/v1/widget/messages", map[string]string{"clientMessageId": uuid(1), "text": "how do I renew my driver's license?"}, nil, 202)
	citizen.must("POST", "/api/v1/widget/conversation/close", nil, nil, 200)
	citizen.must("POST", "/api/v1/widget/conversation/rating", map[string]any{"score": 4}, nil, 200)

	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		ok := types["conversation.created"] && types["message"] && types["conversation.closed"] && types["conversation.rated"] && bad > 0
		mu.Unlock()
		if ok {
			break
		}
		if time.Now().After(deadline) {
			mu.Lock()
			t.Fatalf("good endpoint got %v; failing endpoint was tried %d times", types, bad)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	for id, n := range got {
		if n != 1 {
			t.Errorf("delivery %s received %d times", id, n)
		}
	}
	mu.Unlock()
	var log struct {
		Deliveries []webhooks.Attempt `json:"deliveries"`
	}
	sup.must("GET", "/api/v1/admin/webhooks/down/deliveries", nil, &log, 200)
	if len(log.Deliveries) == 0 || log.Deliveries[0].Delivered || log.Deliveries[0].Status != 503 {
		t.Fatalf("failing endpoint's log = %+v", log.Deliveries)
	}
}
