package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// cueKind says what a cue phrase announces. One phrase may announce
// several things.
type cueKind uint16

const (
	cueDOB      cueKind = 1 << iota
	cueSSN              // an SSN follows
	cuePhone            // a phone number follows
	cueNeg              // an invoice, order, … number follows: not personal
	cueCase             // a case, claim, account, … identifier follows
	cueCaseWeak         // "number": an identifier may follow
	cueStreet           // a street type that may come before the name
	cuePOBox            // "P.O. Box", "apartado postal"
	cueBlock            // "Blk 5 Lot 12"
	cueMonth            // a month name

	connVerb     cueKind = 1 << 14 // "is", "es", "là", … between cue and id
	connExplicit cueKind = 1 << 15 // "number", "no.", "#", … between cue and id
)

// nCueKinds is the number of cue kinds above, which a scan reports.
const nCueKinds = 10

// trie matches cue phrases case-insensitively, a space in a phrase
// matching any run of whitespace.
type trie struct {
	ascii [128]*trieNode
	other map[rune]*trieNode
}

type trieNode struct {
	r     rune
	kids  []*trieNode
	kinds cueKind // phrases ending here
}

func (n *trieNode) child(r rune) *trieNode {
	for _, k := range n.kids {
		if k.r == r {
			return k
		}
	}
	return nil
}

func newTrie() *trie { return &trie{other: map[rune]*trieNode{}} }

// add inserts phrases for kind; an apostrophe in a phrase is optional.
func (t *trie) add(kind cueKind, phrases ...string) {
	for _, p := range phrases {
		p = strings.Join(strings.Fields(strings.ToLower(p)), " ")
		if p == "" {
			continue
		}
		p = strings.ReplaceAll(p, "’", "'")
		t.insert(kind, p)
		if strings.Contains(p, "'") {
			t.insert(kind, strings.ReplaceAll(p, "'", ""))
		}
	}
}

func (t *trie) insert(kind cueKind, p string) {
	var n *trieNode
	for i, r := range p {
		if i == 0 {
			n = t.root(r)
			if n == nil {
				n = &trieNode{r: r}
				if r < utf8.RuneSelf {
					t.ascii[r] = n
				} else {
					t.other[r] = n
				}
			}
			continue
		}
		k := n.child(r)
		if k == nil {
			k = &trieNode{r: r}
			n.kids = append(n.kids, k)
		}
		n = k
	}
	n.kinds |= kind
}

func (t *trie) root(r rune) *trieNode {
	if r < utf8.RuneSelf {
		return t.ascii[r]
	}
	return t.other[r]
}

// fold maps r to the form phrases are stored in.
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	if r == '’' || r == 'ʼ' {
		return '\''
	}
	if isSpace(r) {
		return ' '
	}
	return unicode.ToLower(r)
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' || r == '\u3000' ||
		(r >= utf8.RuneSelf && unicode.IsSpace(r))
}

// matchAt walks the phrases that start at i and calls hit with the end
// of each one that matches there, shortest first, with its kinds.
func (t *trie) matchAt(text string, i int, hit func(end int, kinds cueKind)) {
	r, n := utf8.DecodeRuneInString(text[i:])
	f := fold(r)
	node := t.root(f)
	if node == nil {
		return
	}
	if isASCIIWord(f) && i > 0 {
		if p, _ := utf8.DecodeLastRuneInString(text[:i]); isASCIIWord(fold(p)) {
			return // in the middle of a word
		}
	}
	j := i + n
	last := f
	for {
		if node.kinds != 0 && (!isASCIIWord(last) || !wordAt(text, j)) {
			hit(j, node.kinds)
		}
		if j >= len(text) {
			return
		}
		r, n := utf8.DecodeRuneInString(text[j:])
		f := fold(r)
		if f == ' ' {
			if last == ' ' {
				return
			}
			next := node.child(' ')
			if next == nil {
				return
			}
			for j < len(text) { // a run of spaces
				r, n := utf8.DecodeRuneInString(text[j:])
				if fold(r) != ' ' {
					break
				}
				j += n
			}
			node, last = next, ' '
			continue
		}
		next := node.child(f)
		if next == nil {
			return
		}
		node, last, j = next, f, j+n
	}
}

// wordAt reports whether an ASCII word character starts at j.
func wordAt(text string, j int) bool {
	return j < len(text) && text[j] < utf8.RuneSelf && isASCIIWord(rune(text[j]))
}

type span struct{ start, end int }

// scan finds the longest cue of each kind at every position, without
// overlaps within a kind.
func (t *trie) scan(text string) (out [nCueKinds][]span) {
	var lastEnd [nCueKinds]int
	var ends [nCueKinds]int
	for i := 0; i < len(text); {
		if c := text[i]; c < utf8.RuneSelf {
			// Fast path: no phrase starts here, or inside a word.
			f := fold(rune(c))
			if t.ascii[f] == nil || isASCIIWord(f) && i > 0 && text[i-1] < utf8.RuneSelf && isASCIIWord(rune(text[i-1])) {
				i++
				continue
			}
		}
		found := false
		t.matchAt(text, i, func(end int, kinds cueKind) {
			for k := 0; k < nCueKinds; k++ {
				if kinds&(1<<k) != 0 {
					ends[k] = end
					found = true
				}
			}
		})
		if found {
			for k := 0; k < nCueKinds; k++ {
				if ends[k] > 0 {
					if i >= lastEnd[k] {
						out[k] = append(out[k], span{i, ends[k]})
						lastEnd[k] = ends[k]
					}
					ends[k] = 0
				}
			}
		}
		_, n := utf8.DecodeRuneInString(text[i:])
		i += n
	}
	return out
}

// longest returns the end of the longest phrase at i and its kinds.
func (t *trie) longest(text string, i int) (end int, kinds cueKind) {
	if i >= len(text) {
		return 0, 0
	}
	t.matchAt(text, i, func(e int, k cueKind) { end, kinds = e, k })
	return end, kinds
}

var (
	cueTrie  = newTrie()
	connTrie = newTrie()
)

func init() {
	cueTrie.add(cueDOB, dobCues...)
	cueTrie.add(cueSSN, ssnCues...)
	cueTrie.add(cuePhone, phoneCues...)
	cueTrie.add(cueNeg, negativeCues...)
	cueTrie.add(cueCase, caseCues...)
	cueTrie.add(cueCaseWeak, weakCaseCues...)
	for w := range typeFirstOnly {
		cueTrie.add(cueStreet, w)
	}
	cueTrie.add(cuePOBox, "p.o. box", "p. o. box", "p.o.box", "p.o box", "po box", "p o box", "pob",
		"post office box", "apartado postal", "apartado", "apdo.", "apdo", "casilla postal", "casilla",
		"boîte postale", "boite postale", "hộp thư", "kazye postal")
	cueTrie.add(cueBlock, "blk", "blk.", "block")
	cueTrie.add(cueMonth, monthNames...)

	explicit := set("number", "numbers", "num", "num.", "no", "no.", "nos.", "nr", "nr.", "nº", "n°", "n.º",
		"id", "#", "número", "numero", "numéro", "nimewo", "số", "رقم")
	for _, c := range caseConnectors {
		if explicit[c] {
			connTrie.add(connExplicit, c)
		} else {
			connTrie.add(connVerb, c)
		}
	}
}
