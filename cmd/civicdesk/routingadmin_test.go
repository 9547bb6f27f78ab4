package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/agentdesk"
	"github.com/nats-io/nats-server/v2/server"
)

type deptRoutingView struct {
	DepartmentID string                 `json:"departmentId"`
	Routing      agentdesk.DeptRouting  `json:"routing"`
	Override     *agentdesk.DeptRouting `json:"override"`
}

// An admin closes every department live (a holiday today), the widget
// says closed and a new conversation waits although a caseworker is
// available; bad settings are refused and change nothing; supervisors and
// caseworkers cannot change them; reopening the conversation's department
// routes it at once, and its service-level target reaches the supervisors'
// queues.
func TestAdminChangesDepartmentRoutingLive(t *testing.T) {
	dataDir := t.TempDir()
	addAdmin(t, dataDir)
	base, _, _ := startMain(t, dataDir)
	admin := login(t, base, adminEmail)
	sup := login(t, base, "supervisor@demo.gov")
	caseworker := login(t, base, "agent1@demo.gov") // every department, and available
	anon := api{t: t, base: base}

	waitAvailability := func(want string) availability {
		t.Helper()
		var av availability
		deadline := time.Now().Add(15 * time.Second)
		for anon.must("GET", "/api/v1/widget/availability", nil, &av, 200); av.Status != want; anon.must("GET", "/api/v1/widget/availability", nil, &av, 200) {
			if time.Now().After(deadline) {
				t.Fatalf("availability = %+v, want %s", av, want)
			}
			time.Sleep(200 * time.Millisecond) // the widget caches its answer a few seconds
		}
		return av
	}
	waitAvailability("open")

	// Closed today (yesterday and tomorrow too, should the test cross
	// midnight), open all day otherwise.
	now := time.Now().UTC()
	allDay := []map[string]string{{"from": "00:00", "to": "24:00"}}
	closed := map[string]any{"strategy": "least_busy", "serviceLevelTarget": "45s", "serviceLevelGoal": 0.9, "hours": map[string]any{
		"timeZone": "UTC", "week": [][]map[string]string{allDay, allDay, allDay, allDay, allDay, allDay, allDay},
		"holidays": []string{now.AddDate(0, 0, -1).Format("2006-01-02"), now.Format("2006-01-02"), now.AddDate(0, 0, 1).Format("2006-01-02")}}}
	var view deptRoutingView
	for _, d := range demoDepartments {
		admin.must("PUT", "/api/v1/admin/departments/"+d.ID+"/routing", closed, &view, 200)
	}
	if view.Override == nil || view.Routing.Hours == nil || len(view.Routing.Hours.Holidays) != 3 || view.Routing.Strategy != "least_busy" ||
		view.Routing.Mode != "direct" || time.Duration(view.Routing.OfferTimeout) != 30*time.Second {
		t.Fatalf("settings in force after PUT = %+v (override %+v)", view.Routing, view.Override)
	}
	av := waitAvailability("closed")
	if av.OpensAt == nil || !av.OpensAt.After(now.AddDate(0, 0, 1)) {
		t.Fatalf("closed, opening %v: want after the holidays", av.OpensAt)
	}

	// A citizen writes: the conversation waits, agent1 is available.
	var sess session
	anon.must("POST", "/api/v1/widget/sessions", map[string]string{}, &sess, 201)
	api{t: t, base: base, token: sess.VisitorToken}.must("POST", "/api/v1/widget/messages",
		map[string]string{"clientMessageId": uuid(1), "text": "I want to talk to a person about my water bill"}, nil, 202)
	var list struct {
		Conversations []civicdesk.Conversation `json:"conversations"`
	}
	deadline := time.Now().Add(15 * time.Second)
	for sup.must("GET", "/api/v1/supervisor/conversations?state=queued", nil, &list, 200); len(list.Conversations) != 1; sup.must("GET", "/api/v1/supervisor/conversations?state=queued", nil, &list, 200) {
		if time.Now().After(deadline) {
			t.Fatalf("queued = %+v", list.Conversations)
		}
		time.Sleep(100 * time.Millisecond)
	}
	conv := list.Conversations[0]
	dept := conv.DepartmentID
	time.Sleep(1500 * time.Millisecond) // routing ticks every second
	var one struct {
		Conversation civicdesk.Conversation `json:"conversation"`
	}
	sup.must("GET", "/api/v1/desk/conversations/"+conv.ID, nil, &one, 200)
	if one.Conversation.State != civicdesk.StateQueued || one.Conversation.AssignedAgentID != "" {
		t.Fatalf("a closed office's conversation was assigned: %+v", one.Conversation)
	}

	// Bad settings: 400 with a clear message, nothing changed.
	path := "/api/v1/admin/departments/" + dept + "/routing"
	var before deptRoutingView
	sup.must("GET", path, nil, &before, 200)
	for name, bad := range map[string]any{
		"strategy":  map[string]any{"strategy": "fastest"},
		"mode":      map[string]any{"mode": "maybe"},
		"time zone": map[string]any{"hours": map[string]any{"timeZone": "Mars/Olympus", "week": make([][]any, 7)}},
		"span":      map[string]any{"hours": map[string]any{"week": [][]map[string]string{{{"from": "17:00", "to": "09:00"}}, {}, {}, {}, {}, {}, {}}}},
		"week":      map[string]any{"hours": map[string]any{"week": [][]any{{}, {}}}},
		"holiday":   map[string]any{"hours": map[string]any{"week": make([][]any, 7), "holidays": []string{"25/12/2026"}}},
		"goal":      map[string]any{"serviceLevelGoal": 80},
		"offer":     map[string]any{"mode": "offer", "offerTimeout": "10ms"},
		"duration":  map[string]any{"serviceLevelTarget": "soon"},
		"field":     map[string]any{"colour": "red"},
	} {
		var e struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		code := admin.do("PUT", path, bad, &e)
		if code != 400 || e.Error.Message == "" || name == "duration" && !strings.Contains(e.Error.Message, `"soon"`) {
			t.Errorf("%s: %d %+v, want 400 with a message", name, code, e)
		}
	}
	var after deptRoutingView
	sup.must("GET", path, nil, &after, 200)
	if after.Override == nil || after.Override.Hours == nil || len(after.Override.Hours.Holidays) != 3 || after.Routing.Strategy != before.Routing.Strategy {
		t.Fatalf("a refused setting changed something: %+v", after)
	}
	admin.must("PUT", "/api/v1/admin/departments/nope/routing", map[string]any{}, nil, 404)

	// Only admins change routing.
	var denied struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	sup.must("PUT", path, map[string]any{}, &denied, 403)
	if !strings.Contains(denied.Error.Message, "routing settings") {
		t.Errorf("a supervisor's refusal says %q", denied.Error.Message)
	}
	caseworker.must("PUT", path, map[string]any{}, nil, 403)
	caseworker.must("GET", path, nil, nil, 403)

	// Open again (no hours: always open) with a 90 s target: routed at once.
	view = deptRoutingView{}
	admin.must("PUT", path, map[string]any{"serviceLevelTarget": 90, "serviceLevelGoal": 0.75}, &view, 200)
	if view.Routing.Hours != nil || time.Duration(view.Routing.ServiceLevelTarget) != 90*time.Second {
		t.Fatalf("reopened settings = %+v", view.Routing)
	}
	deadline = time.Now().Add(10 * time.Second)
	for sup.must("GET", "/api/v1/desk/conversations/"+conv.ID, nil, &one, 200); one.Conversation.State != civicdesk.StateAssigned; sup.must("GET", "/api/v1/desk/conversations/"+conv.ID, nil, &one, 200) {
		if time.Now().After(deadline) {
			t.Fatalf("not routed once open: %+v", one.Conversation)
		}
		time.Sleep(100 * time.Millisecond)
	}
	waitAvailability("open")
	var queues struct {
		Queues []struct {
			DepartmentID              string  `json:"departmentId"`
			ServiceLevelTargetSeconds float64 `json:"serviceLevelTargetSeconds"`
		} `json:"queues"`
	}
	sup.must("GET", "/api/v1/supervisor/queues", nil, &queues, 200)
	targets := map[string]float64{}
	for _, q := range queues.Queues {
		targets[q.DepartmentID] = q.ServiceLevelTargetSeconds
	}
	if targets[dept] != 90 || targets["taxes"] != 45 && dept != "taxes" {
		t.Fatalf("service-level targets = %v (department %s)", targets, dept)
	}
	var whole struct {
		Routing struct {
			Departments map[string]struct {
				Strategy string `json:"strategy"`
			} `json:"departments"`
		} `json:"routing"`
	}
	sup.must("GET", "/api/v1/admin/routing", nil, &whole, 200)
	if whole.Routing.Departments["permits"].Strategy != "least_busy" || dept != "permits" && whole.Routing.Departments[dept].Strategy != "" {
		t.Fatalf("routing in force = %+v", whole.Routing)
	}

	// Every change is in the audit trail.
	var trail struct {
		Entries []struct {
			Actor, Action, Target string
		} `json:"entries"`
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		sup.must("GET", "/api/v1/supervisor/audit", nil, &trail, 200)
		n := 0
		for _, e := range trail.Entries {
			if e.Action == "config" && e.Target == "department/"+dept+"/routing" && strings.HasPrefix(e.Actor, "ag_") {
				n++
			}
		}
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("audit entries for %s routing: %d, want 2 (%+v)", dept, n, trail.Entries)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A change made on one replica is in force on the other at once: the
// replica that runs routing holds a conversation of a department closed on
// the other, its widget says closed, and it routes the conversation when
// the department is opened again there.
func TestRoutingSettingsReachEveryReplica(t *testing.T) {
	if testing.Short() {
		t.Skip("starts NATS, FerretDB and two civicdesk processes")
	}
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true, MaxPayload: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS did not start")
	}
	mongoURI := startFerretDB(t)
	var out, errOut strings.Builder
	if code := Main(context.Background(), []string{"agent", "add", "--email", adminEmail, "--name", "Ada Admin", "--role", "admin",
		"--mongodb-uri", mongoURI, "--mongodb-database", "cluster", "--data-dir", t.TempDir()},
		strings.NewReader(DemoPassword+"\n"), &out, &errOut, func(string) string { return "" }); code != 0 {
		t.Fatalf("agent add = %d: %s", code, errOut.String())
	}
	start := func(name string) *replica {
		c := startChildArgs(t, "serve", "--demo", "--http-addr", "127.0.0.1:0", "--smtp-addr", "127.0.0.1:0",
			"--data-dir", t.TempDir(), "--rate-limit", "off", "--nats-url", ns.ClientURL(), "--nats-replicas", "1",
			"--mongodb-uri", mongoURI, "--mongodb-database", "cluster")
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("replica %s output:\n%s", name, c.out.String())
			}
		})
		return &replica{child: c, name: name}
	}
	a := start("A")
	if h := routingHolder(t, 15*time.Second, a); h != a {
		t.Fatalf("routing on %s", h.name)
	}
	b := start("B")
	admin := login(t, b.url, adminEmail) // on the replica that does not route
	login(t, a.url, "agent1@demo.gov")   // available, every department
	now := time.Now().UTC()
	closed := map[string]any{"serviceLevelTarget": "30s", "hours": map[string]any{"timeZone": "UTC", "week": make([][]any, 7),
		"holidays": []string{now.Format("2006-01-02")}}}
	for _, d := range demoDepartments {
		admin.must("PUT", "/api/v1/admin/departments/"+d.ID+"/routing", closed, nil, 200)
	}
	onA := api{t: t, base: a.url}
	var av availability
	deadline := time.Now().Add(15 * time.Second)
	for onA.must("GET", "/api/v1/widget/availability", nil, &av, 200); av.Status != "closed"; onA.must("GET", "/api/v1/widget/availability", nil, &av, 200) {
		if time.Now().After(deadline) {
			t.Fatalf("replica A's widget after closing on B: %+v", av)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var queues struct {
		Queues []struct {
			DepartmentID              string  `json:"departmentId"`
			ServiceLevelTargetSeconds float64 `json:"serviceLevelTargetSeconds"`
		} `json:"queues"`
	}
	login(t, a.url, "supervisor@demo.gov").must("GET", "/api/v1/supervisor/queues", nil, &queues, 200)
	for _, q := range queues.Queues {
		if q.ServiceLevelTargetSeconds != 30 {
			t.Fatalf("replica A's service level of %s: %v s, want 30", q.DepartmentID, q.ServiceLevelTargetSeconds)
		}
	}

	var sess session
	onA.must("POST", "/api/v1/widget/sessions", map[string]string{}, &sess, 201)
	api{t: t, base: a.url, token: sess.VisitorToken}.must("POST", "/api/v1/widget/messages",
		map[string]string{"clientMessageId": uuid(7), "text": "I want to talk to a person about my water bill"}, nil, 202)
	var list struct {
		Conversations []civicdesk.Conversation `json:"conversations"`
	}
	deadline = time.Now().Add(15 * time.Second)
	for admin.must("GET", "/api/v1/supervisor/conversations?state=queued", nil, &list, 200); len(list.Conversations) != 1; admin.must("GET", "/api/v1/supervisor/conversations?state=queued", nil, &list, 200) {
		if time.Now().After(deadline) {
			t.Fatalf("queued = %+v", list.Conversations)
		}
		time.Sleep(100 * time.Millisecond)
	}
	conv := list.Conversations[0]
	time.Sleep(1500 * time.Millisecond)
	var one struct {
		Conversation civicdesk.Conversation `json:"conversation"`
	}
	admin.must("GET", "/api/v1/desk/conversations/"+conv.ID, nil, &one, 200)
	if one.Conversation.State != civicdesk.StateQueued {
		t.Fatalf("routed while closed: %+v", one.Conversation)
	}
	admin.must("PUT", "/api/v1/admin/departments/"+conv.DepartmentID+"/routing", map[string]any{}, nil, 200)
	deadline = time.Now().Add(10 * time.Second)
	for admin.must("GET", "/api/v1/desk/conversations/"+conv.ID, nil, &one, 200); one.Conversation.State != civicdesk.StateAssigned; admin.must("GET", "/api/v1/desk/conversations/"+conv.ID, nil, &one, 200) {
		if time.Now().After(deadline) {
			t.Fatalf("replica A did not route once B opened %s: %+v", conv.DepartmentID, one.Conversation)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
