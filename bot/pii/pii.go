package pii

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// The kinds of personal data Redact finds.
const (
	KindSSN        = "ssn"
	KindCard       = "card"
	KindPhone      = "phone"
	KindEmail      = "email"
	KindDOB        = "dob"
	KindAddress    = "address"
	KindCaseNumber = "case_number"
)

// Finding is one piece of personal data in a text: its kind and where it
// is, as byte offsets into the original text (text[Start:End]).
type Finding struct {
	Kind  string `json:"kind"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

var placeholders = map[string]string{
	KindSSN:        "[SSN]",
	KindCard:       "[CARD]",
	KindPhone:      "[PHONE]",
	KindEmail:      "[EMAIL]",
	KindDOB:        "[DOB]",
	KindAddress:    "[ADDRESS]",
	KindCaseNumber: "[CASE]",
}

// Placeholder is what Redact writes in place of a finding of kind:
// "[SSN]", "[CARD]", "[PHONE]", "[EMAIL]", "[DOB]", "[ADDRESS]" or
// "[CASE]".
func Placeholder(kind string) string {
	if p, ok := placeholders[kind]; ok {
		return p
	}
	return "[REDACTED]"
}

// Priorities settle overlaps: the stronger reading of a span wins.
const (
	prioEmail      = 100
	prioCard       = 95
	prioSSN        = 90 // formatted, or with an SSN cue
	prioCase       = 80
	prioDOB        = 75
	prioPhone      = 70
	prioCaseWeak   = 65 // after a bare "number" word
	prioSSNBare    = 60 // nine digits, no cue
	prioAddress    = 50
	maxScrubNeedle = 64
)

type cand struct {
	start, end int
	kind       string
	prio       int
}

// Redact returns text with every finding replaced by its placeholder, and
// the findings, in order, as offsets into text. It is safe for concurrent
// use.
func Redact(text string) (redacted string, found []Finding) {
	digits, at := census(text)
	if digits == 0 && !at {
		return text, nil
	}
	d := detector{text: text}
	if at {
		d.emails()
	}
	if digits > 0 {
		d.numbers()
		d.cues()
		if digits >= 9 {
			d.ssns()
			d.cards()
		}
		if digits >= 7 {
			d.phones()
		}
		d.dobs()
		d.cases()
		d.addresses()
	}
	if len(d.cands) == 0 {
		return text, nil
	}
	spans := merge(scrub(text, resolve(d.cands)))
	var b strings.Builder
	b.Grow(len(text))
	found = make([]Finding, 0, len(spans))
	last := 0
	for _, c := range spans {
		b.WriteString(text[last:c.start])
		b.WriteString(Placeholder(c.kind))
		last = c.end
		found = append(found, Finding{Kind: c.kind, Start: c.start, End: c.end})
	}
	b.WriteString(text[last:])
	return b.String(), found
}

// census counts the digits of text (in any of the scripts Redact reads)
// and says whether it has an "@".
func census(text string) (digits int, at bool) {
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if c >= '0' && c <= '9' {
				digits++
			} else if c == '@' {
				at = true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if isDigit(r) {
			digits++
		} else if r == '＠' {
			at = true
		}
		i += n
	}
	return digits, at
}

// resolve keeps the strongest of overlapping candidates: by priority,
// then length, then position.
func resolve(cs []cand) []cand {
	slices.SortFunc(cs, func(a, b cand) int {
		if a.prio != b.prio {
			return b.prio - a.prio
		}
		if la, lb := a.end-a.start, b.end-b.start; la != lb {
			return lb - la
		}
		return a.start - b.start
	})
	maxEnd := 0
	for _, c := range cs {
		maxEnd = max(maxEnd, c.end)
	}
	taken := make([]bool, maxEnd) // taken[i]: byte i is in a kept span
	var kept []cand
	for _, c := range cs {
		if c.start < 0 || c.end <= c.start {
			continue
		}
		free := true
		for i := c.start; i < c.end; i++ {
			if taken[i] {
				free = false
				break
			}
		}
		if !free {
			continue
		}
		for i := c.start; i < c.end; i++ {
			taken[i] = true
		}
		kept = append(kept, c)
	}
	return kept
}

// scrub adds every other occurrence of the digits of each SSN and card
// found, however they are separated, so that none survives anywhere in
// the text.
func scrub(text string, kept []cand) []cand {
	out := kept
	seen := map[string]bool{}
	for _, c := range kept {
		if c.kind != KindSSN && c.kind != KindCard {
			continue
		}
		needle := asciiDigits(text[c.start:c.end])
		if len(needle) < 9 || len(needle) > maxScrubNeedle || seen[string(needle)] {
			continue
		}
		seen[string(needle)] = true
		for _, sp := range occurrences(text, needle) {
			if sp[0] == c.start && sp[1] == c.end {
				continue
			}
			out = append(out, cand{start: sp[0], end: sp[1], kind: c.kind, prio: c.prio})
		}
	}
	return out
}

// occurrences finds needle (ASCII digits) in text, in any digit script and
// with at most one space, dash, dot or slash between two digits.
func occurrences(text string, needle []byte) [][2]int {
	var out [][2]int
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if v, ok := digitValue(r); ok && byte('0'+v) == needle[0] {
			if end, ok := matchDigits(text, i, needle); ok {
				out = append(out, [2]int{i, end})
			}
		}
		i += n
	}
	return out
}

func matchDigits(text string, i int, needle []byte) (int, bool) {
	k := 0
	sep := false
	for j := i; j < len(text); {
		r, n := utf8.DecodeRuneInString(text[j:])
		if v, ok := digitValue(r); ok {
			if byte('0'+v) != needle[k] {
				return 0, false
			}
			k++
			j += n
			sep = false
			if k == len(needle) {
				return j, true
			}
			continue
		}
		if !sep && k > 0 && (r == ' ' || r == '-' || r == '.' || r == '/' || r == '\u00a0') {
			sep = true
			j += n
			continue
		}
		return 0, false
	}
	return 0, false
}

// merge joins overlapping spans; the joined span keeps the kind of its
// strongest member.
func merge(cs []cand) []cand {
	slices.SortFunc(cs, func(a, b cand) int { return a.start - b.start })
	out := cs[:0]
	for _, c := range cs {
		if n := len(out); n > 0 && c.start < out[n-1].end {
			last := &out[n-1]
			if c.end > last.end {
				last.end = c.end
			}
			if c.prio > last.prio {
				last.kind, last.prio = c.kind, c.prio
			}
			continue
		}
		out = append(out, c)
	}
	return out
}

// isDigit reports whether r is a decimal digit Redact reads: ASCII,
// Arabic-Indic, Extended Arabic-Indic (Persian, Urdu) or fullwidth.
func isDigit(r rune) bool {
	_, ok := digitValue(r)
	return ok
}

func digitValue(r rune) (int, bool) {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0'), true
	case r >= '\u0660' && r <= '\u0669':
		return int(r - '\u0660'), true
	case r >= '\u06F0' && r <= '\u06F9':
		return int(r - '\u06F0'), true
	case r >= '\uFF10' && r <= '\uFF19':
		return int(r - '\uFF10'), true
	}
	return 0, false
}

// asciiDigits returns the digits of s, as ASCII.
func asciiDigits(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if v, ok := digitValue(r); ok {
			out = append(out, byte('0'+v))
		}
	}
	return out
}
