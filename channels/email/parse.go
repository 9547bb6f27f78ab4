package email

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // every charset, for bodies and RFC 2047 headers
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Limits bound what Parse keeps of a message.
type Limits struct {
	// MaxAttachmentBytes is the largest attachment whose bytes are kept;
	// larger ones are described but not stored.
	MaxAttachmentBytes int64
	// MaxAttachments is how many attachments are kept at most.
	MaxAttachments int
	// MaxTextBytes bounds the text read from text parts.
	MaxTextBytes int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxAttachmentBytes <= 0 {
		l.MaxAttachmentBytes = 10 << 20
	}
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = 20
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = 2 << 20
	}
	return l
}

// Parsed is what CivicDesk reads from an email.
type Parsed struct {
	MessageID  string   // without angle brackets; "" when missing
	InReplyTo  []string // without angle brackets
	References []string // oldest first
	From       mail.Address
	Subject    string
	Date       time.Time
	// Text is the whole readable text: the text/plain part when there is
	// one, else the HTML part turned into text.
	Text string
	// Body is Text without quoted history and signature: what the
	// caseworker sees. It falls back to Text when trimming leaves nothing.
	Body     string
	HTMLOnly bool
	// Attachments are the files sent with it, in order.
	Attachments []Part
	// Automated is why the message is an automatic one ("auto-reply",
	// "bounce", "list", "bulk"), "" for a person's mail.
	Automated string
	// Embedded are the Message-IDs of messages enclosed in it (a bounce
	// quotes the message that failed).
	Embedded []string
}

// Part is an attachment.
type Part struct {
	Name        string
	ContentType string
	Size        int64
	// Data is nil when the attachment was over the size limit or beyond
	// the number of attachments kept.
	Data []byte
}

// Reasons a message is automatic.
const (
	AutoReply  = "auto-reply"
	AutoBounce = "bounce"
	AutoList   = "list"
	AutoBulk   = "bulk"
	AutoLoop   = "loop" // our own mail come back
)

const maxDepth = 12 // nesting of multiparts followed

// ErrUnparsable is returned for input whose header cannot be read at all.
var ErrUnparsable = errors.New("email: message header cannot be read")

// Parse reads a raw RFC 5322 message. It never fails on a body it cannot
// decode: it keeps what it can read. It fails only when the header itself
// is unreadable.
func Parse(raw []byte, lim Limits) (*Parsed, error) {
	lim = lim.withDefaults()
	e, err := message.Read(bytes.NewReader(raw))
	if e == nil {
		return nil, errors.Join(ErrUnparsable, err)
	}
	h := mail.Header{Header: e.Header}
	p := &Parsed{}
	p.MessageID = msgID(h)
	p.InReplyTo = msgIDList(h, "In-Reply-To")
	p.References = msgIDList(h, "References")
	if addrs, err := h.AddressList("From"); err == nil && len(addrs) > 0 && addrs[0] != nil {
		p.From = *addrs[0]
	} else if a := looseAddress(h.Get("From")); a != "" {
		p.From = mail.Address{Address: a}
	}
	p.From.Name = clean(p.From.Name, 200)
	p.From.Address = clean(p.From.Address, 320)
	subj, _ := h.Subject()
	p.Subject = clean(subj, 1000)
	if d, err := h.Date(); err == nil {
		p.Date = d.UTC()
	}

	w := walker{lim: lim, p: p}
	plain, html := w.entity(e, 0, false)
	switch {
	case strings.TrimSpace(plain) != "":
		p.Text = normalizeText(plain)
	case strings.TrimSpace(html) != "":
		p.Text = htmlToText(html)
		p.HTMLOnly = true
	}
	p.Body = trimQuoted(p.Text)
	p.Automated = automated(h, p)
	return p, nil
}

// walker collects the text and the attachments of a message tree.
type walker struct {
	lim       Limits
	p         *Parsed
	textBytes int64
}

