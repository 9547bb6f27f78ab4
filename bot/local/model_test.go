package local

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestVocab(t *testing.T) {
	v := newVocab(4)
	r := rand.New(rand.NewPCG(1, 2))
	want := map[uint64]int32{}
	for i := 0; i < 5000; i++ { // grows several times
		h := r.Uint64()
		v.put(h, int32(i))
		want[h] = int32(i)
	}
	v.put(42, 7)
	v.put(42, 8) // overwrite
	want[42] = 8
	if v.n != len(want) {
		t.Fatalf("n = %d, want %d", v.n, len(want))
	}
	for h, i := range want {
		if got, ok := v.get(h); !ok || got != i {
			t.Fatalf("get(%d) = %d, %v; want %d", h, got, ok, i)
		}
	}
	if _, ok := v.get(12345); ok {
		t.Error("found a key never put")
	}
	n := 0
	for h := range want {
		if n%2 == 0 {
			v.remove(h)
			delete(want, h)
		}
		n++
	}
	v.remove(999) // absent: no effect
	for h, i := range want {
		if got, ok := v.get(h); !ok || got != i {
			t.Fatalf("after removals get(%d) = %d, %v; want %d", h, got, ok, i)
		}
	}
	if v.n != len(want) {
		t.Errorf("n = %d after removals, want %d", v.n, len(want))
	}
}

// The learners separate a toy problem and name a deciding word.
func TestLinearLearners(t *testing.T) {
	texts := []struct {
		s string
		c int
	}{
		{"snap card food stamps", 0}, {"food stamps renewal", 0}, {"ebt card snap", 0}, {"snap interview", 0},
		{"water bill meter", 1}, {"water bill too high", 1}, {"trash pickup water", 1}, {"water leak meter", 1},
	}
	var docs [][]feature
	var labels []int
	for _, x := range texts {
		toks := tokenize(normalize(x.s, true), nil)
		docs = append(docs, charFeatures(toks, 3, 4, 'c', wordFeatures(toks, nil)))
		labels = append(labels, x.c)
	}
	for _, o := range []trainOpts{
		{epochs: 8, lr: 3, l2: 2e-5, minFreq: 1, idf: true, average: true},
		{nb: true, alpha: 0.1, minFreq: 1},
		{epochs: 8, lr: 3, minFreq: 2, idf: true},
	} {
		m := trainLinear([]string{"benefits", "utilities"}, docs, labels, [nGroups]float32{gWord: 1, gBigram: 0.5, gChar: 0.3}, o)
		seen := make([]bool, m.size())
		for _, c := range []struct {
			s    string
			want int
			word string
		}{{"my snap is late", 0, "snap"}, {"the water bill", 1, "water bill"}} {
			toks := tokenize(normalize(c.s, true), nil)
			var x sparse
			m.vectorize(charFeatures(toks, 3, 4, 'c', wordFeatures(toks, nil)), seen, &x)
			p := make([]float32, 2)
			m.scores(&x, p)
			got := softmax(p)
			if got != c.want || p[got] < 0.5 || p[got] > 1 {
				t.Errorf("%+v: %q → class %d (%v), want %d", o, c.s, got, p, c.want)
			}
			if w := m.topWords(&x, got, 1-got, 1); len(w) != 1 || !strings.Contains(c.word, w[0]) {
				t.Errorf("%+v: %q: top words %v, want one of %s", o, c.s, w, c.word)
			}
		}
		for _, b := range seen {
			if b {
				t.Fatal("vectorize left its scratch dirty")
			}
		}
	}
}
