package llm

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// answer is a validated model answer.
type answer struct {
	Department string
	Urgency    string
	Language   string
	WantsHuman bool
	Confidence float64
	Reasons    []string
	Summary    string
}

// Bounds on what the model may write into a triage.
const (
	maxReasons      = 3
	maxReasonRunes  = 160
	maxSummaryRunes = 400
)

// parseAnswer decodes and validates the model's JSON. Anything outside the
// schema (a department, urgency or language not in its enum, a confidence
// outside 0..1, a missing field) is an error: the local triager answers
// instead.
func parseAnswer(content string) (answer, error) {
	content = strings.TrimSpace(content)
	// Some servers wrap JSON in a Markdown fence despite the schema.
	if strings.HasPrefix(content, "```") {
		content = strings.TrimPrefix(strings.TrimPrefix(content, "```json"), "```")
		content = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(content), "```"))
	}
	if content == "" {
		return answer{}, errAnswer("empty answer")
	}
	var raw struct {
		Department *string   `json:"department"`
		Urgency    *string   `json:"urgency"`
		Language   *string   `json:"language"`
		WantsHuman *bool     `json:"wantsHuman"`
		Confidence *float64  `json:"confidence"`
		Reasons    *[]string `json:"reasons"`
		Summary    *string   `json:"summary"`
	}
	dec := json.NewDecoder(strings.NewReader(content))
	if err := dec.Decode(&raw); err != nil {
		return answer{}, errAnswer("malformed answer")
	}
	if rest, _ := readRest(dec); len(bytes.TrimSpace(rest)) > 0 {
		return answer{}, errAnswer("malformed answer")
	}
	switch {
	case raw.Department == nil || raw.Urgency == nil || raw.Language == nil || raw.WantsHuman == nil ||
		raw.Confidence == nil || raw.Reasons == nil || raw.Summary == nil:
		return answer{}, errAnswer("invalid answer: missing field")
	case !slices.Contains(departments, *raw.Department):
		return answer{}, errAnswer("invalid answer: department not in enum")
	case !slices.Contains(urgencies, *raw.Urgency):
		return answer{}, errAnswer("invalid answer: urgency not in enum")
	case !slices.Contains(languages, *raw.Language):
		return answer{}, errAnswer("invalid answer: language not in enum")
	case math.IsNaN(*raw.Confidence) || *raw.Confidence < 0 || *raw.Confidence > 1:
		return answer{}, errAnswer("invalid answer: confidence out of range")
	}
	a := answer{
		Department: *raw.Department,
		Urgency:    *raw.Urgency,
		Language:   *raw.Language,
		WantsHuman: *raw.WantsHuman,
		Confidence: *raw.Confidence,
		Summary:    clean(*raw.Summary, maxSummaryRunes),
	}
	for _, r := range *raw.Reasons {
		if r = clean(r, maxReasonRunes); r != "" && len(a.Reasons) < maxReasons {
			a.Reasons = append(a.Reasons, r)
		}
	}
	return a, nil
}

func readRest(dec *json.Decoder) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(dec.Buffered())
	return b.Bytes(), err
}

// clean makes model text fit for a triage record: valid UTF-8, one line,
// no control characters, at most n runes.
func clean(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > n {
		s = clip(s, n)
	}
	return s
}
