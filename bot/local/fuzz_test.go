package local

import (
	"strings"
	"testing"
	"unicode/utf8"

	civicdesk "github.com/civicdesk/civicdesk"
)

// FuzzTriage checks that no input makes Triage panic or return a malformed
// triage.
func FuzzTriage(f *testing.F) {
	for _, s := range []string{
		"", "agent", "my water bill doubled", "¿Hablan español?", "房东不退押金",
		"زوجي يضربني", "it's -10 outside", "l'eau", "by the 15th in 3 days",
		"\xff\xfe\x00", "'''", "-", "ＡＢＣ", "e\u0301", strings.Repeat("ab ", 3000),
		"Subject: \n\nHello,\n", "ٱ", "ؤئ", "evict", "#th",
	} {
		f.Add(s, "sms")
	}
	tr := triager(f)
	f.Fuzz(func(t *testing.T, text, channel string) {
		got := tr.Triage(text, channel)
		if got.Confidence < 0 || got.Confidence > 1 {
			t.Errorf("confidence %v", got.Confidence)
		}
		if got.Department == "" || got.Language == "" || got.Urgency == "" {
			t.Errorf("empty field in %+v", got)
		}
		if got.Urgency != civicdesk.UrgencyNormal && got.Urgency != civicdesk.UrgencyHigh && got.Urgency != civicdesk.UrgencyEmergency {
			t.Errorf("urgency %q", got.Urgency)
		}
		if !utf8.ValidString(got.Summary) || utf8.RuneCountInString(got.Summary) > summaryRunes {
			t.Errorf("summary %q", got.Summary)
		}
		for _, r := range got.Reasons {
			if !utf8.ValidString(r) {
				t.Errorf("reason %q", r)
			}
		}
	})
}
