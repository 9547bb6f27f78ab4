package main

import (
	"io"
	"strings"

	"github.com/civicdesk/civicdesk"
)

// TEMPORARY until bot/local lands.
type tmpTriager struct{}

func (tmpTriager) Triage(text, channel string) civicdesk.Triage {
	l := strings.ToLower(text)
	t := civicdesk.Triage{Department: "general", Urgency: civicdesk.UrgencyNormal, Language: "en", Confidence: 0.5}
	for dept, words := range map[string][]string{"utilities": {"water", "bill"}, "vehicles": {"license", "licencia"}, "permits": {"permit"}} {
		for _, w := range words {
			if strings.Contains(l, w) {
				t.Department = dept
			}
		}
	}
	if strings.Contains(l, "persona") || strings.Contains(l, "quiero") {
		t.Language, t.WantsHuman = "es", true
	}
	return t
}

type tmpLocal struct{}

func (tmpLocal) New() (tmpTriager, error) { return tmpTriager{}, nil }
func (tmpLocal) ReadLabeled(io.Reader) ([]int, error) { return nil, nil }

type rep struct{}

func (rep) String() string { return "" }
func (tmpLocal) Evaluate(tmpTriager, []int) rep { return rep{} }

var local tmpLocal
