package sms

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSegments(t *testing.T) {
	t.Parallel()
	a := func(n int) string { return strings.Repeat("a", n) }
	zh := func(n int) string { return strings.Repeat("ж", n) }
	for _, tc := range []struct {
		name, text string
		enc        Encoding
		segments   int
	}{
		{"empty", "", GSM7, 0},
		{"short", "Your permit is ready.", GSM7, 1},
		{"GSM accents and Greek", "Ça coûte 5€? Ñandú ΔΣ @£$¥", UCS2, 1}, // û is not GSM-7
		{"GSM basic accents", "Ça va, Ñoño? ΔΣ @£$¥ èéùìò ÄÖÜäöüß", GSM7, 1},
		{"160 GSM", a(160), GSM7, 1},
		{"161 GSM", a(161), GSM7, 2},
		{"306 GSM", a(306), GSM7, 2},
		{"307 GSM", a(307), GSM7, 3},
		{"extension counts twice", a(159) + "€", GSM7, 2},
		{"extension fits once", a(158) + "€", GSM7, 1},
		{"escape never split", a(152) + "€" + a(152), GSM7, 3}, // 306 septets, but the € cannot straddle
		{"brackets", "Form [B-12] {new} ~ | ^ \\", GSM7, 1},
		{"70 UCS-2", zh(70), UCS2, 1},
		{"71 UCS-2", zh(71), UCS2, 2},
		{"134 UCS-2", zh(134), UCS2, 2},
		{"135 UCS-2", zh(135), UCS2, 3},
		{"one emoji makes UCS-2", a(100) + "🙂", UCS2, 2},
		{"35 emoji fit", strings.Repeat("😀", 35), UCS2, 1},
		{"surrogates never split", strings.Repeat("😀", 67), UCS2, 3}, // 134 units, 33 pairs a segment
		{"curly quote", "It’s ready", UCS2, 1},
		{"Spanish acute accents are not GSM", "¿Dónde está mi licencia?", UCS2, 1}, // ó and á are not in GSM-7
		{"lowercase ç is not GSM", "ça", UCS2, 1},
	} {
		enc, n := Segments(tc.text)
		if enc != tc.enc || n != tc.segments {
			t.Errorf("%s: Segments = %s, %d; want %s, %d", tc.name, enc, n, tc.enc, tc.segments)
		}
	}
}

var partRE = regexp.MustCompile(`^\((\d+)/(\d+)\) `)

// checkSplit verifies the parts of text: each within limit, numbered when
// there are several, and together the same text (whitespace aside).
func checkSplit(t *testing.T, text string, parts []string, limit int) {
	t.Helper()
	if strings.TrimSpace(text) == "" {
		if len(parts) != 0 {
			t.Fatalf("blank text split into %d parts", len(parts))
		}
		return
	}
	if len(parts) == 0 {
		t.Fatal("no parts")
	}
	var joined []string
	for i, p := range parts {
		if u := units(p); u > limit {
			t.Fatalf("part %d has %d units, more than %d", i+1, u, limit)
		}
		if !utf8.ValidString(p) {
			t.Fatalf("part %d is not valid UTF-8", i+1)
		}
		if len(parts) > 1 {
			m := partRE.FindStringSubmatch(p)
			if m == nil || m[1] != fmt.Sprint(i+1) || m[2] != fmt.Sprint(len(parts)) {
				t.Fatalf("part %d does not start with (%d/%d): %.20q", i+1, i+1, len(parts), p)
			}
			p = p[len(m[0]):]
		}
		joined = append(joined, p)
	}
	squash := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
	}
	if squash(strings.Join(joined, "")) != squash(strings.ToValidUTF8(text, "\uFFFD")) {
		t.Fatalf("the parts do not add up to the text")
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	short := "Your renewal is approved. Pick up the sticker at any branch."
	if got := Split(short); len(got) != 1 || got[0] != short {
		t.Fatalf("short text split: %q", got)
	}
	exact := strings.Repeat("a", MaxBody)
	if got := Split(exact); len(got) != 1 || got[0] != exact {
		t.Fatalf("a text of exactly %d characters was split into %d", MaxBody, len(got))
	}

	words := strings.Repeat("permit renewal ", 300) // 4,500 characters
	parts := Split(words)
	checkSplit(t, words, parts, MaxBody)
	if len(parts) != 3 {
		t.Fatalf("4,500 characters in %d parts, want 3", len(parts))
	}
	for i, p := range parts {
		body := partRE.ReplaceAllString(p, "")
		for _, w := range strings.Fields(body) {
			if w != "permit" && w != "renewal" {
				t.Fatalf("part %d cuts a word: %q", i+1, w)
			}
		}
	}

	long := strings.Repeat("x", 4000) // no space to cut at
	checkSplit(t, long, Split(long), MaxBody)

	emoji := strings.Repeat("😀", 1000) // 2,000 units
	parts = Split(emoji)
	checkSplit(t, emoji, parts, MaxBody)
	if len(parts) != 2 {
		t.Fatalf("1,000 emoji in %d parts, want 2", len(parts))
	}
	for _, p := range parts {
		if enc, _ := Segments(p); enc != UCS2 {
			t.Fatalf("emoji part is %s", enc)
		}
	}

	accents := strings.Repeat("e\u0301", 1000) // combining acute accents
	for i, p := range Split(accents) {
		r, _ := utf8.DecodeRuneInString(partRE.ReplaceAllString(p, ""))
		if unicode.Is(unicode.Mn, r) {
			t.Fatalf("part %d starts with a combining mark", i+1)
		}
	}

	many := strings.Repeat("word ", 4000) // 20,000 characters: (10/13) needs more room
	checkSplit(t, many, Split(many), MaxBody)
}

func FuzzSplit(f *testing.F) {
	f.Add("hello world", uint8(10))
	f.Add(strings.Repeat("ab ", 50), uint8(7))
	f.Add("😀😀😀 e\u0301e\u0301 €€€", uint8(3))
	f.Add("\xff\xfe broken", uint8(20))
	f.Fuzz(func(t *testing.T, text string, limit uint8) {
		lim := 12 + int(limit)
		checkSplit(t, text, splitAt(text, lim), lim)
		enc, n := Segments(text)
		if (text == "") != (n == 0) || (enc != GSM7 && enc != UCS2) {
			t.Fatalf("Segments(%q) = %s, %d", text, enc, n)
		}
	})
}