// entity returns the plain and HTML text of e; attachments go to w.p.
// inAlt says e is one alternative among others (only text is wanted).
func (w *walker) entity(e *message.Entity, depth int, inAlt bool) (plain, html string) {
	mt, params, _ := e.Header.ContentType()
	mt = strings.ToLower(mt)
	if mr := e.MultipartReader(); mr != nil {
		if depth >= maxDepth {
			return "", ""
		}
		alternative := mt == "multipart/alternative"
		var plains, htmls []string
		var altPlain, altHTML string
		for {
			part, err := mr.NextPart()
			if err == io.EOF || part == nil {
				break
			}
			if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
				break
			}
			pl, ht := w.entity(part, depth+1, alternative)
			if alternative {
				// Prefer plain text: keep the first plain and the last HTML
				// alternative (the richest, by RFC 2046).
				if altPlain == "" && strings.TrimSpace(pl) != "" {
					altPlain = pl
				}
				if strings.TrimSpace(ht) != "" {
					altHTML = ht
				}
				continue
			}
			if strings.TrimSpace(pl) != "" {
				plains = append(plains, pl)
			}
			if strings.TrimSpace(ht) != "" {
				htmls = append(htmls, ht)
			}
		}
		if alternative {
			return altPlain, altHTML
		}
		// Apple Mail splits text around inline images: join the pieces.
		return strings.Join(plains, "\n"), strings.Join(htmls, "\n")
	}

	disp, dparams, _ := e.Header.ContentDisposition()
	disp = strings.ToLower(disp)
	isText := mt == "text/plain" || mt == "text/html" || mt == ""
	name := filename(e.Header, dparams, params)
	if isText && disp != "attachment" && (name == "" || disp == "inline") {
		body := w.readText(e.Body)
		if mt == "text/html" {
			return "", body
		}
		if strings.EqualFold(params["format"], "flowed") {
			body = unflow(body, strings.EqualFold(params["delsp"], "yes"))
		}
		return body, ""
	}
	if inAlt && strings.HasPrefix(mt, "text/") {
		// text/enriched or the like as an alternative: not an attachment.
		_, _ = io.Copy(io.Discard, io.LimitReader(e.Body, w.lim.MaxTextBytes))
		return "", ""
	}
	w.attachment(e, mt, name)
	return "", ""
}

func (w *walker) readText(r io.Reader) string {
	left := w.lim.MaxTextBytes - w.textBytes
	if left <= 0 {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(r, left))
	w.textBytes += int64(len(b))
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func (w *walker) attachment(e *message.Entity, mt, name string) {
	switch mt {
	case "":
		mt = "application/octet-stream"
	case "text/rfc822-headers", "message/global-headers":
		// A bounce's copy of the failed message's header: read its id.
		b, _ := io.ReadAll(io.LimitReader(e.Body, 1<<20))
		_, _ = io.Copy(io.Discard, e.Body)
		w.embedded(b)
		return
	case "message/delivery-status", "message/disposition-notification":
		_, _ = io.Copy(io.Discard, e.Body)
		return
	}
	enclosed := mt == "message/rfc822" || mt == "message/global"
	if name == "" {
		if enclosed {
			name = "message.eml"
		} else {
			name = "attachment" + extensionOf(mt)
		}
	}
	part := Part{Name: name, ContentType: mt}
	keep := len(w.p.Attachments) < w.lim.MaxAttachments
	data, err := io.ReadAll(io.LimitReader(e.Body, w.lim.MaxAttachmentBytes+1))
	if err != nil && len(data) == 0 {
		return
	}
	if enclosed {
		w.embedded(data)
	}
	if int64(len(data)) > w.lim.MaxAttachmentBytes {
		n, _ := io.Copy(io.Discard, e.Body)
		part.Size = int64(len(data)) + n
		keep = false
	} else {
		part.Size = int64(len(data))
	}
	if keep {
		part.Data = data
	}
	w.p.Attachments = append(w.p.Attachments, part)
}

// embedded reads the header of an enclosed message (a forwarded mail, or a
// bounce's copy of the mail that failed) for its Message-ID.
func (w *walker) embedded(b []byte) {
	if len(w.p.Embedded) >= 10 {
		return
	}
	hdr, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(b)))
	if err != nil && hdr.Len() == 0 {
		return
	}
	if id := msgID(mail.Header{Header: message.Header{Header: hdr}}); id != "" {
		w.p.Embedded = append(w.p.Embedded, id)
	}
}

func filename(h message.Header, dparams, cparams map[string]string) string {
	n := dparams["filename"]
	if n == "" {
		n = cparams["name"]
	}
	if n == "" {
		return ""
	}
	// Some mailers put raw RFC 2047 words in parameters.
	if dec, err := (&mime.WordDecoder{CharsetReader: message.CharsetReader}).DecodeHeader(n); err == nil {
		n = dec
	}
	n = strings.NewReplacer("/", "_", "\\", "_").Replace(n)
	return clean(n, 200)
}

