package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/testworld"
)

// The fan-out consumer hears only the event types some endpoint wants
// (with no endpoint, no message event at all), follows the endpoints as
// they change, and an endpoint gets exactly the events it asked for.
func TestFanOutHearsOnlyWhatEndpointsWant(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns, bus := testworld.Bus(t)
	store := testworld.Store(t)
	log := testworld.Quiet()
	js := testworld.JetStream(t, ns)

	var mu sync.Mutex
	var got []string
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("CivicDesk-Event"))
		mu.Unlock()
	}))
	t.Cleanup(endpoint.Close)

	d := New(Config{Reload: time.Hour}, store, bus, log) // changes are announced with Changed
	runDone := make(chan error, 1)
	go func() { runDone <- d.Run(ctx) }()

	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	filters := func() []string {
		c, err := js.Consumer(ctx, civicdesk.StreamEvents, "webhooks")
		if err != nil {
			return nil
		}
		info, err := c.Info(ctx)
		if err != nil {
			return nil
		}
		fs := slices.Clone(info.Config.FilterSubjects)
		if info.Config.FilterSubject != "" {
			fs = append(fs, info.Config.FilterSubject)
		}
		slices.Sort(fs)
		return fs
	}
	wantFilters := func(want ...string) {
		t.Helper()
		slices.Sort(want)
		var have []string
		defer func() {
			if t.Failed() {
				t.Logf("the fan-out's filters were %v", have)
			}
		}()
		waitFor(fmt.Sprintf("filters %v", want), func() bool { have = filters(); return slices.Equal(have, want) })
	}
	save := func(events ...string) {
		t.Helper()
		data, _ := json.Marshal(Endpoint{ID: "crm", URL: endpoint.URL, Events: events})
		if err := store.PutRecord(ctx, civicdesk.Record{Kind: endpointKind, Key: "crm", Value: data, UpdatedAt: civicdesk.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := d.Changed(ctx); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	publish := func(verb string) {
		t.Helper()
		n++
		data, _ := json.Marshal(civicdesk.Event{Type: civicdesk.EventTypeOf(verb), Conversation: &civicdesk.Conversation{ID: "cv_1"}})
		if _, _, err := bus.Publish(ctx, civicdesk.ConvSubject(verb, "cv_1"), data, fmt.Sprintf("test:%d", n)); err != nil {
			t.Fatal(err)
		}
	}

	wantFilters(civicdesk.ConvSubject(civicdesk.VerbCreated, "*"))
	save("conversation.closed")
	wantFilters(civicdesk.ConvSubject(civicdesk.VerbClosed, "*"))
	publish(civicdesk.VerbMessage)
	publish(civicdesk.VerbClosed)
	waitFor("the closed event", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 1 })

	save("conversation.closed", "message")
	wantFilters(civicdesk.ConvSubject(civicdesk.VerbClosed, "*"), civicdesk.ConvSubject(civicdesk.VerbMessage, "*"))
	publish(civicdesk.VerbAssigned)
	publish(civicdesk.VerbMessage)
	waitFor("the message event", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 2 })
	time.Sleep(200 * time.Millisecond) // anything more would have come by now
	mu.Lock()
	if fmt.Sprint(got) != "[conversation.closed message]" {
		t.Errorf("the endpoint got %v, want [conversation.closed message]", got)
	}
	mu.Unlock()

	cancel()
	select {
	case err := <-runDone:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}
