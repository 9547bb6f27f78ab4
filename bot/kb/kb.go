package kb

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"math"
	"path"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Article is one knowledge-base entry.
type Article struct {
	ID         string // path without extension, e.g. "en/utilities/payment-plans"
	Title      string
	URL        string
	Department string
	Language   string
	Body       string // Markdown without front matter
	Summary    string // the first paragraph, for answers
}

// Hit is a scored search result.
type Hit struct {
	Article *Article
	Score   float64
	// Matched are the distinct query terms the article contains.
	Matched []string
}

// Index is an immutable BM25 index.
type Index struct {
	articles []*Article
	docs     []map[string]int // term frequencies per article
	lengths  []int
	avgLen   float64
	df       map[string]int
}

// BM25 parameters; titles count three times.
const (
	k1          = 1.2
	b           = 0.75
	titleWeight = 3
)

// Load reads every *.md file under root of fsys. Each starts with a front
// matter block of "key: value" lines between "---" lines: title, url,
// department and language are required.
func Load(fsys fs.FS, root string) (*Index, error) {
	var arts []*Article
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".md" {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		a, err := parse(strings.TrimSuffix(strings.TrimPrefix(p, root+"/"), ".md"), data)
		if err != nil {
			return fmt.Errorf("kb: %s: %w", p, err)
		}
		arts = append(arts, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return New(arts), nil
}

// Parse reads one article: front matter, then the Markdown body.
func Parse(id string, data []byte) (*Article, error) {
	return parse(id, data)
}

// Articles returns the indexed articles.
func (ix *Index) Articles() []*Article { return ix.articles }

func parse(id string, data []byte) (*Article, error) {
	a := &Article{ID: id}
	sc := bufio.NewScanner(bytes.NewReader(data))
	if !sc.Scan() || strings.TrimSpace(sc.Text()) != "---" {
		return nil, fmt.Errorf("no front matter")
	}
	closed := false
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "---" {
			closed = true
			break
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("front matter line %q is not key: value", line)
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "title":
			a.Title = v
		case "url":
			a.URL = v
		case "department":
			a.Department = v
		case "language":
			a.Language = v
		case "summary":
			a.Summary = v // optional: else the first paragraph
		}
	}
	if !closed {
		return nil, fmt.Errorf("front matter not closed")
	}
	var body strings.Builder
	for sc.Scan() {
		body.WriteString(sc.Text())
		body.WriteByte('\n')
	}
	a.Body = strings.TrimSpace(body.String())
	if a.Title == "" || a.URL == "" || a.Department == "" || a.Language == "" || a.Body == "" {
		return nil, fmt.Errorf("title, url, department, language and a body are required")
	}
	if a.Summary == "" {
		para, _, _ := strings.Cut(a.Body, "\n\n")
		a.Summary = strings.Join(strings.Fields(para), " ")
	}
	return a, nil
}

// New indexes articles.
func New(arts []*Article) *Index {
	ix := &Index{articles: arts, df: map[string]int{}}
	total := 0
	for _, a := range arts {
		tf := map[string]int{}
		n := 0
		for _, t := range Terms(a.Title) {
			tf[t] += titleWeight
			n += titleWeight
		}
		for _, t := range Terms(a.Body) {
			tf[t]++
			n++
		}
		for t := range tf {
			ix.df[t]++
		}
		ix.docs = append(ix.docs, tf)
		ix.lengths = append(ix.lengths, n)
		total += n
	}
	if len(arts) > 0 {
		ix.avgLen = float64(total) / float64(len(arts))
	}
	return ix
}

// Len is the number of articles.
func (ix *Index) Len() int { return len(ix.articles) }

// Search returns up to k articles in language lang (all languages when lang
// is empty), best first, scored by BM25 against query.
func (ix *Index) Search(query, lang string, k int) []Hit {
	q := unique(Terms(query))
	var hits []Hit
	n := float64(len(ix.articles))
	for i, a := range ix.articles {
		if lang != "" && a.Language != lang {
			continue
		}
		score := 0.0
		var matched []string
		for _, t := range q {
			f := float64(ix.docs[i][t])
			if f == 0 {
				continue
			}
			df := float64(ix.df[t])
			idf := math.Log(1 + (n-df+0.5)/(df+0.5))
			score += idf * f * (k1 + 1) / (f + k1*(1-b+b*float64(ix.lengths[i])/ix.avgLen))
			matched = append(matched, t)
		}
		if score > 0 {
			hits = append(hits, Hit{Article: a, Score: score, Matched: matched})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	if len(hits) > k {
		hits = hits[:k]
	}
	return hits
}

func unique(ts []string) []string {
	seen := map[string]bool{}
	out := ts[:0:0]
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// Terms splits text into lower-case, accent-free, lightly stemmed terms,
// without stop words.
func Terms(text string) []string {
	text = strings.ToLower(norm.NFD.String(text))
	var out []string
	var w strings.Builder
	flush := func() {
		if w.Len() == 0 {
			return
		}
		t := stem(w.String())
		w.Reset()
		if len(t) > 1 && !stop[t] {
			out = append(out, t)
		}
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Mn, r):
			// accents dropped: "licencia" and "licéncia" meet
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			w.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// stem strips the commonest English and Spanish plural endings, then a final
// "e", so that "license", "licenses" and "taxes", "tax" meet.
func stem(t string) string {
	for _, suf := range []string{"ies", "es", "s"} {
		if len(t) > len(suf)+3 && strings.HasSuffix(t, suf) {
			if suf == "ies" {
				t = t[:len(t)-3] + "y"
			} else {
				t = t[:len(t)-len(suf)]
			}
			break
		}
	}
	if len(t) > 4 && strings.HasSuffix(t, "e") {
		t = t[:len(t)-1]
	}
	return t
}

var stop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or of to in on at for with by from is are was were be been am i my me
		we our you your it its this that can could do does did how what when where which who why will would should
		get got have has had not no yes please hi hello thanks there here about just need want into
		el la los las un una unos unas y o de del en con por para que es son mi mis me yo tu su sus se lo le
		como cuando donde cual quien puedo puede necesito quiero hola gracias al`) {
		m[stem(w)] = true
	}
	return m
}()
