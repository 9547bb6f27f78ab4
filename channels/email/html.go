package email

import (
	"strings"

	"golang.org/x/net/html"
)

// htmlToText turns an HTML body into readable text: tags stripped, block
// elements on their own lines, list items dashed, blockquotes prefixed with
// "> " (so quoted history can be trimmed like plain text), entities decoded,
// scripts and styles dropped, and links kept as "text (url)".
func htmlToText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	z.SetMaxBuf(4 << 20)
	t := &textBuilder{lineStart: true}
	skipText := false // inside <script>, <style>, <title>: raw text to drop
	var links []linkStart
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return t.finish()
		case html.TextToken:
			if skipText {
				continue
			}
			t.text(string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken:
			skipText = false
			name, hasAttr := z.TagName()
			tag := string(name)
			var href string
			if tag == "a" && hasAttr {
				for {
					k, v, more := z.TagAttr()
					if string(k) == "href" {
						href = string(v)
					}
					if !more {
						break
					}
				}
			}
			if tt == html.SelfClosingTagToken {
				t.open(tag)
				t.close(tag)
				continue
			}
			switch tag {
			case "script", "style", "title", "template", "noscript", "xml":
				skipText = true
				continue
			case "a":
				if len(links) < 100 {
					links = append(links, linkStart{href: href, at: t.b.Len()})
				}
			}
			t.open(tag)
		case html.EndTagToken:
			skipText = false
			name, _ := z.TagName()
			tag := string(name)
			if tag == "a" && len(links) > 0 {
				l := links[len(links)-1]
				links = links[:len(links)-1]
				t.link(l)
			}
			t.close(tag)
		}
	}
}

type linkStart struct {
	href string
	at   int
}

// textBuilder writes text with HTML's whitespace rules.
type textBuilder struct {
	b         strings.Builder
	lineStart bool // nothing written on the current line yet
	space     bool // a space is pending before the next word
	newlines  int  // newlines at the end of b
	quote     int  // blockquote depth
	pre       int  // inside <pre>
}

func (t *textBuilder) word(w string) {
	if w == "" {
		return
	}
	if t.lineStart {
		t.b.WriteString(strings.Repeat("> ", min(t.quote, 10)))
		t.lineStart = false
	} else if t.space {
		t.b.WriteByte(' ')
	}
	t.space = false
	t.newlines = 0
	t.b.WriteString(w)
}

func (t *textBuilder) br() {
	if t.lineStart && t.quote > 0 {
		t.b.WriteString(strings.TrimSpace(strings.Repeat("> ", min(t.quote, 10))))
	}
	t.b.WriteByte('\n')
	t.newlines++
	t.lineStart, t.space = true, false
}

// block ends the current line, if anything is on it.
func (t *textBuilder) block() {
	if !t.lineStart {
		t.br()
	}
}

// paragraph leaves one blank line before what follows.
func (t *textBuilder) paragraph() {
	t.block()
	if t.b.Len() > 0 && t.newlines < 2 {
		t.br()
	}
}

func (t *textBuilder) text(s string) {
	if t.pre > 0 {
		for i, line := range strings.Split(s, "\n") {
			if i > 0 {
				t.br()
			}
			t.word(strings.TrimRight(line, "\r"))
		}
		return
	}
	if s == "" {
		return
	}
	if isHTMLSpace(s[0]) {
		t.space = true
	}
	for i, w := range strings.Fields(s) {
		if i > 0 {
			t.space = true
		}
		t.word(w)
	}
	if isHTMLSpace(s[len(s)-1]) {
		t.space = true
	}
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func (t *textBuilder) open(tag string) {
	switch tag {
	case "br":
		t.br()
	case "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "dl", "figure":
		t.paragraph()
	case "blockquote":
		t.paragraph()
		t.quote++
	case "pre":
		t.paragraph()
		t.pre++
	case "div", "tr", "section", "article", "header", "footer", "address", "center", "form", "dt", "dd", "hr", "caption", "fieldset", "main", "nav", "aside":
		t.block()
	case "li":
		t.block()
		t.word("-")
		t.space = true
	case "td", "th":
		if !t.lineStart {
			t.space = true
		}
	case "img":
		// Images carry no text worth showing; the attachment list has them.
	}
}

func (t *textBuilder) close(tag string) {
	switch tag {
	case "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "dl", "figure":
		t.paragraph()
	case "blockquote":
		t.block()
		if t.quote > 0 {
			t.quote--
		}
		t.paragraph()
	case "pre":
		if t.pre > 0 {
			t.pre--
		}
		t.paragraph()
	case "div", "tr", "section", "article", "header", "footer", "address", "center", "form", "li", "dt", "dd", "caption", "fieldset", "main", "nav", "aside":
		t.block()
	case "td", "th":
		t.space = true
	}
}

// link appends a link's target after its text when the text does not
// already show it.
func (t *textBuilder) link(l linkStart) {
	href := strings.TrimSpace(l.href)
	if !(strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "https://")) || len(href) > 300 {
		return
	}
	if l.at > t.b.Len() {
		return
	}
	shown := t.b.String()[l.at:]
	if strings.TrimSpace(shown) == "" || strings.Contains(shown, strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(href, "https://"), "http://"), "/")) {
		return
	}
	t.space = true
	t.word("(" + href + ")")
}

func (t *textBuilder) finish() string {
	return normalizeText(t.b.String())
}
