package sms

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Encoding is how a text travels over SMS.
type Encoding string

// The SMS encodings: GSM-7 (the GSM 03.38 alphabet, 7 bits a character) when
// every character is in it, else UCS-2 (UTF-16, 16 bits a code unit).
const (
	GSM7 Encoding = "GSM-7"
	UCS2 Encoding = "UCS-2"
)

// Twilio's limit of one message's body, and the capacities of SMS segments.
const (
	MaxBody            = 1600 // characters in one Messages API request
	gsmSingle, gsmPart = 160, 153
	ucsSingle, ucsPart = 70, 67
)

// The GSM 03.38 default alphabet and its extension table (whose characters
// take an escape septet too).
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtended = "\f^{}\\[~]|€"
)

var gsmSeptets = func() map[rune]int {
	m := map[rune]int{}
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtended {
		m[r] = 2
	}
	return m
}()

// EncodingOf returns the encoding text needs.
func EncodingOf(text string) Encoding {
	for _, r := range text {
		if gsmSeptets[r] == 0 {
			return UCS2
		}
	}
	return GSM7
}

// Segments returns the encoding of text and how many SMS segments it takes:
// one up to 160 GSM-7 septets (70 UCS-2 code units), else segments of 153
// septets (67 code units) for a concatenated message. An extension character
// or a surrogate pair is never cut between two segments. Empty text takes
// none.
func Segments(text string) (Encoding, int) {
	enc := EncodingOf(text)
	if text == "" {
		return enc, 0
	}
	single, part := gsmSingle, gsmPart
	width := func(r rune) int { return gsmSeptets[r] }
	if enc == UCS2 {
		single, part = ucsSingle, ucsPart
		width = utf16.RuneLen
	}
	total := 0
	for _, r := range text {
		total += runeWidth(width, r)
	}
	if total <= single {
		return enc, 1
	}
	segments, used := 1, 0
	for _, r := range text {
		w := runeWidth(width, r)
		if used+w > part {
			segments++
			used = 0
		}
		used += w
	}
	return enc, segments
}

func runeWidth(width func(rune) int, r rune) int {
	if w := width(r); w > 0 {
		return w
	}
	return 1 // utf16.RuneLen is -1 for invalid runes; they travel as U+FFFD
}

// units is the length of s in UTF-16 code units, which is how the
// 1,600-character limit is counted here (never less than Twilio's count).
func units(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(utf16.RuneLen, r)
	}
	return n
}

// Split cuts text into messages of at most MaxBody characters, on word
// boundaries where it can (inside a word longer than a message, on a
// character boundary). When there is more than one, each starts with its
// place, "(1/3) ", so that the citizen can read them in order whatever order
// they arrive in. A text that fits is returned whole, untouched.
func Split(text string) []string {
	return splitAt(text, MaxBody)
}

func splitAt(text string, limit int) []string {
	text = strings.TrimSpace(strings.ToValidUTF8(text, "\uFFFD"))
	if text == "" {
		return nil
	}
	if units(text) <= limit {
		return []string{text}
	}
	reserve := len("(9/9) ")
	for {
		parts := splitWords(text, limit-reserve)
		n := len(parts)
		need := len(fmt.Sprintf("(%d/%d) ", n, n))
		if need <= reserve {
			for i := range parts {
				parts[i] = fmt.Sprintf("(%d/%d) %s", i+1, n, parts[i])
			}
			return parts
		}
		reserve = need
	}
}

// splitWords cuts text into pieces of at most limit code units each.
func splitWords(text string, limit int) []string {
	limit = max(limit, 2) // room for a surrogate pair
	var parts []string
	for text != "" {
		if units(text) <= limit {
			parts = append(parts, text)
			break
		}
		used, hard, space := 0, 0, -1
		for i, r := range text {
			w := runeWidth(utf16.RuneLen, r)
			if used+w > limit {
				hard = i
				break
			}
			if unicode.IsSpace(r) && i > 0 {
				space = i
			}
			used += w
		}
		if space > 0 && strings.TrimSpace(text[:space]) != "" {
			parts = append(parts, strings.TrimRightFunc(text[:space], unicode.IsSpace))
			text = strings.TrimLeftFunc(text[space:], unicode.IsSpace)
			continue
		}
		// One word longer than a message: cut it, but not before a combining
		// mark or a joiner, which belong to the character before them.
		cut := hard
		for cut > 0 {
			r, _ := utf8.DecodeRuneInString(text[cut:])
			if !unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Me, r) && r != '\u200d' && !unicode.Is(unicode.Variation_Selector, r) {
				break
			}
			_, size := utf8.DecodeLastRuneInString(text[:cut])
			cut -= size
		}
		if cut == 0 {
			cut = hard
		}
		parts = append(parts, text[:cut])
		text = text[cut:]
	}
	return parts
}
