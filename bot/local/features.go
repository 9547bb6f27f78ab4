package local

// Features are hashed strings: a kind byte then the text, FNV-1a 64. The
// models keep a vocabulary of the hashes they saw in training, so the hash
// only has to be stable, and 64 bits make collisions negligible.

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashByte(h uint64, c byte) uint64 { return (h ^ uint64(c)) * fnvPrime }

func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// Feature groups; each group has its own weight in the feature vector.
const (
	gWord = iota
	gBigram
	gChar
	gLexicon
	nGroups
)

// feature is one hashed feature of a text. word is set for word features so
// that a triage can name the words that decided it.
type feature struct {
	h     uint64
	group uint8
	word  string
}

// wordFeatures appends word unigrams and bigrams of toks. Numbers carry no
// department and are skipped. Consecutive Han characters make bigrams, which
// is how Chinese words (两个字) are caught without a segmenter.
func wordFeatures(toks []token, dst []feature) []feature {
	prev, prevHan := "", false
	for _, t := range toks {
		if t.digit {
			prev = ""
			continue
		}
		f := feature{h: hashString(hashByte(fnvOffset, 'w'), t.s), group: gWord}
		if !t.han {
			f.word = t.s // single Chinese characters explain little
		}
		dst = append(dst, f)
		if prev != "" {
			h := hashString(hashByte(fnvOffset, 'b'), prev)
			h = hashString(hashByte(h, ' '), t.s)
			f := feature{h: h, group: gBigram}
			if t.han && prevHan {
				f.word = prev + t.s // a Chinese word, to name in reasons
			}
			dst = append(dst, f)
		}
		prev, prevHan = t.s, t.han
	}
	return dst
}

// charFeatures appends character n-grams (minN..maxN runes) of each
// non-Han word, padded with '<' and '>' so that prefixes and suffixes count.
// They let "recertificacion", "recertification" and "recert" share
// evidence, and catch misspellings.
func charFeatures(toks []token, minN, maxN int, kind byte, dst []feature) []feature {
	var buf [48]rune
	for _, t := range toks {
		if t.han || t.digit {
			continue
		}
		n := 0
		buf[n] = '<'
		n++
		for _, r := range t.s {
			if n == len(buf)-1 {
				break
			}
			buf[n] = r
			n++
		}
		buf[n] = '>'
		n++
		for size := minN; size <= maxN && size <= n; size++ {
			for i := 0; i+size <= n; i++ {
				if size == 1 && (i == 0 || i == n-1) {
					continue // a pad alone says nothing
				}
				h := hashByte(fnvOffset, kind)
				for _, r := range buf[i : i+size] {
					h = hashRune(h, r)
				}
				dst = append(dst, feature{h: h, group: gChar})
			}
		}
	}
	return dst
}

func hashRune(h uint64, r rune) uint64 {
	if r < 0x80 {
		return hashByte(h, byte(r))
	}
	h = hashByte(h, 0xFF)
	h = hashByte(h, byte(r>>16))
	h = hashByte(h, byte(r>>8))
	return hashByte(h, byte(r))
}
