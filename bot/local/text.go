package local

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// normalize lowercases s and evens out the ways one word gets written:
// fullwidth forms become ASCII, Arabic-Indic digits become ASCII digits,
// Arabic loses its vowel marks and tatweel and has its alef, yeh and teh
// marbuta variants merged, and apostrophes inside words are dropped ("don't"
// is "dont", as people type it) except after a French elision ("l'eau" is
// "l eau"). With fold, Latin letters also lose their diacritics ("renovación"
// is "renovacion", "Tôi" is "toi"), because SMS writers mostly leave them out.
func normalize(s string, fold bool) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	wordStart := 0 // byte offset in b where the current word began
	inWord := false
	for i, r := range s {
		if r == utf8.RuneError {
			b.WriteByte(' ')
			inWord = false
			continue
		}
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // fullwidth ASCII
			r -= 0xFEE0
		case r >= 0x0660 && r <= 0x0669: // Arabic-Indic digits
			r = '0' + (r - 0x0660)
		case r >= 0x06F0 && r <= 0x06F9: // Extended Arabic-Indic digits
			r = '0' + (r - 0x06F0)
		}
		if r == '-' && !inWord && nextIsDigit(s, i+1) {
			b.WriteString("minus ") // "-10 outside" is cold
			continue
		}
		if isApostrophe(r) {
			if inWord && nextIsLetter(s, i+utf8.RuneLen(r)) {
				if isElision(b.String()[wordStart:]) {
					b.WriteByte(' ')
					inWord = false
				}
				continue // join "don't" into "dont"
			}
			b.WriteByte(' ')
			inWord = false
			continue
		}
		// Arabic normalization.
		switch {
		case (r >= 0x064B && r <= 0x065F) || r == 0x0670 || r == 0x0640:
			continue // harakat, superscript alef, tatweel
		case r == 'أ' || r == 'إ' || r == 'آ' || r == 'ٱ':
			r = 'ا'
		case r == 'ى' || r == 'ئ':
			r = 'ي'
		case r == 'ة':
			r = 'ه'
		case r == 'ؤ':
			r = 'و'
		}
		if r >= 0x0300 && r <= 0x036F { // combining diacritics
			if fold {
				continue
			}
			b.WriteRune(r)
			continue
		}
		r = unicode.ToLower(r)
		if fold {
			switch {
			case r >= 0xC0 && r <= 0x24F:
				switch r {
				case 'ß':
					writeWordRunes(&b, &inWord, &wordStart, "ss")
					continue
				case 'æ':
					writeWordRunes(&b, &inWord, &wordStart, "ae")
					continue
				case 'œ':
					writeWordRunes(&b, &inWord, &wordStart, "oe")
					continue
				}
				if c := foldLatin[r-0xC0]; c != '.' {
					r = rune(c)
				}
			case r >= 0x1E00 && r <= 0x1EFF:
				if c := foldViet[r-0x1E00]; c != '.' {
					r = rune(c)
				}
			}
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if !inWord {
				wordStart = b.Len()
				inWord = true
			}
			b.WriteRune(r)
			continue
		}
		inWord = false
		if unicode.IsSpace(r) {
			b.WriteByte(' ')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func writeWordRunes(b *strings.Builder, inWord *bool, wordStart *int, s string) {
	if !*inWord {
		*wordStart = b.Len()
		*inWord = true
	}
	b.WriteString(s)
}

func isApostrophe(r rune) bool {
	return r == '\'' || r == '’' || r == '‘' || r == '`' || r == 'ʼ'
}

func nextIsDigit(s string, i int) bool {
	return i < len(s) && s[i] >= '0' && s[i] <= '9'
}

func nextIsLetter(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

// isElision reports whether w is a French (or Italian) elided article or
// pronoun, which stands apart from the word after the apostrophe.
func isElision(w string) bool {
	switch strings.ToLower(w) {
	case "l", "d", "j", "m", "n", "s", "c", "t", "qu", "jusqu", "lorsqu", "puisqu", "quelqu", "aujourd":
		return true
	}
	return false
}

// token is one word of normalized text. Han (and kana and hangul) characters
// are tokens of their own, since those scripts do not separate words.
type token struct {
	s     string
	han   bool
	digit bool // only digits
}

// tokenize splits normalized text into tokens. Letters, digits and combining
// marks make words; everything else separates them.
func tokenize(s string, dst []token) []token {
	start := -1
	digits := true
	flush := func(end int) {
		if start >= 0 {
			dst = append(dst, token{s: s[start:end], digit: digits})
			start = -1
		}
	}
	for i, r := range s {
		if isIdeograph(r) {
			flush(i)
			dst = append(dst, token{s: s[i : i+utf8.RuneLen(r)], han: true})
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if start < 0 {
				start = i
				digits = true
			}
			if !unicode.IsDigit(r) {
				digits = false
			}
			continue
		}
		flush(i)
	}
	flush(len(s))
	return dst
}

func isIdeograph(r rune) bool {
	if r < 0x2E80 {
		return false
	}
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// isArabic reports whether r is an Arabic letter.
func isArabic(r rune) bool {
	return (r >= 0x0600 && r <= 0x06FF) || (r >= 0x0750 && r <= 0x077F) || (r >= 0xFB50 && r <= 0xFDFF) || (r >= 0xFE70 && r <= 0xFEFF)
}
