package local

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	civicdesk "github.com/civicdesk/civicdesk"
)

var (
	sharedOnce sync.Once
	shared     *Triager
	sharedErr  error
)

// triager returns a triager trained once for the package's tests.
func triager(t testing.TB) *Triager {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = New() })
	if sharedErr != nil {
		t.Fatalf("New: %v", sharedErr)
	}
	return shared
}

// The targets of issue 4, measured as they will be judged: on messages the
// triager has not seen. Five-fold cross-validation over the development
// set, with the package's own messages always in training.
func TestCrossValidationMeetsTargets(t *testing.T) {
	own, dev, err := trainingSets()
	if err != nil {
		t.Fatal(err)
	}
	if len(dev) < 300 {
		t.Fatalf("development set has %d messages, want the 360 of dev.jsonl", len(dev))
	}
	r, err := CrossValidate(own, dev, 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("5-fold cross-validation on dev.jsonl (%d own messages always in training):\n%s", len(own), r)
	check := func(name string, got, min float64) {
		t.Helper()
		if got < min {
			t.Errorf("%s = %.3f, want at least %.2f", name, got, min)
		}
	}
	check("department macro-F1", r.MacroF1, 0.90)
	check("emergency recall", r.Emergency.Recall, 1.00)
	check("emergency precision", r.Emergency.Precision, 0.80)
	check("wants-human recall", r.WantsHuman.Recall, 0.97)
	check("language accuracy", r.LanguageAccuracy, 0.97)
	for _, d := range r.PerDept {
		check("F1 of "+d.Department, d.F1, 0.80)
	}
	if t.Failed() {
		for _, m := range r.Misses {
			t.Logf("%s %s: want %s, got %s: %q", m.ID, m.Field, m.Want, m.Got, m.Text)
		}
	}
}

// testdata/heldout.jsonl holds 160 messages written by someone who saw
// neither this package nor dev.jsonl, kept out of training to measure how
// the triager does on wording it was not built from. The floors are below
// what it scores (see docs/benchmarks.md): they catch a change that makes
// it worse on new wording, not a target.
func TestHeldOutMessages(t *testing.T) {
	f, err := os.Open("testdata/heldout.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := ReadLabeled(f)
	if err != nil || len(rows) < 150 {
		t.Fatalf("%d held-out messages: %v", len(rows), err)
	}
	own, dev, err := trainingSets()
	if err != nil {
		t.Fatal(err)
	}
	trained := map[string]bool{}
	for _, r := range append(own, dev...) {
		trained[normalize(r.Text, true)] = true
	}
	for _, r := range rows {
		if trained[normalize(r.Text, true)] {
			t.Errorf("%s is in training: %q", r.ID, r.Text)
		}
	}
	tr, err := New()
	if err != nil {
		t.Fatal(err)
	}
	r := Evaluate(tr, rows)
	t.Logf("held-out messages:\n%s", r)
	for _, c := range []struct {
		name       string
		got, floor float64
	}{
		{"department macro-F1", r.MacroF1, 0.85},
		{"emergency recall", r.Emergency.Recall, 0.90},
		{"emergency precision", r.Emergency.Precision, 0.80},
		{"wants-human recall", r.WantsHuman.Recall, 0.95},
		{"language accuracy", r.LanguageAccuracy, 0.97},
	} {
		if c.got < c.floor {
			t.Errorf("%s = %.3f on held-out messages, below %.2f", c.name, c.got, c.floor)
		}
	}
}

// New trains at start-up; it must stay quick. The bound is loose because
// test machines are shared; the log shows the real figure.
func TestNewTrainsQuickly(t *testing.T) {
	start := time.Now()
	if _, err := New(); err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	t.Logf("New trained in %v", d)
	if d > 5*time.Second {
		t.Errorf("New took %v, want well under a second", d)
	}
}

// The "done when" examples of issue 4.
func TestIssueExamples(t *testing.T) {
	tr := triager(t)

	got := tr.Triage("my water bill doubled, can I get a payment plan?", "webchat")
	if got.Department != "utilities" || got.Urgency != civicdesk.UrgencyNormal || got.Language != "en" || got.WantsHuman {
		t.Errorf("water bill: got %+v", got)
	}
	if !strings.Contains(strings.Join(got.Reasons, " "), "water") {
		t.Errorf("water bill: reasons %q do not name the word that decided", got.Reasons)
	}

	got = tr.Triage("quiero hablar con alguien sobre mi licencia de conducir", "webchat")
	if got.Department != "vehicles" || got.Language != "es" || !got.WantsHuman {
		t.Errorf("licencia: got %+v", got)
	}

	for _, text := range []string{
		"my neighbor's boyfriend is beating her in the hallway right now, she is screaming",
		"someone is in danger, a man is threatening my sister with a knife",
		"mi hijo dice que se quiere matar",
	} {
		if got := tr.Triage(text, "sms"); got.Urgency != civicdesk.UrgencyEmergency {
			t.Errorf("%q: urgency %s, want emergency (reasons %q)", text, got.Urgency, got.Reasons)
		}
	}
}

func TestTriageFieldsAreWellFormed(t *testing.T) {
	tr := triager(t)
	_, dev, err := trainingSets()
	if err != nil {
		t.Fatal(err)
	}
	depts := map[string]bool{}
	for _, d := range departments {
		depts[d] = true
	}
	langs := map[string]bool{}
	for _, l := range languages {
		langs[l] = true
	}
	texts := []string{"", "   ", "???", "agent", strings.Repeat("water bill ", 2000)}
	for _, r := range dev {
		texts = append(texts, r.Text)
	}
	for _, text := range texts {
		got := tr.Triage(text, "sms")
		if !depts[got.Department] {
			t.Errorf("%q: department %q", text, got.Department)
		}
		if got.Urgency != civicdesk.UrgencyNormal && got.Urgency != civicdesk.UrgencyHigh && got.Urgency != civicdesk.UrgencyEmergency {
			t.Errorf("%q: urgency %q", text, got.Urgency)
		}
		if !langs[got.Language] {
			t.Errorf("%q: language %q", text, got.Language)
		}
		if got.Confidence < 0 || got.Confidence > 1 {
			t.Errorf("%q: confidence %v", text, got.Confidence)
		}
		if len(got.Reasons) < 3 {
			t.Errorf("%q: reasons %q, want department, urgency and language at least", text, got.Reasons)
		}
		if n := utf8.RuneCountInString(got.Summary); n > summaryRunes || strings.Contains(got.Summary, "\n") {
			t.Errorf("%q: summary %q (%d runes)", text, got.Summary, n)
		}
	}
}

func TestReasonsNameTheEvidence(t *testing.T) {
	tr := triager(t)
	got := tr.Triage("I need to renew my SNAP benefits, the recertification form is confusing", "webchat")
	if got.Department != "benefits" {
		t.Fatalf("got %+v", got)
	}
	if r := got.Reasons[0]; !strings.HasPrefix(r, "department benefits") || !strings.Contains(r, "snap") {
		t.Errorf("department reason %q", r)
	}
	got = tr.Triage("he overdosed and is not breathing", "sms")
	joined := strings.Join(got.Reasons, " | ")
	if got.Urgency != civicdesk.UrgencyEmergency || !strings.Contains(joined, "urgency emergency: rule 'medical emergency'") {
		t.Errorf("overdose: %s: %s", got.Urgency, joined)
	}
	got = tr.Triage("representative please", "sms")
	if !got.WantsHuman || !strings.Contains(strings.Join(got.Reasons, " "), "representative") {
		t.Errorf("representative: %+v", got)
	}
	if got.Department != "general" {
		t.Errorf("representative alone: department %s, want general", got.Department)
	}
}

func TestSummary(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"my ebt card got declined at walmart today", "my ebt card got declined at walmart today"},
		{"Hello,\nI am writing about my water bill. It doubled this month.\nThanks,\nRay", "I am writing about my water bill."},
		{"Subject: Final disconnection notice - water\n\nI got a final notice that my water will be disconnected Monday. I applied for help.", "Final disconnection notice - water: I got a final notice that my water will be disconnected Monday."},
		{"RE: Account 7719-00432 - payment posted late\nHello,\n", "Account 7719-00432 - payment posted late"},
		{"Buenas tardes,\nsolicité la ayuda de renta hace dos meses y no sé nada.\nGracias", "solicité la ayuda de renta hace dos meses y no sé nada."},
		{"我的失业金已经三个星期没到账了，请帮我查一下。我要跟真人说话", "我的失业金已经三个星期没到账了，请帮我查一下。"},
		{"", ""},
	} {
		if got := summarize(c.in); got != c.want {
			t.Errorf("summarize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	long := strings.Repeat("landlord never fixes anything in this building ", 10)
	got := summarize(long)
	if n := utf8.RuneCountInString(got); n > summaryRunes || !strings.HasSuffix(got, "…") {
		t.Errorf("long summary %q (%d runes)", got, n)
	}
}

func TestTriageIsSafeForConcurrentUse(t *testing.T) {
	tr := triager(t)
	texts := []string{"agent", "my water bill doubled", "mi esposo me pega", "房东不退押金", "pothole on main st"}
	want := make([]civicdesk.Triage, len(texts))
	for i, s := range texts {
		want[i] = tr.Triage(s, "sms")
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 50; n++ {
				i := n % len(texts)
				got := tr.Triage(texts[i], "sms")
				if got.Department != want[i].Department || got.Urgency != want[i].Urgency || got.Language != want[i].Language {
					t.Errorf("%q: concurrent triage %+v differs from %+v", texts[i], got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestEvaluateReport(t *testing.T) {
	tr := triager(t)
	rows := []Labeled{
		{ID: "a", Channel: "sms", Text: "my water bill doubled", Department: "utilities", Urgency: "normal", Language: "en"},
		{ID: "b", Channel: "sms", Text: "agent", Department: "general", Urgency: "normal", Language: "en", WantsHuman: true},
		{ID: "c", Channel: "sms", Text: "strong gas smell on the street by the school, kids are getting dizzy", Department: "utilities", Urgency: "emergency", Language: "en"},
		{ID: "d", Channel: "sms", Text: "how do i renew my drivers license", Department: "taxes", Urgency: "normal", Language: "en"},
	}
	r := Evaluate(tr, rows)
	if r.N != 4 || r.Accuracy != 0.75 || r.Emergency.Recall != 1 || r.WantsHuman.Recall != 1 || r.LanguageAccuracy != 1 {
		t.Errorf("report %+v", r)
	}
	if len(r.Misses) != 1 || r.Misses[0].ID != "d" || r.Misses[0].Got != "vehicles" {
		t.Errorf("misses %+v", r.Misses)
	}
	s := r.String()
	for _, want := range []string{"macro-F1", "utilities", "emergency", "wants human", "language accuracy"} {
		if !strings.Contains(s, want) {
			t.Errorf("report table lacks %q:\n%s", want, s)
		}
	}
	if e := Evaluate(tr, nil); e.N != 0 || e.PerDept != nil {
		t.Error("empty evaluation is not empty")
	}
}

func TestReadLabeled(t *testing.T) {
	rows, err := ReadLabeled(strings.NewReader(`{"id": "x1", "channel": "sms", "text": "agent", "department": "general", "urgency": "normal", "language": "en", "wants_human": true}

{"id": "x2", "channel": "email", "text": "hola", "department": "general", "urgency": "normal", "language": "es", "wants_human": false}
`))
	if err != nil || len(rows) != 2 || !rows[0].WantsHuman || rows[1].Language != "es" {
		t.Fatalf("rows %+v, err %v", rows, err)
	}
	if _, err := ReadLabeled(strings.NewReader("{not json}\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad line: err %v", err)
	}
}

// The package's own messages are checked like code: valid labels, unique
// ids, every language and department covered, and no copy of a
// development message (which would inflate the cross-validated figures).
func TestTrainingData(t *testing.T) {
	own, dev, err := trainingSets()
	if err != nil {
		t.Fatal(err)
	}
	depts := map[string]bool{}
	for _, d := range departments {
		depts[d] = true
	}
	devText := map[string]bool{}
	for _, r := range dev {
		devText[normalize(r.Text, true)] = true
	}
	ids := map[string]bool{}
	perLang := map[string]int{}
	perDept := map[string]int{}
	for _, r := range append(own, dev...) {
		if ids[r.ID] {
			t.Errorf("duplicate id %s", r.ID)
		}
		ids[r.ID] = true
		if !depts[r.Department] {
			t.Errorf("%s: department %q", r.ID, r.Department)
		}
		switch r.Urgency {
		case "normal", "high", "emergency":
		default:
			t.Errorf("%s: urgency %q", r.ID, r.Urgency)
		}
		if !civicdesk.Channel(r.Channel).Valid() {
			t.Errorf("%s: channel %q", r.ID, r.Channel)
		}
		if strings.TrimSpace(r.Text) == "" {
			t.Errorf("%s: empty text", r.ID)
		}
	}
	for _, r := range own {
		perLang[r.Language]++
		perDept[r.Department]++
		if devText[normalize(r.Text, true)] {
			t.Errorf("%s copies a development message: %q", r.ID, r.Text)
		}
	}
	for _, l := range languages {
		if perLang[l] < 80 {
			t.Errorf("only %d own messages in %s", perLang[l], l)
		}
	}
	for _, d := range departments {
		if perDept[d] < 200 {
			t.Errorf("only %d own messages for %s", perDept[d], d)
		}
	}
	t.Logf("%d own messages by language %v, by department %v; %d development messages", len(own), perLang, perDept, len(dev))
}
