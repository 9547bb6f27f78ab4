package agentdesk

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/audit"
)

// The admin and supervisor responses write times as the API does: UTC with
// exactly three fractional digits.
func TestResponseTimesHaveMilliseconds(t *testing.T) {
	at := time.Date(2026, 11, 29, 13, 1, 17, 260e6, time.FixedZone("EST", -5*3600))
	const want = `"2026-11-29T18:01:17.260Z"`
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
