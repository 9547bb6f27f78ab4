package local

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func TestScratchCV(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	own, dev, err := trainingSets()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r, err := CrossValidate(own, dev, 5)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("cv time", time.Since(start))
	fmt.Println(r)
	for _, m := range r.Misses {
		if os.Getenv("SCRATCH") == "all" || os.Getenv("SCRATCH") == m.Field {
			fmt.Printf("%s %-11s want %-9s got %-9s %q\n", m.ID, m.Field, m.Want, m.Got, trunc(m.Text))
		}
	}
}

func trunc(s string) string {
	r := []rune(s)
	if len(r) > 150 {
		return string(r[:150])
	}
	return s
}

func TestScratchOwnOnly(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	own, dev, _ := trainingSets()
	start := time.Now()
	tr, err := trainTriager(own)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("train time own only", time.Since(start))
	r := Evaluate(tr, dev)
	fmt.Println("OWN ONLY -> DEV")
	fmt.Println(r)
	for _, m := range r.Misses {
		if os.Getenv("SCRATCH") == "own-"+m.Field {
			fmt.Printf("%s %-11s want %-9s got %-9s %q\n", m.ID, m.Field, m.Want, m.Got, trunc(m.Text))
		}
	}
}

func TestScratchOwnLex(t *testing.T) {
	if os.Getenv("LEX") == "" {
		t.Skip()
	}
	own, dev, _ := trainingSets()
	tr, _ := trainTriager(append(own, dev...))
	r := Evaluate(tr, own)
	fmt.Println(r)
	for _, m := range r.Misses {
		if m.Field != "department" {
			fmt.Printf("%s %-11s want %-9s got %-9s %q\n", m.ID, m.Field, m.Want, m.Got, trunc(m.Text))
		}
	}
}

func TestScratchChal(t *testing.T) {
	f := os.Getenv("CHAL")
	if f == "" {
		t.Skip()
	}
	fh, _ := os.Open(f)
	rows, err := ReadLabeled(fh)
	if err != nil {
		t.Fatal(err)
	}
	own, dev, _ := trainingSets()
	tr, _ := trainTriager(append(own, dev...))
	r := Evaluate(tr, rows)
	fmt.Println(r)
	for _, m := range r.Misses {
		fmt.Printf("%s %-11s want %-9s got %-9s %q\n", m.ID, m.Field, m.Want, m.Got, trunc(m.Text))
	}
}
