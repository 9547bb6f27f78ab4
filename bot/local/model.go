package local

import (
	"math"
	"sort"
)

// linear is a multiclass linear model over sparse hashed features: score(c)
// = bias[c] + Σ value(f)·w[f][c]. It is trained either as a softmax
// (multinomial logistic) regression by stochastic gradient descent, or as a
// multinomial naive Bayes, which is the same shape with log-probabilities
// for weights.
type linear struct {
	classes []string
	nc      int
	vocab   *vocab
	w       []float32 // w[f*nc+c]
	idf     []float32 // per feature weight: rarer features say more
	// reasonIDF keeps words found in more than one text in ten out of the
	// reasons (on a large enough training set).
	reasonIDF float32
	bias      []float32
	groupW    [nGroups]float32
	l2norm    bool // scale each vector to unit length (logistic regression)
}

// sparse is a vectorized text: vocabulary indices with their values, and for
// word features the word, to explain a decision.
type sparse struct {
	idx   []int32
	val   []float32
	words []string // words[i] is the word behind idx[i], or ""
}

// vectorize maps features to vocabulary indices, merging duplicates (a
// feature counts once per text) and weighting by group. seen is scratch of
// len(vocab) that must be all zero; it is left all zero.
func (m *linear) vectorize(fs []feature, seen []bool, dst *sparse) {
	dst.idx, dst.val, dst.words = dst.idx[:0], dst.val[:0], dst.words[:0]
	for _, f := range fs {
		i, ok := m.vocab.get(f.h)
		if !ok || seen[i] {
			continue
		}
		seen[i] = true
		dst.idx = append(dst.idx, i)
		v := m.groupW[f.group]
		if m.idf != nil {
			v *= m.idf[i]
		}
		dst.val = append(dst.val, v)
		dst.words = append(dst.words, f.word)
	}
	for _, i := range dst.idx {
		seen[i] = false
	}
	if m.l2norm {
		var ss float32
		for _, v := range dst.val {
			ss += v * v
		}
		if ss > 0 {
			inv := float32(1 / math.Sqrt(float64(ss)))
			for k := range dst.val {
				dst.val[k] *= inv
			}
		}
	}
}

// scores writes the class scores of x into out (len nc).
func (m *linear) scores(x *sparse, out []float32) {
	copy(out, m.bias)
	nc := m.nc
	for k, i := range x.idx {
		v := x.val[k]
		row := m.w[int(i)*nc : int(i)*nc+nc]
		for c := range out {
			out[c] += v * row[c]
		}
	}
}

// softmax turns scores into probabilities in place and returns the argmax.
func softmax(s []float32) int {
	best := 0
	for c := range s {
		if s[c] > s[best] {
			best = c
		}
	}
	var sum float64
	mx := s[best]
	for c := range s {
		e := math.Exp(float64(s[c] - mx))
		s[c] = float32(e)
		sum += e
	}
	for c := range s {
		s[c] = float32(float64(s[c]) / sum)
	}
	return best
}

// topWords returns up to n distinct words of x that pushed class c up the
// most against the runner-up class alt.
func (m *linear) topWords(x *sparse, c, alt, n int) []string {
	type wc struct {
		w string
		v float32
	}
	var cands []wc
	for k, i := range x.idx {
		if w := x.words[k]; w == "" || reasonStop[w] || (m.idf != nil && m.idf[i] < m.reasonIDF) {
			continue // common words ("the", "my") explain nothing
		}
		row := m.w[int(i)*m.nc:]
		d := x.val[k] * (row[c] - row[alt])
		if d > 0 {
			cands = append(cands, wc{x.words[k], d})
		}
	}
	sort.Slice(cands, func(a, b int) bool { return cands[a].v > cands[b].v })
	var out []string
	for _, cw := range cands {
		if len(out) == n {
			break
		}
		dup := false
		for _, o := range out {
			if o == cw.w {
				dup = true
			}
		}
		if !dup {
			out = append(out, cw.w)
		}
	}
	return out
}

type trainOpts struct {
	nb      bool    // naive Bayes instead of logistic regression
	alpha   float64 // NB smoothing
	epochs  int     // LR epochs
	lr      float32 // LR initial learning rate
	l2      float32 // LR weight decay per update
	minFreq int     // drop features seen in fewer training texts
	idf     bool    // weight features by inverse document frequency
	average bool    // LR: average the weights over all updates
}

