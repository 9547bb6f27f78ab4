package local

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	civicdesk "github.com/civicdesk/civicdesk"
)

// departments the triager routes to, in a fixed order.
var departments = []string{"benefits", "taxes", "vehicles", "permits", "housing", "utilities", "general"}

const generalDept = "general"

// maxRunes bounds the text a triage reads: the start of a message says what
// it is about, and the bound keeps triage time flat on huge emails.
const maxRunes = 4000

// Triager triages citizen messages without the network: a logistic
// regression over words and character n-grams for the department, lexicons
// and rules for urgency and for asking for a person, and a language
// identifier. It is safe for concurrent use.
type Triager struct {
	dept *linear
	urg  *linear // urgency model, a safety net under the rules
	lang *langID
	lex  *lexicon
	pool sync.Pool // *scratch
}

// scratch holds the buffers of one triage.
type scratch struct {
	foldToks, rawToks []token
	kept              []token
	feats             []feature
	seen              []bool
	x                 sparse
	probs             [8]float32
	hit               []int32
	lang              langScratch
}

var deptGroupW = [nGroups]float32{gWord: 1, gBigram: 0.6, gChar: 0.4}

var deptOpts = trainOpts{epochs: 8, lr: 3, l2: 2e-5, minFreq: 1, idf: true, average: true}

