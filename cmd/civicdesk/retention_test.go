package main

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/audit"
)

func TestRetentionDeletesExpiredConversationsEndToEnd(t *testing.T) {
	var skew atomic.Int64 // how far the retention clock runs ahead
	retentionClock = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	retentionEvery = 100 * time.Millisecond
	t.Cleanup(func() { retentionClock, retentionEvery = nil, 0 })

	dataDir := t.TempDir()
	base, stop, _ := startMain(t, dataDir)
	sup := login(t, base, "supervisor@demo.gov")
	agent := login(t, base, "agent1@demo.gov")
	ws := dial(t, base+"/api/v1/desk/ws?token="+agent.token)
	_, gone := startChat(t, base, ws, "agent please, my property tax bill mentions walrus-tundra-5521")
	_, kept := startChat(t, base, ws, "agent please, my water bill mentions heron-basalt-7734")
	if gone.DepartmentID == kept.DepartmentID {
		t.Fatalf("both chats went to %s: the test needs two departments", gone.DepartmentID)
	}
	for _, cv := range []civicdesk.Conversation{gone, kept} {
		agent.must("POST", "/api/v1/desk/conversations/"+cv.ID+"/close", map[string]string{"disposition": "resolved"}, nil, 200)
	}

	// Retention is set per department through the admin API, and checked.
	for _, bad := range []map[string]any{
		{"id": gone.DepartmentID, "name": "Taxes", "retentionDays": -1},
		{"id": gone.DepartmentID, "name": "Taxes", "retentionDays": 30, "retentionAction": "shred"},
	} {
		sup.must("PUT", "/api/v1/admin/departments", bad, nil, 400)
	}
	agent.must("PUT", "/api/v1/admin/departments", map[string]any{"id": gone.DepartmentID, "name": "Taxes", "retentionDays": 30}, nil, 403)
	var saved struct {
		Department civicdesk.Department `json:"department"`
	}
	sup.must("PUT", "/api/v1/admin/departments", map[string]any{"id": gone.DepartmentID, "name": "Taxes", "retentionDays": 30, "retentionAction": "delete"}, &saved, 200)
	if saved.Department.RetentionDays != 30 || saved.Department.RetentionAction != "delete" {
		t.Fatalf("saved %+v", saved.Department)
	}
	// A rename that leaves retention out keeps it.
	sup.must("PUT", "/api/v1/admin/departments", map[string]any{"id": gone.DepartmentID, "name": "Taxes and fees"}, &saved, 200)
	var list struct {
		Departments []civicdesk.Department `json:"departments"`
	}
	sup.must("GET", "/api/v1/desk/departments", nil, &list, 200)
	found := false
	for _, d := range list.Departments {
		if d.ID == gone.DepartmentID {
			found = d.RetentionDays == 30 && d.RetentionAction == "delete" && d.Name == "Taxes and fees"
		}
	}
	if !found {
		t.Fatalf("departments = %+v", list.Departments)
	}

	// Not yet due: both stay through several runs.
	time.Sleep(400 * time.Millisecond)
	sup.must("GET", "/api/v1/desk/conversations/"+gone.ID, nil, nil, 200)
	// 31 days later the taxes conversation is gone; the other department
	// keeps its conversations forever.
	skew.Store(int64(31 * 24 * time.Hour))
	deadline := time.Now().Add(15 * time.Second)
	for sup.do("GET", "/api/v1/desk/conversations/"+gone.ID, nil, nil) != http.StatusNotFound {
		if time.Now().After(deadline) {
			t.Fatal("the expired conversation was never deleted")
		}
		time.Sleep(100 * time.Millisecond)
	}
	sup.must("GET", "/api/v1/desk/conversations/"+kept.ID, nil, nil, 200)

	// The runs are in the audit trail with counts only. The trail is
	// written by its own consumer, so the entry may come a moment after the
	// deletion shows.
	for deleted := false; !deleted; time.Sleep(100 * time.Millisecond) {
		var trail struct {
			Entries []audit.Entry `json:"entries"`
		}
		sup.must("GET", "/api/v1/supervisor/audit?limit=10000", nil, &trail, 200)
		for _, e := range trail.Entries {
			if e.Action == "retention" {
				if e.Actor != "system" || len(e.Detail) > 3 {
					t.Fatalf("retention entry %+v", e)
				}
				deleted = deleted || e.Detail["deleted"] == "1"
			}
		}
		if !deleted && time.Now().After(deadline) {
			t.Fatal("no audited retention run deleted the conversation")
		}
	}
	time.Sleep(300 * time.Millisecond)
	if code := stop(); code != 0 {
		t.Fatalf("stop = %d", code)
	}
	// Nothing on disk (store, streams) holds the deleted text; the kept one
	// is still there.
	if n := filesHolding(t, dataDir, "walrus-tundra-5521"); n != 0 {
		t.Fatalf("%d files still hold the deleted conversation's text", n)
	}
	if n := filesHolding(t, dataDir, "heron-basalt-7734"); n == 0 {
		t.Fatal("the kept conversation's text is gone")
	}
}
