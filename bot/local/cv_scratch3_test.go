package local

import (
	"fmt"
	"os"
	"testing"
)

func TestScratchUrg(t *testing.T) {
	if os.Getenv("URG") == "" {
		t.Skip()
	}
	own, dev, _ := trainingSets()
	fh, _ := os.Open("/tmp/chal.jsonl")
	chal, _ := ReadLabeled(fh)
	for _, th := range [][2]float32{{2, 2}, {0.5, 0.6}, {0.4, 0.5}, {0.3, 0.5}, {0.25, 0.4}, {0.2, 0.4}} {
		urgEmergencyMin, urgHighMin = th[0], th[1]
		r, _ := CrossValidate(own, dev, 5)
		tr, _ := trainTriager(own)
		r2 := Evaluate(tr, dev)
		fmt.Printf("th %v  CV: em P %.3f R %.3f high P %.3f R %.3f acc %.3f | own->dev em P %.3f R %.3f high P %.3f R %.3f acc %.3f\n", th,
			r.Emergency.Precision, r.Emergency.Recall, r.High.Precision, r.High.Recall, r.UrgencyAccuracy,
			r2.Emergency.Precision, r2.Emergency.Recall, r2.High.Precision, r2.High.Recall, r2.UrgencyAccuracy)
		_ = chal
	}
}
