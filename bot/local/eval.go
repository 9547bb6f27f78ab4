package local

import (
	"fmt"
	"strings"
	"time"

	civicdesk "github.com/civicdesk/civicdesk"
)

// Score is precision, recall and F1 of one class.
type Score struct {
	Precision, Recall, F1 float64
	Support               int // labelled instances
	Predicted             int // predicted instances
}

func score(tp, fp, fn int) Score {
	s := Score{Support: tp + fn, Predicted: tp + fp}
	s.Precision = ratio(tp, tp+fp)
	s.Recall = ratio(tp, tp+fn)
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	return s
}

// ratio is a/b, or 1 when b is 0 (nothing to find, or nothing claimed).
func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// DeptScore is the score of one department.
type DeptScore struct {
	Department string
	Score
}

// Miss is one wrong answer, for looking into errors.
type Miss struct {
	ID, Field, Want, Got, Text string
}

// Report is the quality of a triager on labelled messages.
type Report struct {
	N int
	// Department.
	Accuracy float64
	MacroF1  float64
	PerDept  []DeptScore
	// Urgency.
	UrgencyAccuracy float64
	Emergency       Score
	High            Score
	// Asking for a person.
	WantsHuman Score
	// Language.
	LanguageAccuracy float64
	// Speed: mean time per triage.
	PerMessage time.Duration
	Misses     []Miss
}

// Evaluate triages every row and compares with its labels.
func Evaluate(t *Triager, rows []Labeled) Report {
	if len(rows) == 0 {
		return Report{}
	}
	preds := make([]civicdesk.Triage, len(rows))
	start := time.Now()
	for i, row := range rows {
		preds[i] = t.Triage(row.Text, row.Channel)
	}
	per := time.Since(start) / time.Duration(len(rows))
	r := compare(rows, preds)
	r.PerMessage = per
	return r
}

// CrossValidate estimates how the triager does on messages it has not seen:
// it splits rows into k folds and triages each fold with a triager trained
// on extra (always) and the other folds, then compares with the labels.
func CrossValidate(extra, rows []Labeled, k int) (Report, error) {
	if k < 2 {
		return Report{}, fmt.Errorf("cross-validation needs at least 2 folds, not %d", k)
	}
	preds := make([]civicdesk.Triage, len(rows))
	for f := 0; f < k; f++ {
		train := append([]Labeled(nil), extra...)
		var test []int
		for i, r := range rows {
			if i%k == f {
				test = append(test, i)
			} else {
				train = append(train, r)
			}
		}
		t, err := trainTriager(train)
		if err != nil {
			return Report{}, fmt.Errorf("fold %d: %w", f, err)
		}
		for _, i := range test {
			preds[i] = t.Triage(rows[i].Text, rows[i].Channel)
		}
	}
	return compare(rows, preds), nil
}

// compare scores predictions against labelled rows.
func compare(rows []Labeled, preds []civicdesk.Triage) Report {
	r := Report{N: len(rows)}
	type counts struct{ tp, fp, fn int }
	dept := map[string]*counts{}
	for _, d := range departments {
		dept[d] = &counts{}
	}
	var emerg, high, human counts
	var deptOK, urgOK, langOK int
	for i, row := range rows {
		got := preds[i]
		miss := func(field, want, have string) {
			r.Misses = append(r.Misses, Miss{ID: row.ID, Field: field, Want: want, Got: have, Text: row.Text})
		}
		if dept[row.Department] == nil {
			dept[row.Department] = &counts{}
		}
		if got.Department == row.Department {
			deptOK++
			dept[row.Department].tp++
		} else {
			dept[row.Department].fn++
			dept[got.Department].fp++
			miss("department", row.Department, got.Department)
		}
		u := string(got.Urgency)
		if u == row.Urgency {
			urgOK++
		} else {
			miss("urgency", row.Urgency, u)
		}
		for _, c := range []struct {
			level string
			n     *counts
		}{{"emergency", &emerg}, {"high", &high}} {
			switch {
			case u == c.level && row.Urgency == c.level:
				c.n.tp++
			case u == c.level:
				c.n.fp++
			case row.Urgency == c.level:
				c.n.fn++
			}
		}
		switch {
		case got.WantsHuman && row.WantsHuman:
			human.tp++
		case got.WantsHuman:
			human.fp++
			miss("wants_human", "false", "true")
		case row.WantsHuman:
			human.fn++
			miss("wants_human", "true", "false")
		}
		if got.Language == row.Language {
			langOK++
		} else {
			miss("language", row.Language, got.Language)
		}
	}
	n := float64(len(rows))
	r.Accuracy = float64(deptOK) / n
	r.UrgencyAccuracy = float64(urgOK) / n
	r.LanguageAccuracy = float64(langOK) / n
	r.Emergency = score(emerg.tp, emerg.fp, emerg.fn)
	r.High = score(high.tp, high.fp, high.fn)
	r.WantsHuman = score(human.tp, human.fp, human.fn)
	var f1s float64
	var classes int
	for _, d := range departments {
		c := dept[d]
		s := score(c.tp, c.fp, c.fn)
		if s.Support == 0 && s.Predicted == 0 {
			continue
		}
		r.PerDept = append(r.PerDept, DeptScore{Department: d, Score: s})
		f1s += s.F1
		classes++
	}
	if classes > 0 {
		r.MacroF1 = f1s / float64(classes)
	}
	return r
}

// String renders the report as a table.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "messages            %d\n", r.N)
	fmt.Fprintf(&b, "department accuracy %.3f\n", r.Accuracy)
	fmt.Fprintf(&b, "department macro-F1 %.3f\n\n", r.MacroF1)
	fmt.Fprintf(&b, "%-12s %9s %9s %9s %8s\n", "department", "precision", "recall", "F1", "support")
	for _, d := range r.PerDept {
		fmt.Fprintf(&b, "%-12s %9.3f %9.3f %9.3f %8d\n", d.Department, d.Precision, d.Recall, d.F1, d.Support)
	}
	fmt.Fprintf(&b, "\n%-12s %9s %9s %9s %8s\n", "", "precision", "recall", "F1", "support")
	fmt.Fprintf(&b, "%-12s %9.3f %9.3f %9.3f %8d\n", "emergency", r.Emergency.Precision, r.Emergency.Recall, r.Emergency.F1, r.Emergency.Support)
	fmt.Fprintf(&b, "%-12s %9.3f %9.3f %9.3f %8d\n", "high", r.High.Precision, r.High.Recall, r.High.F1, r.High.Support)
	fmt.Fprintf(&b, "%-12s %9.3f %9.3f %9.3f %8d\n", "wants human", r.WantsHuman.Precision, r.WantsHuman.Recall, r.WantsHuman.F1, r.WantsHuman.Support)
	fmt.Fprintf(&b, "\nurgency accuracy    %.3f\n", r.UrgencyAccuracy)
	fmt.Fprintf(&b, "language accuracy   %.3f\n", r.LanguageAccuracy)
	if r.PerMessage > 0 {
		fmt.Fprintf(&b, "time per message    %v\n", r.PerMessage)
	}
	return b.String()
}
