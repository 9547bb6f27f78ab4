package local

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestScratchDbg(t *testing.T) {
	if os.Getenv("DBG") == "" {
		t.Skip()
	}
	own, dev, _ := trainingSets()
	var train []Labeled
	train = append(train, own...)
	for i, r := range dev {
		if i%5 != 0 {
			train = append(train, r)
		}
	}
	tr, _ := trainTriager(train)
	for _, s := range strings.Split(os.Getenv("DBG"), ";") {
		got := tr.Triage(s, "sms")
		fmt.Printf("%q\n  %s %s %s %v\n  %s\n", s, got.Department, got.Urgency, got.Language, got.WantsHuman, strings.Join(got.Reasons, " | "))
	}
}
