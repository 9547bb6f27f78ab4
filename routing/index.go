package routing

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

// index is an ordered set of (key, value) with order statistics: a treap
// whose node priorities come from a seeded generator, so its shape, and
// everything that depends on it, is deterministic. Insert, delete, min and
// rank are O(log n); ascending iteration stops when asked.
type index[V any] struct {
	root *tnode[V]
	rng  *uint64
}

type tnode[V any] struct {
	k    okey
	v    V
	pri  uint32
	size int32
	l, r *tnode[V]
}

func newIndex[V any](rng *uint64) *index[V] { return &index[V]{rng: rng} }

func (t *index[V]) next() uint32 {
	// xorshift64*
	x := *t.rng
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	*t.rng = x
	return uint32((x * 2685821657736338717) >> 32)
}

func size[V any](n *tnode[V]) int32 {
	if n == nil {
		return 0
	}
	return n.size
}

func (n *tnode[V]) fix() { n.size = 1 + size(n.l) + size(n.r) }

// Len is the number of entries.
func (t *index[V]) Len() int { return int(size(t.root)) }

// split divides n into keys < k and keys >= k.
func split[V any](n *tnode[V], k okey) (*tnode[V], *tnode[V]) {
	if n == nil {
		return nil, nil
	}
	if n.k.less(k) {
		l, r := split(n.r, k)
		n.r = l
		n.fix()
		return n, r
	}
	l, r := split(n.l, k)
	n.l = r
	n.fix()
	return l, n
}

func merge[V any](l, r *tnode[V]) *tnode[V] {
	if l == nil {
		return r
	}
	if r == nil {
		return l
	}
	if l.pri > r.pri {
		l.r = merge(l.r, r)
		l.fix()
		return l
	}
	r.l = merge(l, r.l)
	r.fix()
	return r
}

// Insert adds (k, v); keys are unique by construction of the callers.
func (t *index[V]) Insert(k okey, v V) {
	nn := &tnode[V]{k: k, v: v, pri: t.next(), size: 1}
	t.root = insertNode(t.root, nn)
}

func insertNode[V any](n, nn *tnode[V]) *tnode[V] {
	if n == nil {
		return nn
	}
	if nn.pri > n.pri {
		nn.l, nn.r = split(n, nn.k)
		nn.fix()
		return nn
	}
	if nn.k.less(n.k) {
		n.l = insertNode(n.l, nn)
	} else {
		n.r = insertNode(n.r, nn)
	}
	n.fix()
	return n
}

// Delete removes the entry with key k and reports whether there was one.
func (t *index[V]) Delete(k okey) bool {
	var found bool
	t.root = deleteNode(t.root, k, &found)
	return found
}

func deleteNode[V any](n *tnode[V], k okey, found *bool) *tnode[V] {
	if n == nil {
		return nil
	}
	switch {
	case k.less(n.k):
		n.l = deleteNode(n.l, k, found)
	case n.k.less(k):
		n.r = deleteNode(n.r, k, found)
	default:
		*found = true
		return merge(n.l, n.r)
	}
	if *found {
		n.fix()
	}
	return n
}

// Min returns the smallest entry.
func (t *index[V]) Min() (okey, V, bool) {
	n := t.root
	if n == nil {
		var zero V
		return okey{}, zero, false
	}
	for n.l != nil {
		n = n.l
	}
	return n.k, n.v, true
}

// Rank is the number of keys smaller than k.
func (t *index[V]) Rank(k okey) int {
	r := 0
	for n := t.root; n != nil; {
		if n.k.less(k) {
			r += int(size(n.l)) + 1
			n = n.r
		} else {
			n = n.l
		}
	}
	return r
}

// Ascend calls fn for each entry in key order until fn returns false.
func (t *index[V]) Ascend(fn func(k okey, v V) bool) {
	var stack [64]*tnode[V]
	st := stack[:0]
	n := t.root
	for n != nil || len(st) > 0 {
		for n != nil {
			st = append(st, n)
			n = n.l
		}
		n = st[len(st)-1]
		st = st[:len(st)-1]
		if !fn(n.k, n.v) {
			return
		}
		n = n.r
	}
}
