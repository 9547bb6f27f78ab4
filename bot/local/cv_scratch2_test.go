package local

import (
	"fmt"
	"os"
	"testing"
)

func TestScratchTune(t *testing.T) {
	if os.Getenv("TUNE") == "" {
		t.Skip()
	}
	own, dev, _ := trainingSets()
	type cfg struct {
		w [nGroups]float32
		o trainOpts
	}
	var cfgs []cfg
	for _, o := range []trainOpts{
		{epochs: 14, lr: 1.5, l2: 2e-5, minFreq: 1, idf: true},
		{epochs: 14, lr: 1.5, l2: 2e-5, minFreq: 1, idf: true, average: true},
		{epochs: 14, lr: 3, l2: 2e-5, minFreq: 1, idf: true, average: true},
		{epochs: 30, lr: 3, l2: 2e-5, minFreq: 1, idf: true, average: true},
		{epochs: 14, lr: 6, l2: 2e-5, minFreq: 1, idf: true, average: true},
	} {
		for _, w := range [][nGroups]float32{
			{gWord: 1, gBigram: 0.6, gChar: 0.4},
		} {
			cfgs = append(cfgs, cfg{w, o})
		}
	}
	for _, c := range cfgs {
		deptGroupW, deptOpts = c.w, c.o
		r, _ := CrossValidate(own, dev, 5)
		tr, _ := trainTriager(own)
		r2 := Evaluate(tr, dev)
		fmt.Printf("%+v %v  acc %.3f f1 %.3f   own-only f1 %.3f\n", c.o, c.w, r.Accuracy, r.MacroF1, r2.MacroF1)
	}
}