// trainLinear trains a model on texts already turned into features.
func trainLinear(classes []string, docs [][]feature, labels []int, groupW [nGroups]float32, o trainOpts) *linear {
	nc := len(classes)
	m := &linear{classes: classes, nc: nc, groupW: groupW, l2norm: !o.nb}
	// One pass over the features gives the vocabulary, each text's
	// distinct features and their document frequencies.
	m.vocab = newVocab(1 << 15)
	var df, last []int32
	type entry struct {
		i     int32
		group uint8
	}
	ents := make([][]entry, len(docs))
	for d, fs := range docs {
		es := make([]entry, 0, len(fs))
		for _, f := range fs {
			i, ok := m.vocab.get(f.h)
			if !ok {
				i = int32(len(df))
				m.vocab.put(f.h, i)
				df = append(df, 0)
				last = append(last, -1)
			}
			if last[i] == int32(d) {
				continue
			}
			last[i] = int32(d)
			df[i]++
			es = append(es, entry{i, f.group})
		}
		ents[d] = es
	}
	nf := len(df)
	if o.idf {
		if len(docs) >= 100 {
			m.reasonIDF = float32(math.Log(float64(len(docs)+1) / float64(len(docs)/10+1)))
		}
		m.idf = make([]float32, nf)
		for i, n := range df {
			m.idf[i] = float32(math.Log(float64(len(docs)+1) / float64(n+1)))
		}
	}
	m.w = make([]float32, nf*nc)
	m.bias = make([]float32, nc)
	xs := make([]sparse, len(docs))
	for d, es := range ents {
		x := &xs[d]
		x.idx = make([]int32, 0, len(es))
		x.val = make([]float32, 0, len(es))
		var ss float32
		for _, e := range es {
			if int(df[e.i]) < o.minFreq {
				continue
			}
			v := groupW[e.group]
			if m.idf != nil {
				v *= m.idf[e.i]
			}
			x.idx = append(x.idx, e.i)
			x.val = append(x.val, v)
			ss += v * v
		}
		if m.l2norm && ss > 0 {
			inv := float32(1 / math.Sqrt(float64(ss)))
			for k := range x.val {
				x.val[k] *= inv
			}
		}
	}
	if o.minFreq > 1 {
		for k, i := range m.vocab.vals {
			if i >= 0 && int(df[i]) < o.minFreq {
				m.vocab.remove(m.vocab.keys[k]) // its weights stay zero
			}
		}
	}
	if o.nb {
		trainNB(m, xs, labels, o.alpha)
	} else {
		trainLR(m, xs, labels, o)
	}
	return m
}

func trainNB(m *linear, xs []sparse, labels []int, alpha float64) {
	nc, nf := m.nc, len(m.w)/m.nc
	count := make([]float64, nf*nc)
	total := make([]float64, nc)
	docs := make([]float64, nc)
	for d, x := range xs {
		c := labels[d]
		docs[c]++
		for k, i := range x.idx {
			count[int(i)*nc+c] += float64(x.val[k])
			total[c] += float64(x.val[k])
		}
	}
	for c := 0; c < nc; c++ {
		m.bias[c] = float32(math.Log((docs[c] + 1) / (float64(len(xs)) + float64(nc))))
		denom := math.Log(total[c] + alpha*float64(nf))
		for f := 0; f < nf; f++ {
			m.w[f*nc+c] = float32(math.Log(count[f*nc+c]+alpha) - denom)
		}
	}
	// Centre each feature's weights: only differences between classes
	// matter, and centred weights make topWords and unknown features neutral.
	for f := 0; f < nf; f++ {
		row := m.w[f*nc : f*nc+nc]
		var mean float32
		for _, v := range row {
			mean += v
		}
		mean /= float32(nc)
		for c := range row {
			row[c] -= mean
		}
	}
}

func trainLR(m *linear, xs []sparse, labels []int, o trainOpts) {
	nc := m.nc
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	rng := uint64(0x9E3779B97F4A7C15)
	p := make([]float32, nc)
	// Averaged SGD: the returned weights are the mean of the weights after
	// every update, which is steadier than the last iterate. The mean is
	// kept lazily as w - u/t with u accumulating t·Δw.
	var u, ub []float32
	if o.average {
		u = make([]float32, len(m.w))
		ub = make([]float32, nc)
	}
	step := 0
	total := o.epochs * len(xs)
	for ep := 0; ep < o.epochs; ep++ {
		for i := len(order) - 1; i > 0; i-- { // deterministic shuffle
			rng ^= rng << 13
			rng ^= rng >> 7
			rng ^= rng << 17
			j := int(rng % uint64(i+1))
			order[i], order[j] = order[j], order[i]
		}
		for _, d := range order {
			x := &xs[d]
			lr := o.lr * (1 - float32(step)/float32(total+1))
			step++
			m.scores(x, p)
			softmax(p)
			p[labels[d]] -= 1 // gradient of the loss with respect to the scores
			t := float32(step)
			for k, i := range x.idx {
				v := x.val[k]
				base := int(i) * nc
				row := m.w[base : base+nc]
				for c := range row {
					delta := -lr*p[c]*v - lr*o.l2*row[c]
					row[c] += delta
					if u != nil {
						u[base+c] += t * delta
					}
				}
			}
			for c := range m.bias {
				delta := -lr * p[c] * 0.1
				m.bias[c] += delta
				if ub != nil {
					ub[c] += t * delta
				}
			}
		}
	}
	if u != nil {
		t := float32(step + 1)
		for i := range m.w {
			m.w[i] -= u[i] / t
		}
		for c := range m.bias {
			m.bias[c] -= ub[c] / t
		}
	}
}

// size is the number of features the model has weights for; vectorize's
// scratch must be this long.
func (m *linear) size() int { return len(m.w) / m.nc }
