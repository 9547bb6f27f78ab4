package email

import (
	"regexp"
	"strings"
)

var (
	// "On Mon, 6 May 2024 at 10:12, Jane <jane@example.org> wrote:" (Gmail,
	// Apple Mail, Thunderbird) and its usual translations. Gmail wraps long
	// attributions, so up to three lines are joined before matching.
	attributionRE = regexp.MustCompile(`(?i)^((on|am|le|el|il|em|op|den|på|dnia)\s.{0,300}(wrote|schrieb|a écrit|escribió|ha scritto|scrisse|escreveu|schreef|skrev|napisał)\s*:|am\s.{0,300}\sschrieb\s.{0,200}:)$`)
	// "-----Original Message-----" (Outlook) and translations.
	originalRE = regexp.MustCompile(`(?i)^-{3,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|mensagem original|oorspronkelijk bericht)\s*-{3,}$`)
	// Outlook's reply header block: "From: …" followed by "Sent: …" (or
	// "Date:") within a few lines.
	fromLineRE = regexp.MustCompile(`(?i)^\*?(from|von|de|da|van|från)\s*:\*?\s`)
	sentLineRE = regexp.MustCompile(`(?i)^\*?(sent|date|gesendet|datum|envoyé|enviado|inviato|verzonden|skickat)\s*:\*?\s`)
	// Mobile mailers' tag lines, dropped when they end the text.
	mobileRE = regexp.MustCompile(`(?i)^(sent from my |sent from (yahoo|outlook|mail) for |get outlook for |envoyé de mon |enviado desde mi |von meinem .* gesendet)`)
)

// trimQuoted returns text without quoted history (attribution lines and
// what follows, "-----Original Message-----" blocks, Outlook "From:/Sent:"
// headers, ">" lines) and without the signature ("-- " and what follows).
// When nothing would be left, it returns text unchanged.
func trimQuoted(text string) string {
	if text == "" {
		return ""
	}
	lines := strings.Split(text, "\n")
	var kept []string
cut:
	for i := 0; i < len(lines); i++ {
		raw := lines[i]
		l := strings.TrimSpace(raw)
		switch {
		case raw == "-- " || raw == "--":
			break cut
		case strings.HasPrefix(l, ">"):
			// Quoted line (also inline replies' quotes): drop it. A blank
			// line right before a quote goes with it.
			continue
		case originalRE.MatchString(l):
			break cut
		case isAttribution(lines, i):
			break cut
		case fromLineRE.MatchString(l) && outlookHeader(lines, i):
			// Outlook often draws a line of underscores above the header.
			if n := len(kept); n > 0 && strings.Trim(strings.TrimSpace(kept[n-1]), "_") == "" && strings.Contains(kept[n-1], "___") {
				kept = kept[:n-1]
			}
			break cut
		}
		kept = append(kept, raw)
	}
	// Drop trailing blank lines and a mobile mailer's tag line.
	for len(kept) > 0 {
		last := strings.TrimSpace(kept[len(kept)-1])
		if last == "" || mobileRE.MatchString(last) || strings.Trim(last, "_-") == "" {
			kept = kept[:len(kept)-1]
			continue
		}
		break
	}
	out := collapseBlank(kept)
	if strings.TrimSpace(out) == "" {
		return text
	}
	return out
}

// isAttribution reports whether an "On … wrote:" line starts at lines[i],
// possibly wrapped over up to three lines.
func isAttribution(lines []string, i int) bool {
	l := strings.TrimSpace(lines[i])
	if l == "" || len(l) > 400 {
		return false
	}
	joined := l
	for j := i; j < len(lines) && j < i+3; j++ {
		if j > i {
			next := strings.TrimSpace(lines[j])
			if next == "" {
				return false
			}
			joined += " " + next
		}
		if attributionRE.MatchString(joined) {
			return true
		}
	}
	return false
}

// outlookHeader reports whether the "From:" line at lines[i] is followed
// by a "Sent:" or "Date:" line within the next four lines.
func outlookHeader(lines []string, i int) bool {
	for j := i + 1; j < len(lines) && j <= i+4; j++ {
		if sentLineRE.MatchString(strings.TrimSpace(lines[j])) {
			return true
		}
	}
	return false
}
