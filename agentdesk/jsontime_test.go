package agentdesk

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/audit"
)

// testTime is a time with a trailing zero in its milliseconds, off UTC;
// testTimeAPI is how the API writes it.
var testTime = time.Date(2026, 11, 29, 13, 1, 17, 260e6, time.FixedZone("EST", -5*3600))

const testTimeAPI = "2026-11-29T18:01:17.260Z"

// The admin and supervisor responses write times as the API does: UTC with
// exactly three fractional digits.
func TestResponseTimesHaveMilliseconds(t *testing.T) {
	at := testTime
	const want = `"` + testTimeAPI + `"`
	for _, tc := range []struct {
		v    any
		want []string // each in the output
		not  []string // none in it
	}{
		{KBArticle{ID: "a", UpdatedAt: at}, []string{`"updatedAt":` + want}, nil},
		{APIToken{ID: "tok_1", CreatedAt: at, ExpiresAt: &at, LastUsedAt: &at},
			[]string{`"id":"tok_1"`, `"createdAt":` + want, `"expiresAt":` + want, `"lastUsedAt":` + want}, nil},
		{APIToken{ID: "tok_1", CreatedAt: at}, []string{`"createdAt":` + want}, []string{"expiresAt", "lastUsedAt"}},
		{apiTokenRecord{APIToken: APIToken{ID: "tok_1", CreatedAt: at}, Hash: "h"}, []string{`"id":"tok_1"`, `"hash":"h"`}, nil},
		{Sample{At: at, Waiting: 2}, []string{`"at":` + want, `"waiting":2`}, nil},
		{agentView{Status: "away", StatusSince: (*civicdesk.JSONTime)(&at)}, []string{`"statusSince":` + want, `"status":"away"`}, nil},
		{agentView{Status: "away"}, []string{`"status":"away"`}, []string{"statusSince"}},
		{auditEntryView{Entry: audit.Entry{Seq: 7, Action: "view", At: at, Hash: "h"}, At: civicdesk.JSONTime(at)},
			[]string{`"at":` + want, `"seq":7`, `"action":"view"`, `"hash":"h"`}, []string{"17.26Z"}},
	} {
		got, err := json.Marshal(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(got), w) {
				t.Errorf("%T: %s lacks %s", tc.v, got, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(string(got), w) {
				t.Errorf("%T: %s has %s", tc.v, got, w)
			}
		}
	}
	// The stored record decodes as before, hash and times included.
	data, _ := json.Marshal(apiTokenRecord{APIToken: APIToken{ID: "tok_1", CreatedAt: at, ExpiresAt: &at}, Hash: "h"})
	var rec apiTokenRecord
	if err := json.Unmarshal(data, &rec); err != nil || rec.Hash != "h" || !rec.CreatedAt.Equal(at) || rec.ExpiresAt == nil || !rec.ExpiresAt.Equal(at) {
		t.Errorf("record %s decoded as %+v, %v", data, rec, err)
	}
}

// The audit trail's JSON and CSV write times as the rest of the API does,
// even where the stored entry's encoding drops the trailing zeros.
func TestAuditTrailTimesHaveMilliseconds(t *testing.T) {
	at := testTime
	const want = testTimeAPI
	entries := []audit.Entry{
		{Seq: 1, At: at, Actor: "=cmd()", Action: "view", Target: "cv_1", Detail: map[string]string{"b": "2", "a": "1"}, Hash: "h1"},
		{Seq: 2, At: at.Add(740 * time.Millisecond), Actor: "ag_1", Action: "close", PrevHash: "h1", Hash: "h2"},
	}
	stored, _ := json.Marshal(entries[0])
	if !strings.Contains(string(stored), `17.26-05:00"`) && !strings.Contains(string(stored), `17.26Z"`) {
		t.Fatalf("the stored encoding changed (the chain's hashes are over it): %s", stored)
	}

	data, err := json.Marshal(map[string]any{"entries": auditViews(entries)})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Entries []map[string]any `json:"entries"`
	}
	if err := json.Unmarshal(data, &got); err != nil || len(got.Entries) != 2 {
		t.Fatalf("%s: %v", data, err)
	}
	for i, wantAt := range []string{want, "2026-11-29T18:01:18.000Z"} {
		if got.Entries[i]["at"] != wantAt {
			t.Errorf("entry %d at %v, want %s", i+1, got.Entries[i]["at"], wantAt)
		}
	}
	if e := got.Entries[0]; e["seq"] != 1.0 || e["hash"] != "h1" || e["action"] != "view" || e["actor"] != "=cmd()" {
		t.Errorf("entry 1 lost fields: %v", e)
	}
	if data, _ := json.Marshal(map[string]any{"entries": auditViews(nil)}); string(data) != `{"entries":[]}` {
		t.Errorf("no entries: %s", data)
	}

	var b strings.Builder
	if err := writeAuditCSV(&b, entries); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("CSV %q: %v", b.String(), err)
	}
	if strings.Join(rows[0], ",") != "seq,at,actor,action,target,detail,prevHash,hash" {
		t.Errorf("header %v", rows[0])
	}
	if r := rows[1]; r[1] != want || r[2] != "'=cmd()" || r[5] != "a=1;b=2" {
		t.Errorf("row 1 %v: want time %s, the formula defused and the detail in key order", r, want)
	}
	if rows[2][1] != "2026-11-29T18:01:18.000Z" {
		t.Errorf("row 2 at %s", rows[2][1])
	}
}
