package local

import (
	"fmt"
	"os"
	"testing"
)

func TestScratchUrgTune(t *testing.T) {
	f := os.Getenv("UT")
	if f == "" {
		t.Skip()
	}
	own, dev, _ := trainingSets()
	fh, _ := os.Open(f)
	test, _ := ReadLabeled(fh)
	for _, w := range [][nGroups]float32{
		{gWord: 1, gBigram: 0.8, gChar: 0.3, gLexicon: 1.5},
		{gWord: 1, gBigram: 0.8, gChar: 0, gLexicon: 1.5},
		{gWord: 1, gBigram: 0.5, gChar: 0, gLexicon: 3},
		{gWord: 0.5, gBigram: 0.3, gChar: 0, gLexicon: 3},
		{gWord: 1, gBigram: 0.5, gChar: 0.2, gLexicon: 4},
	} {
		for _, o := range []trainOpts{
			{epochs: 16, lr: 3, l2: 2e-5, minFreq: 1, idf: true, average: true},
			{epochs: 16, lr: 3, l2: 2e-5, minFreq: 1, idf: false, average: true},
		} {
			urgGroupW, urgOpts = w, o
			tr, _ := trainTriager(append(own, dev...))
			fmt.Printf("%v idf=%v:", w, o.idf)
			for _, th := range []float32{0.5, 0.3, 0.2, 0.1} {
				urgEmergencyMin = th
				r := Evaluate(tr, test)
				r2 := Evaluate(tr, dev)
				fmt.Printf("  %.2f: P %.2f R %.2f (dev P %.2f)", th, r.Emergency.Precision, r.Emergency.Recall, r2.Emergency.Precision)
			}
			fmt.Println()
		}
	}
}
