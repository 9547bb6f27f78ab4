package routing

import "slices"

// okey orders entries of an index: compared field by field.
type okey struct{ a, b, c int64 }

func (x okey) less(y okey) bool {
	if x.a != y.a {
		return x.a < y.a
	}
	if x.b != y.b {
		return x.b < y.b
	}
	return x.c < y.c
}

func (x okey) cmp(y okey) int {
	switch {
	case x.less(y):
		return -1
	case y.less(x):
		return 1
	}
	return 0
}

// index is an ordered set of (key, value): a list of sorted chunks of at
// most chunkMax entries. Insert, Delete and Min cost a binary search over
// chunks plus a move within one chunk; Rank adds the sizes of the chunks
// before. Entries live in a few large arrays rather than one heap object
// each, which keeps the garbage collector's work (and so latency spikes)
// small with hundreds of thousands of entries.
type index[V any] struct {
	chunks []*chunk[V]
	firsts []okey // first key of each chunk, for the binary search
	n      int
}

type entry[V any] struct {
	k okey
	v V
}

type chunk[V any] struct{ es []entry[V] }

const (
	chunkMax = 128
	chunkMin = 16 // a smaller chunk merges with a neighbour when it fits
)

func newIndex[V any]() *index[V] { return &index[V]{} }

// Len is the number of entries.
func (t *index[V]) Len() int { return t.n }

// find returns the chunk that holds, or would hold, k.
func (t *index[V]) find(k okey) int {
	i, found := slices.BinarySearchFunc(t.firsts, k, okey.cmp)
	if found || i == 0 {
		return i
	}
	return i - 1
}

// Insert adds (k, v); keys are unique by construction of the callers.
func (t *index[V]) Insert(k okey, v V) {
	t.n++
	if len(t.chunks) == 0 {
		c := &chunk[V]{es: make([]entry[V], 0, 4)}
		c.es = append(c.es, entry[V]{k, v})
		t.chunks, t.firsts = append(t.chunks, c), append(t.firsts, k)
		return
	}
	ci := t.find(k)
	c := t.chunks[ci]
	if len(c.es) == chunkMax {
		// Split the full chunk in two, then insert into the right half.
		half := chunkMax / 2
		nc := &chunk[V]{es: make([]entry[V], chunkMax-half, chunkMax)}
		copy(nc.es, c.es[half:])
		clear(c.es[half:])
		c.es = c.es[:half]
		t.chunks = slices.Insert(t.chunks, ci+1, nc)
		t.firsts = slices.Insert(t.firsts, ci+1, nc.es[0].k)
		if !k.less(nc.es[0].k) {
			ci, c = ci+1, nc
		}
	}
	j, _ := slices.BinarySearchFunc(c.es, k, func(e entry[V], k okey) int { return e.k.cmp(k) })
	if len(c.es) == cap(c.es) {
		grown := make([]entry[V], len(c.es), min(max(2*cap(c.es), 8), chunkMax))
		copy(grown, c.es)
		c.es = grown
	}
	c.es = slices.Insert(c.es, j, entry[V]{k, v})
	t.firsts[ci] = c.es[0].k
}

// Delete removes the entry with key k and reports whether there was one.
func (t *index[V]) Delete(k okey) bool {
	if len(t.chunks) == 0 {
		return false
	}
	ci := t.find(k)
	c := t.chunks[ci]
	j, found := slices.BinarySearchFunc(c.es, k, func(e entry[V], k okey) int { return e.k.cmp(k) })
	if !found {
		return false
	}
	t.n--
	c.es = slices.Delete(c.es, j, j+1)
	switch {
	case len(c.es) == 0 && len(t.chunks) == 1:
		// Keep the last chunk: an index that empties and refills (an
		// agent's room coming and going) then allocates nothing.
	case len(c.es) == 0:
		t.chunks = slices.Delete(t.chunks, ci, ci+1)
		t.firsts = slices.Delete(t.firsts, ci, ci+1)
	case len(c.es) < chunkMin && ci+1 < len(t.chunks) && len(c.es)+len(t.chunks[ci+1].es) <= chunkMax:
		c.es = append(c.es, t.chunks[ci+1].es...)
		t.chunks = slices.Delete(t.chunks, ci+1, ci+2)
		t.firsts = slices.Delete(t.firsts, ci+1, ci+2)
		t.firsts[ci] = c.es[0].k
	default:
		t.firsts[ci] = c.es[0].k
	}
	return true
}

// Min returns the smallest entry.
func (t *index[V]) Min() (okey, V, bool) {
	if t.n == 0 {
		var zero V
		return okey{}, zero, false
	}
	e := t.chunks[0].es[0]
	return e.k, e.v, true
}

// Rank is the number of keys smaller than k.
func (t *index[V]) Rank(k okey) int {
	if t.n == 0 {
		return 0
	}
	ci := t.find(k)
	r := 0
	for _, c := range t.chunks[:ci] {
		r += len(c.es)
	}
	j, _ := slices.BinarySearchFunc(t.chunks[ci].es, k, func(e entry[V], k okey) int { return e.k.cmp(k) })
	return r + j
}

// Ascend calls fn for each entry in key order until fn returns false. fn
// must not change the index.
func (t *index[V]) Ascend(fn func(k okey, v V) bool) {
	for _, c := range t.chunks {
		for _, e := range c.es {
			if !fn(e.k, e.v) {
				return
			}
		}
	}
}
