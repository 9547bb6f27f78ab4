package local

// vocab maps feature hashes to indices: an open-addressing table with
// linear probing, faster than a Go map for the hundreds of lookups a triage
// makes. Index -1 marks an empty slot.
type vocab struct {
	keys []uint64
	vals []int32
	mask uint64
	n    int
}

func newVocab(capacity int) *vocab {
	size := 1024
	for size < capacity*2 {
		size *= 2
	}
	v := &vocab{keys: make([]uint64, size), vals: make([]int32, size), mask: uint64(size - 1)}
	for i := range v.vals {
		v.vals[i] = -1
	}
	return v
}

// slot spreads the hash's bits before masking (FNV's low bits are weak).
func (v *vocab) slot(h uint64) uint64 {
	return (h * 0x9E3779B97F4A7C15) >> 20 & v.mask
}

// get returns the index of h, if present.
func (v *vocab) get(h uint64) (int32, bool) {
	for i := v.slot(h); ; i = (i + 1) & v.mask {
		switch {
		case v.vals[i] < 0:
			return 0, false
		case v.keys[i] == h:
			return v.vals[i], true
		}
	}
}

// put sets the index of h, growing the table as needed.
func (v *vocab) put(h uint64, val int32) {
	if (v.n+1)*2 > len(v.keys) {
		old := *v
		*v = *newVocab(len(old.keys))
		for i, k := range old.keys {
			if old.vals[i] >= 0 {
				v.put(k, old.vals[i])
			}
		}
	}
	for i := v.slot(h); ; i = (i + 1) & v.mask {
		switch {
		case v.vals[i] < 0:
			v.keys[i], v.vals[i] = h, val
			v.n++
			return
		case v.keys[i] == h:
			v.vals[i] = val
			return
		}
	}
}

// remove deletes h, re-inserting the rest of its probe run.
func (v *vocab) remove(h uint64) {
	i := v.slot(h)
	for ; ; i = (i + 1) & v.mask {
		if v.vals[i] < 0 {
			return
		}
		if v.keys[i] == h {
			break
		}
	}
	v.vals[i] = -1
	v.n--
	for j := (i + 1) & v.mask; v.vals[j] >= 0; j = (j + 1) & v.mask {
		k, val := v.keys[j], v.vals[j]
		v.vals[j] = -1
		v.n--
		v.put(k, val)
	}
}
