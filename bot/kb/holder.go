package kb

import (
	"strings"
	"sync/atomic"
)

// Holder is a swappable Index: the bot searches whichever index was set
// last, so that an article changed in the admin pages is used without a
// restart. Safe for concurrent use.
type Holder struct {
	ix atomic.Pointer[Index]
}

// NewHolder returns a Holder of ix (an empty index when nil).
func NewHolder(ix *Index) *Holder {
	h := &Holder{}
	h.Set(ix)
	return h
}

// Set replaces the index; searches already running finish on the old one.
func (h *Holder) Set(ix *Index) {
	if ix == nil {
		ix = New(nil)
	}
	h.ix.Store(ix)
}

// Index returns the current index.
func (h *Holder) Index() *Index { return h.ix.Load() }

// Search searches the current index.
func (h *Holder) Search(query, lang string, k int) []Hit { return h.ix.Load().Search(query, lang, k) }

// Render writes a as Markdown with front matter, the format Parse reads
// back (and "civicdesk kb import" stores). Field values must be single
// lines; the summary is written only when set.
func Render(a *Article) []byte {
	var b strings.Builder
	b.WriteString("---\n")
	for _, kv := range [][2]string{{"title", a.Title}, {"url", a.URL}, {"department", a.Department}, {"language", a.Language}, {"summary", a.Summary}} {
		if kv[1] != "" {
			b.WriteString(kv[0] + ": " + kv[1] + "\n")
		}
	}
	b.WriteString("---\n")
	b.WriteString(a.Body)
	b.WriteString("\n")
	return []byte(b.String())
}
