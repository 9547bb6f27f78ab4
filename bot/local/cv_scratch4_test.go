package local

import (
	"fmt"
	"os"
	"testing"
)

func TestScratchUrg2(t *testing.T) {
	f := os.Getenv("URG2")
	if f == "" {
		t.Skip()
	}
	own, dev, _ := trainingSets()
	var extra []Labeled
	for _, e := range []string{} {
		fh, _ := os.Open(e)
		x, _ := ReadLabeled(fh)
		extra = append(extra, x...)
	}
	fh, _ := os.Open(f)
	test, _ := ReadLabeled(fh)
	tr, _ := trainTriager(append(append(own, dev...), extra...))
	for _, th := range [][2]float32{{2, 2}, {0.5, 0.6}, {0.35, 0.6}, {0.25, 0.6}, {0.2, 0.6}, {0.15, 0.6}} {
		urgEmergencyMin, urgHighMin = th[0], th[1]
		r := Evaluate(tr, test)
		fmt.Printf("th %v  em P %.3f R %.3f high P %.3f R %.3f acc %.3f  human P %.3f R %.3f\n", th,
			r.Emergency.Precision, r.Emergency.Recall, r.High.Precision, r.High.Recall, r.UrgencyAccuracy, r.WantsHuman.Precision, r.WantsHuman.Recall)
		if os.Getenv("V") != "" && th[0] == 2 {
			for _, m := range r.Misses {
				if m.Field != "department" {
					fmt.Printf("   %s %-11s want %-9s got %-9s %q\n", m.ID, m.Field, m.Want, m.Got, trunc(m.Text))
				}
			}
		}
	}
}
