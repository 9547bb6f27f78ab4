package local

import (
	"strings"
)

// A phrase matcher for the lexicons. Phrases are written naturally, in any
// of the supported languages, and normalized like the text (lowercase,
// diacritics folded, Arabic letters merged). Within a phrase:
//
//   - a word ending in '*' matches any word it begins ("evict*" matches
//     "evicted", "eviction");
//   - the word "_" matches any one word ("in _ days");
//   - "#" matches any number ("in # days"), and "#th" an ordinal ("the #th"
//     matches "the 15th", "the 2nd").
//
// Phrases with Han or Arabic letters are matched as substrings of the
// normalized text instead, since Chinese has no spaces and Arabic glues
// articles and conjunctions to its words.

// phraseTok is one word of a compiled phrase.
type phraseTok struct {
	s      string
	prefix bool // s is a prefix
	any    bool // "_"
	num    bool // "#"
	ord    bool // "#th"
}

type phrase struct {
	text   string // as written, for reasons
	toks   []phraseTok
	substr string // substring phrase (Han, Arabic), or ""
	group  int
}

// lexGroup is a named list of phrases; it matches when any phrase does.
type lexGroup struct {
	name    string
	phrases []string
}

// matcher finds which groups' phrases occur in a text.
type matcher struct {
	phrases  []phrase
	byFirst  map[string][]int32 // first word (exact) → phrases
	byPrefix map[string][]int32 // first 3 bytes of a prefix first word → phrases
	wild     []int32            // phrases starting with "#" or "#th"
	substr   []int32            // substring phrases
	ngroups  int
}

func newMatcher(groups []lexGroup) *matcher {
	m := &matcher{byFirst: map[string][]int32{}, byPrefix: map[string][]int32{}, ngroups: len(groups)}
	for g, grp := range groups {
		for _, p := range grp.phrases {
			m.add(p, g)
		}
	}
	return m
}

func (m *matcher) add(text string, group int) {
	id := int32(len(m.phrases))
	ph := phrase{text: text, group: group}
	for _, r := range text {
		if isIdeograph(r) || isArabic(r) {
			ph.substr = strings.TrimSpace(normalize(text, true))
			m.phrases = append(m.phrases, ph)
			m.substr = append(m.substr, id)
			return
		}
	}
	for _, w := range strings.Fields(text) {
		switch {
		case w == "_":
			ph.toks = append(ph.toks, phraseTok{any: true})
			continue
		case w == "#":
			ph.toks = append(ph.toks, phraseTok{num: true})
			continue
		case w == "#th":
			ph.toks = append(ph.toks, phraseTok{ord: true})
			continue
		}
		prefix := strings.HasSuffix(w, "*")
		w = strings.TrimSuffix(w, "*")
		ts := tokenize(normalize(w, true), nil)
		for k, t := range ts {
			ph.toks = append(ph.toks, phraseTok{s: t.s, prefix: prefix && k == len(ts)-1})
		}
	}
	if len(ph.toks) == 0 {
		panic("local: empty lexicon phrase " + text)
	}
	m.phrases = append(m.phrases, ph)
	first := ph.toks[0]
	switch {
	case first.any:
		panic("local: lexicon phrase starts with _: " + text)
	case first.num || first.ord:
		m.wild = append(m.wild, id)
	case first.prefix:
		if len(first.s) < 3 {
			panic("local: prefix shorter than 3 bytes in lexicon phrase " + text)
		}
		k := first.s[:3]
		m.byPrefix[k] = append(m.byPrefix[k], id)
	default:
		m.byFirst[first.s] = append(m.byFirst[first.s], id)
	}
}

// match reports, for each group, the first phrase that matched (or -1) in
// hit, which must have len ngroups.
func (m *matcher) match(norm string, toks []token, hit []int32) {
	for g := range hit {
		hit[g] = -1
	}
	mark := func(id int32) {
		g := m.phrases[id].group
		if hit[g] < 0 {
			hit[g] = id
		}
	}
	for i, t := range toks {
		for _, id := range m.byFirst[t.s] {
			if hit[m.phrases[id].group] < 0 && m.matchAt(&m.phrases[id], toks, i) {
				mark(id)
			}
		}
		if len(t.s) >= 3 {
			for _, id := range m.byPrefix[t.s[:3]] {
				if hit[m.phrases[id].group] < 0 && m.matchAt(&m.phrases[id], toks, i) {
					mark(id)
				}
			}
		}
		if t.s[0] >= '0' && t.s[0] <= '9' {
			for _, id := range m.wild {
				if hit[m.phrases[id].group] < 0 && m.matchAt(&m.phrases[id], toks, i) {
					mark(id)
				}
			}
		}
	}
	if len(m.substr) > 0 && hasWideScript(norm) {
		for _, id := range m.substr {
			if hit[m.phrases[id].group] < 0 && strings.Contains(norm, m.phrases[id].substr) {
				mark(id)
			}
		}
	}
}

func (m *matcher) matchAt(p *phrase, toks []token, i int) bool {
	if i+len(p.toks) > len(toks) {
		return false
	}
	for k, pt := range p.toks {
		t := toks[i+k]
		switch {
		case pt.any:
		case pt.num:
			if !t.digit {
				return false
			}
		case pt.ord:
			if !isOrdinal(t.s) {
				return false
			}
		case pt.prefix:
			if !strings.HasPrefix(t.s, pt.s) {
				return false
			}
		default:
			if t.s != pt.s {
				return false
			}
		}
	}
	return true
}

// isOrdinal reports whether s is like "1st", "22nd", "15th", "3rd".
func isOrdinal(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 2 {
		return false
	}
	switch s[i:] {
	case "st", "nd", "rd", "th":
		return true
	}
	return false
}

// hasWideScript reports whether s has Han, kana, hangul or Arabic letters.
func hasWideScript(s string) bool {
	for _, r := range s {
		if r >= 0x0600 && (isIdeograph(r) || isArabic(r)) {
			return true
		}
	}
	return false
}
