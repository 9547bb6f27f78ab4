package local

import (
	"fmt"
	"os"
	"testing"

	civicdesk "github.com/civicdesk/civicdesk"
)

// pooled CV over own+dev+extra files, reporting emergency P/R at thresholds.
func TestScratchPooled(t *testing.T) {
	if os.Getenv("POOL") == "" {
		t.Skip()
	}
	own, dev, _ := trainingSets()
	all := append(append([]Labeled(nil), own...), dev...)
	for _, e := range []string{} {
		fh, _ := os.Open(e)
		x, _ := ReadLabeled(fh)
		all = append(all, x...)
	}
	k := 5
	ths := []float32{0.5, 0.3, 0.2, 0.15, 0.1}
	preds := make([][]civicdesk.Triage, len(ths))
	for i := range preds {
		preds[i] = make([]civicdesk.Triage, len(all))
	}
	for f := 0; f < k; f++ {
		var train []Labeled
		for i, r := range all {
			if i%k != f {
				train = append(train, r)
			}
		}
		tr, _ := trainTriager(train)
		for ti, th := range ths {
			urgEmergencyMin = th
			for i, r := range all {
				if i%k == f {
					preds[ti][i] = tr.Triage(r.Text, r.Channel)
				}
			}
		}
	}
	for ti, th := range ths {
		r := compare(all, preds[ti])
		fmt.Printf("th %.2f: em P %.3f R %.3f (n=%d)  high P %.3f R %.3f  dept F1 %.3f\n", th, r.Emergency.Precision, r.Emergency.Recall, r.Emergency.Support, r.High.Precision, r.High.Recall, r.MacroF1)
		if os.Getenv("POOL") == "v" && th == 0.15 {
			for _, m := range r.Misses {
				if m.Field == "urgency" && (m.Want == "emergency" || m.Got == "emergency") {
					fmt.Printf("   %s want %s got %s %q\n", m.ID, m.Want, m.Got, trunc(m.Text))
				}
			}
		}
	}
}
