package local

import (
	"strings"
	"unicode"
)

// Languages the triager identifies, in a fixed order.
var languages = []string{"en", "es", "fr", "vi", "zh", "ar", "ht", "tl"}

const (
	langEN = iota
	langES
	langFR
	langVI
	langZH
	langAR
	langHT
	langTL
)

// markers are words that, in a short text, are evidence enough of a
// language: function words, greetings and politeness that the other seven
// languages do not use. Folded (no diacritics) like the text they are
// compared with.
var markers = [...]string{
	langEN: "the|and|is|my|i|im|you|your|to|of|for|what|how|where|when|why|who|can|do|does|need|want|please|pls|thanks|thank|hello|hi|hey|ok|okay|yes|help|agent|human|operator|representative|person|someone|question",
	langES: "hola|gracias|quiero|necesito|para|por|que|como|donde|cuando|mi|mis|el|los|las|del|con|una|un|es|esta|tengo|buenos|buenas|dias|tardes|noches|favor|ayuda|senor|senora|porque|xq|q|ola|hablar|hablan|habla|espanol|persona|alguien|agente|representante|si|pero|usted|ustedes|estoy|hay|puedo|pueden",
	langFR: "bonjour|bonsoir|merci|je|j|vous|nous|est|les|des|une|avec|pour|dans|sur|svp|quelqu|parler|personne|oui|non|mon|ma|mes|votre|aide|au|aux|du|pas|ne|qui|quoi|comment|ou|c",
	langVI: "xin|chao|cam|on|toi|cua|khong|la|va|co|duoc|nhan|vien|muon|can|giup|voi|nay|nhung|cho|ban|em|anh|chi|gi|sao|nao|roi|ma|nha|nguoi",
	langHT: "bonjou|bonswa|mesi|mwen|m|pa|nan|yon|ki|pou|ak|li|yo|nou|sa|se|gen|kijan|kisa|poukisa|tanpri|souple|ajan|moun|bezwen|vle|kote|lakay|anpil|konnen|ede|ou|eske",
	langTL: "po|salamat|ang|ng|mga|sa|ko|ako|kami|namin|ninyo|nyo|ba|paano|pano|saan|kailan|bakit|ano|pwede|puwede|gusto|kailangan|hindi|wala|may|yung|opo|naman|lang|din|rin|na|si|kayo|makausap|tao|magandang|umaga|hapon|gabi",
}

// langID identifies the language of a text: by script for Chinese and
// Arabic, by Vietnamese's own letters, and otherwise by a model over
// character n-grams and words, with markers deciding short texts.
type langID struct {
	model   *linear
	markers []map[string]bool
}

// langFeatures appends the features of a text for language identification:
// character 1- to 4-grams of each word as written (accents kept, they are
// strong evidence), and whole words, folded so that "mwen" and "mwèn" meet.
func langFeatures(raw string, rawToks, foldToks []token, dst []feature) []feature {
	dst = charFeatures(rawToks, 1, 4, 'l', dst)
	for _, t := range foldToks {
		if t.digit || t.han {
			continue
		}
		dst = append(dst, feature{h: hashString(hashByte(fnvOffset, 'L'), t.s), group: gWord})
	}
	return dst
}

var langGroupW = [nGroups]float32{gWord: 1, gChar: 0.5}

var langOpts = trainOpts{nb: true, alpha: 0.1, minFreq: 1}

func newLangID(texts []string, langs []string) *langID {
	li := &langID{}
	for l := range languages {
		li.markers = append(li.markers, map[string]bool{})
		if l < len(markers) {
			for _, w := range strings.Split(markers[l], "|") {
				li.markers[l][w] = true
			}
		}
	}
	idx := map[string]int{}
	for i, l := range languages {
		idx[l] = i
	}
	var docs [][]feature
	var labels []int
	for i, text := range texts {
		l, ok := idx[langs[i]]
		if !ok {
			continue
		}
		raw := normalize(text, false)
		fold := normalize(text, true)
		docs = append(docs, langFeatures(raw, tokenize(raw, nil), tokenize(fold, nil), nil))
		labels = append(labels, l)
	}
	li.model = trainLinear(languages, docs, labels, langGroupW, langOpts)
	return li
}

// scriptCounts counts the letters of a text by script.
type scriptCounts struct {
	latin, han, arabic, viet, other int
}