// neutralWords say nothing about the department: asking for a person,
// greetings and politeness, in every language. They are left out of the
// department features, so that "agent - water bill" is about the water
// bill, and a text of only such words goes to general.
var neutralWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		agent agents representative representatives rep human humans person people someone somebody anyone anybody
		speak speaking talk talking chat call operator supervisor manager real actual live bot robot chatbot
		please pls plz thanks thank thx hi hello hey ok okay dear sir madam regards sincerely best
		hablar persona personas alguien agente representante humano favor porfa hola gracias buenos buenas
		parler quelqu personne humain conseiller bonjour bonsoir merci svp
		pale moun ajan bonjou mesi tanpri souple
		makausap kausapin tao salamat
		nhan vien nguoi noi chuyen xin chao cam
		موظف شخص التحدث التكلم مرحبا شكرا`) {
		m[w] = true
	}
	return m
}()

// deptFeatures appends the department features of folded tokens.
func deptFeatures(toks []token, scratch []token, dst []feature) ([]feature, []token) {
	kept := scratch[:0]
	for _, t := range toks {
		if !neutralWords[t.s] {
			kept = append(kept, t)
		}
	}
	dst = wordFeatures(kept, dst)
	return charFeatures(kept, 3, 5, 'c', dst), kept
}

// urgencyLevels are the classes of the urgency model.
var urgencyLevels = []string{string(civicdesk.UrgencyNormal), string(civicdesk.UrgencyHigh), string(civicdesk.UrgencyEmergency)}

var urgGroupW = [nGroups]float32{gWord: 1, gBigram: 0.8, gLexicon: 1.5}

var urgOpts = trainOpts{epochs: 8, lr: 3, l2: 2e-5, minFreq: 1, idf: true, average: true}

// Thresholds on the urgency model's probabilities, for when no rule fired.
var (
	urgEmergencyMin float32 = 0.25
	urgHighMin      float32 = 0.6
)

// urgFeatures appends the urgency features of folded tokens.
func urgFeatures(toks []token, dst []feature) []feature {
	return wordFeatures(toks, dst)
}

// New trains the triager on the embedded training set: the messages written
// for this package in eight languages and the project's development set.
func New() (*Triager, error) {
	own, dev, err := trainingSets()
	if err != nil {
		return nil, fmt.Errorf("local triager: load training data: %w", err)
	}
	return trainTriager(append(own, dev...))
}

// trainTriager builds a triager from labelled messages.
func trainTriager(rows []Labeled) (*Triager, error) {
	deptIdx := map[string]int{}
	for i, d := range departments {
		deptIdx[d] = i
	}
	urgIdx := map[string]int{}
	for i, u := range urgencyLevels {
		urgIdx[u] = i
	}
	lex := newLexicon()
	hit := make([]int32, lex.m.ngroups)
	var docs, udocs [][]feature
	var labels, ulabels []int
	texts := make([]string, 0, len(rows))
	langs := make([]string, 0, len(rows))
	for _, r := range rows {
		texts = append(texts, r.Text)
		langs = append(langs, r.Language)
		d, ok := deptIdx[r.Department]
		if !ok {
			return nil, fmt.Errorf("local triager: message %s: unknown department %q", r.ID, r.Department)
		}
		norm := normalize(clip(r.Text), true)
		toks := tokenize(norm, nil)
		fs, _ := deptFeatures(toks, nil, nil)
		docs = append(docs, fs)
		labels = append(labels, d)
		u, ok := urgIdx[r.Urgency]
		if !ok {
			return nil, fmt.Errorf("local triager: message %s: unknown urgency %q", r.ID, r.Urgency)
		}
		lex.m.match(norm, toks, hit)
		udocs = append(udocs, lex.features(hit, countWords(toks), urgFeatures(toks, nil)))
		ulabels = append(ulabels, u)
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("local triager: no training messages")
	}
	// The three models are independent: train them side by side.
	t := &Triager{lex: lex}
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); t.dept = trainLinear(departments, docs, labels, deptGroupW, deptOpts) }()
	go func() { defer wg.Done(); t.urg = trainLinear(urgencyLevels, udocs, ulabels, urgGroupW, urgOpts) }()
	go func() { defer wg.Done(); t.lang = newLangID(texts, langs) }()
	wg.Wait()
	t.pool.New = func() any { return &scratch{} }
	return t, nil
}

// clip cuts s to maxRunes.
func clip(s string) string {
	if len(s) <= maxRunes {
		return s
	}
	n := 0
	for i := range s {
		if n == maxRunes {
			return s[:i]
		}
		n++
	}
	return s
}

// Triage classifies one citizen message. channel ("webchat", "sms",
// "email") is accepted for the record; the model reads the text alike on
// every channel.
func (t *Triager) Triage(text string, channel string) civicdesk.Triage {
	_ = channel
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, " ")
	}
	text = clip(text)
	s := t.pool.Get().(*scratch)
	defer t.pool.Put(s)

	fold := normalize(text, true)
	raw := normalize(text, false)
	s.foldToks = tokenize(fold, s.foldToks[:0])
	s.rawToks = tokenize(raw, s.rawToks[:0])
	words := countWords(s.foldToks)

	var tr civicdesk.Triage

	// Department.
	s.feats, s.kept = deptFeatures(s.foldToks, s.kept, s.feats[:0])
	if cap(s.seen) < t.dept.size() {
		s.seen = make([]bool, t.dept.size())
	}
	t.dept.vectorize(s.feats, s.seen[:t.dept.size()], &s.x)
	if len(s.x.idx) == 0 {
		// Nothing but greetings, politeness or a request for a person
		// ("agent", "hola", "???"): the general queue takes it.
		tr.Department = generalDept
		tr.Confidence = 0.5
		tr.Reasons = append(tr.Reasons, "department general: no words about a department")
	} else {
		p := s.probs[:len(departments)]
		t.dept.scores(&s.x, p)
		best := softmax(p)
		alt := -1
		for c := range p {
			if c != best && (alt < 0 || p[c] > p[alt]) {
				alt = c
			}
		}
		tr.Department = departments[best]
		tr.Confidence = float64(p[best])
		why := ": no telling words"
		if top := t.dept.topWords(&s.x, best, alt, 3); len(top) > 0 {
			why = ": words " + strings.Join(top, ", ")
		}
		tr.Reasons = append(tr.Reasons, fmt.Sprintf("department %s (%.2f)%s", tr.Department, p[best], why))
	}

	// Urgency and asking for a person.
	if cap(s.hit) < t.lex.m.ngroups {
		s.hit = make([]int32, t.lex.m.ngroups)
	}
	hit := s.hit[:t.lex.m.ngroups]
	t.lex.m.match(fold, s.foldToks, hit)
	urg, uf := t.lex.urgencyOf(hit, words)
	if urg == civicdesk.UrgencyEmergency {
		tr.Urgency = urg
		tr.Reasons = append(tr.Reasons, fmt.Sprintf("urgency emergency: rule '%s' (%s)", uf.rule.name, quoteList(uf.phrases)))
	} else {
		// The model, trained on labelled messages with the lexicon groups
		// as features, may recognise an emergency (or a deadline) worded
		// in a way no rule foresaw.
		s.feats = t.lex.features(hit, words, urgFeatures(s.foldToks, s.feats[:0]))
		if cap(s.seen) < t.urg.size() {
			s.seen = make([]bool, t.urg.size())
		}
		t.urg.vectorize(s.feats, s.seen[:t.urg.size()], &s.x)
		p := s.probs[:len(urgencyLevels)]
		t.urg.scores(&s.x, p)
		softmax(p)
		modelWhy := func(c int) string {
			if w := t.urg.topWords(&s.x, c, 0, 3); len(w) > 0 {
				return ", words " + strings.Join(w, ", ")
			}
			return ""
		}
		switch {
		case p[2] >= urgEmergencyMin && words >= 3 && t.lex.danger(hit) && !t.lex.figurative(hit):
			tr.Urgency = civicdesk.UrgencyEmergency
			tr.Reasons = append(tr.Reasons, fmt.Sprintf("urgency emergency: model (%.2f)%s", p[2], modelWhy(2)))
		case urg == civicdesk.UrgencyHigh:
			tr.Urgency = urg
			tr.Reasons = append(tr.Reasons, fmt.Sprintf("urgency high: rule '%s' (%s)", uf.rule.name, quoteList(uf.phrases)))
		case p[1]+p[2] >= urgHighMin:
			tr.Urgency = civicdesk.UrgencyHigh
			tr.Reasons = append(tr.Reasons, fmt.Sprintf("urgency high: model (%.2f)%s", p[1]+p[2], modelWhy(1)))
		default:
			tr.Urgency = civicdesk.UrgencyNormal
			tr.Reasons = append(tr.Reasons, "urgency normal: no urgency rule fired")
		}
	}
	if ok, hf := t.lex.wantsHuman(hit, words); ok {
		tr.WantsHuman = true
		tr.Reasons = append(tr.Reasons, fmt.Sprintf("wants a person: rule '%s' (%s)", hf.rule.name, quoteList(hf.phrases)))
	}

	// Language.
	l, lconf, lwhy := t.lang.identify(text, raw, fold, s.rawToks, s.foldToks, &s.lang)
	tr.Language = languages[l]
	tr.Reasons = append(tr.Reasons, fmt.Sprintf("language %s (%.2f): %s", tr.Language, lconf, lwhy))

	tr.Summary = summarize(text)
	return tr
}

// politeness words do not count towards a text's length for "bare ask"
// rules: "agent please" is as short as "agent".
var politeness = map[string]bool{
	"please": true, "pls": true, "plz": true, "now": true, "a": true, "an": true, "the": true, "i": true, "want": true, "need": true,
	"por": true, "favor": true, "porfa": true, "un": true, "una": true, "svp": true, "s": true, "il": true, "vous": true, "plait": true,
	"po": true, "tanpri": true, "souple": true, "ơi": true, "oi": true, "di": true, "ak": true, "yon": true,
}

func countWords(toks []token) int {
	n := 0
	for _, t := range toks {
		if t.digit || politeness[t.s] {
			continue
		}
		n++
	}
	return n
}

func quoteList(ps []string) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'")
		b.WriteString(p)
		b.WriteString("'")
	}
	if len(ps) == 1 {
		return "phrase " + b.String()
	}
	return "phrases " + b.String()
}

// summaryRunes is the length of a summary.
const summaryRunes = 140

// salutation reports whether an email line is only a greeting or a header
// to skip in a summary.
func salutation(line string) bool {
	l := strings.ToLower(strings.TrimSpace(line))
	l = strings.TrimRight(l, ",:;!.-— ")
	if l == "" {
		return true
	}
	for _, g := range []string{
		"hi", "hello", "hey", "dear", "to whom it may concern", "good morning", "good afternoon", "good evening", "greetings",
		"hola", "buenos días", "buenos dias", "buenas tardes", "buenas noches", "buenas", "estimados", "estimado", "estimada", "a quien corresponda",
		"bonjour", "bonsoir", "madame", "monsieur", "madame, monsieur", "xin chào", "xin chao", "kính gửi", "你好", "您好", "مرحبا", "السلام عليكم",
		"bonjou", "bonswa", "magandang araw", "magandang umaga", "hello po", "to the", "attn", "attention",
	} {
		if l == g || (strings.HasPrefix(l, g+" ") && utf8.RuneCountInString(l) <= 40 && strings.HasSuffix(strings.TrimSpace(line), ",")) {
			return true
		}
		if (g == "dear" || g == "to the" || g == "estimados" || g == "estimado" || g == "estimada" || g == "kính gửi") && strings.HasPrefix(l, g+" ") && utf8.RuneCountInString(l) <= 60 {
			return true
		}
	}
	return false
}

// summarize returns the first sentence of a message in one line of at most
// summaryRunes runes, skipping an email's greeting and leading with its
// subject.
func summarize(text string) string {
	var subject string
	var parts []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		low := strings.ToLower(line)
		if subject == "" && len(parts) == 0 {
			header := false
			for _, p := range []string{"subject:", "re:", "fw:", "fwd:"} {
				if strings.HasPrefix(low, p) {
					subject, header = strings.TrimSpace(line[len(p):]), true
					break
				}
			}
			if header {
				continue
			}
		}
		if len(parts) == 0 && salutation(line) {
			continue
		}
		if line != "" {
			parts = append(parts, line)
		}
	}
	s := oneLine(strings.Join(parts, " "))
	if end := sentenceEnd(s, 25); end > 0 {
		s = s[:end] // the first sentence, if it is long enough to say something
	}
	if subject = oneLine(subject); subject != "" {
		if s == "" {
			s = subject
		} else {
			s = subject + ": " + s
		}
	}
	return truncateRunes(s, summaryRunes)
}

// oneLine collapses white space and drops control characters.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// sentenceEnd returns the byte offset just past the first sentence end at
// or after min bytes, or 0.
func sentenceEnd(s string, min int) int {
	for i, r := range s {
		if i < min {
			continue
		}
		switch r {
		case '。', '？', '！', '؟':
			return i + utf8.RuneLen(r)
		case '.', '?', '!':
			next := i + 1
			if next >= len(s) || s[next] == ' ' {
				return next
			}
		}
	}
	return 0
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut, count := 0, 0
	for i := range s {
		if count == n-1 {
			cut = i
			break
		}
		count++
	}
	t := s[:cut]
	if sp := strings.LastIndexByte(t, ' '); sp > cut*2/3 {
		t = t[:sp]
	}
	return strings.TrimRight(t, " ,;:-") + "…"
}