func extensionOf(mt string) string {
	switch mt {
	case "application/pdf":
		return ".pdf"
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "text/plain":
		return ".txt"
	case "text/html":
		return ".html"
	}
	return ""
}

// msgID returns the Message-ID without brackets, or the raw trimmed value
// when it does not parse (some mailers write bare ids).
func msgID(h mail.Header) string {
	id, err := h.MessageID()
	if err != nil || id == "" {
		id = strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
	}
	if strings.ContainsAny(id, " \t\r\n<>") || len(id) > 500 || !utf8.ValidString(id) {
		return ""
	}
	return id
}

func msgIDList(h mail.Header, key string) []string {
	ids, _ := h.MsgIDList(key)
	if len(ids) == 0 {
		// Tolerate lists with comments or without brackets.
		for _, f := range strings.FieldsFunc(h.Get(key), func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '\r' || r == '\n' }) {
			f = strings.Trim(f, "<>")
			if strings.Contains(f, "@") {
				ids = append(ids, f)
			}
		}
	}
	out := ids[:0]
	for _, id := range ids {
		if id != "" && len(id) <= 500 && utf8.ValidString(id) && !strings.ContainsAny(id, " \t\r\n<>") {
			out = append(out, id)
		}
	}
	if len(out) > 100 {
		out = append(out[:1], out[len(out)-99:]...)
	}
	return out
}

// looseAddress finds an address in a From value that does not parse.
func looseAddress(v string) string {
	if i, j := strings.LastIndexByte(v, '<'), strings.LastIndexByte(v, '>'); i >= 0 && j > i {
		v = v[i+1 : j]
	}
	v = strings.TrimSpace(v)
	if strings.Count(v, "@") != 1 || strings.ContainsAny(v, " \t\r\n\"<>,;") {
		return ""
	}
	return v
}

// clean makes a header value safe to keep: valid UTF-8, no control
// characters, at most max bytes.
func clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}

// normalizeText turns CRLF into LF, drops control characters and
// trailing spaces, and trims blank lines at both ends.
func normalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f || r == '\uFEFF' {
			return -1
		}
		return r
	}, s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\u00a0")
	}
	return collapseBlank(lines)
}

// collapseBlank joins lines, keeping at most one blank line in a row and
// none at either end.
func collapseBlank(lines []string) string {
	var b strings.Builder
	blank := 0
	started := false
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			blank++
			continue
		}
		if started {
			b.WriteByte('\n')
			if blank > 0 {
				b.WriteByte('\n')
			}
		}
		b.WriteString(l)
		started = true
		blank = 0
	}
	return b.String()
}

// unflow joins format=flowed lines (RFC 3676): a line ending in a space
// continues on the next one.
func unflow(s string, delsp bool) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var b strings.Builder
	for i, l := range lines {
		if l != "-- " && strings.HasSuffix(l, " ") && i < len(lines)-1 {
			// Quoted lines only flow into lines of the same depth; keep it
			// simple and only join unquoted ones.
			if !strings.HasPrefix(l, ">") {
				if delsp {
					l = l[:len(l)-1]
				}
				b.WriteString(l)
				continue
			}
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// automated says why a message is automatic, "" for a person's mail.
func automated(h mail.Header, p *Parsed) string {
	mt, params, _ := h.ContentType()
	if strings.EqualFold(mt, "multipart/report") || strings.EqualFold(params["report-type"], "delivery-status") {
		return AutoBounce
	}
	if rp := strings.TrimSpace(h.Get("Return-Path")); rp == "<>" {
		return AutoBounce
	}
	local, _, _ := strings.Cut(strings.ToLower(p.From.Address), "@")
	if local == "mailer-daemon" || local == "postmaster" {
		return AutoBounce
	}
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && !strings.HasPrefix(v, "no") {
		return AutoReply
	}
	if h.Has("X-Autoreply") || h.Has("X-Autorespond") || h.Has("X-Autogenerated") || h.Has("X-Autoresponder") {
		return AutoReply
	}
	if h.Has("List-Id") {
		return AutoList
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "list":
		return AutoList
	case "bulk", "junk":
		return AutoBulk
	case "auto_reply":
		return AutoReply
	}
	return ""
}