func countScripts(s string) scriptCounts {
	var c scriptCounts
	for _, r := range s {
		switch {
		case r < 0x80:
			if (r|0x20) >= 'a' && (r|0x20) <= 'z' {
				c.latin++
			}
		case isIdeograph(r):
			c.han++
		case isArabic(r):
			if unicode.IsLetter(r) {
				c.arabic++
			}
		case isVietLetter(r):
			c.viet++
			c.latin++
		case unicode.IsLetter(r):
			if unicode.Is(unicode.Latin, r) {
				c.latin++
			} else {
				c.other++
			}
		}
	}
	return c
}

// isVietLetter reports whether r is a letter only Vietnamese uses among the
// supported languages: ă, ơ, ư, đ and the letters with stacked or dot-below
// tone marks (U+1EA0..U+1EF9).
func isVietLetter(r rune) bool {
	switch r {
	case 'ă', 'Ă', 'ơ', 'Ơ', 'ư', 'Ư', 'đ', 'Đ':
		return true
	}
	return r >= 0x1EA0 && r <= 0x1EF9
}

// identify returns the language index and a confidence in [0,1], and why.
func (li *langID) identify(text, raw, fold string, rawToks, foldToks []token, scratch *langScratch) (int, float32, string) {
	sc := countScripts(text)
	letters := sc.latin + sc.han + sc.arabic + sc.other
	switch {
	case letters == 0:
		return langEN, 0.3, "no letters"
	case sc.han > 0 && sc.han*3 >= sc.latin:
		return langZH, 0.99, "Chinese characters"
	case sc.arabic > 0 && sc.arabic >= sc.latin:
		return langAR, 0.99, "Arabic script"
	case sc.viet >= 2 && sc.viet*25 >= sc.latin:
		return langVI, 0.98, "Vietnamese letters"
	}
	scratch.feats = langFeatures(raw, rawToks, foldToks, scratch.feats[:0])
	if cap(scratch.seen) < li.model.size() {
		scratch.seen = make([]bool, li.model.size())
	}
	li.model.vectorize(scratch.feats, scratch.seen[:li.model.size()], &scratch.x)
	p := scratch.probs[:len(languages)]
	li.model.scores(&scratch.x, p)
	p[langZH], p[langAR] = -1e9, -1e9 // decided by script above
	if sc.viet == 0 {
		p[langVI] -= 2 // Vietnamese without its letters is rarer
	}
	best := softmax(p)
	conf := p[best]
	// Short texts ("agent", "hola", "cam on") are decided by their marker
	// words, the model breaking ties, and are English when no word says
	// otherwise: the model alone is unreliable on a few letters.
	words := 0
	var votes [8]int
	for _, t := range foldToks {
		if t.digit || t.han {
			continue
		}
		words++
		for l := range li.markers {
			if li.markers[l][t.s] {
				votes[l]++
			}
		}
	}
	if words <= 3 {
		top := langEN
		for l := range votes {
			if l == langZH || l == langAR {
				continue
			}
			if votes[l] > votes[top] || (votes[l] == votes[top] && votes[l] > 0 && p[l] > p[top] && l != langEN) || (votes[l] == votes[top] && votes[l] > 0 && top == langEN) {
				top = l
			}
		}
		if votes[top] == 0 {
			return langEN, 0.5, "short text"
		}
		return top, 0.6, "short text: marker words"
	}
	return best, conf, "character n-grams and words"
}

type langScratch struct {
	feats []feature
	seen  []bool
	x     sparse
	probs [8]float32
}

// reasonStop are function words, left out of the words a reason names.
var reasonStop = func() map[string]bool {
	m := map[string]bool{}
	for _, list := range markers {
		for _, w := range strings.Split(list, "|") {
			m[w] = true
		}
	}
	for _, w := range strings.Fields(`she he her him his they them their we our us it its this that these those with about
		from have has had was were been being are be will would could should just right now also very really still
		there here then than some any all get got going went into out over after before because so but or if
		de la el en sobre pero porque desde hace muy tambien todo esta este ese esa eso les nos lo le se ya
		il elle nous ils elles est sont avec dans pour mais tres tout cette ce
		ang mga sa ng po na ko ako`) {
		m[w] = true
	}
	return m
}()
