package agentdesk

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/bot/kb"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/labstack/echo/v4"
)

// Knowledge-base articles are managed in the admin pages and kept as
// records of kind KBRecordKind, keyed by article id, in the Markdown with
// front matter that kb.Parse reads, the same as "civicdesk kb import"
// stores, so the two agree.

// KBRecordKind is the record kind of knowledge-base articles.
const KBRecordKind = "kb_article"

// KBLanguages are the languages an article may be written in.
var KBLanguages = []string{"en", "es", "fr", "vi", "zh", "ar", "ht", "tl"}

// Article ids are paths such as "en/utilities/payment-plans": up to four
// segments of lower-case letters, digits and -.
var kbIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,59}(/[a-z0-9][a-z0-9-]{0,59}){0,3}$`)

// Limits on an article's fields, in characters. The body limit keeps every
// line under the 64 KiB that kb.Parse reads per line.
const (
	kbMaxTitle   = 200
	kbMaxSummary = 500
	kbMaxBody    = 16000
	kbMaxURL     = 2000
	kbMaxRequest = 96 << 10
)

// KBArticle is an article as the admin API shows it; Body only when one
// article is asked for.
type KBArticle struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Language   string    `json:"language"`
	Department string    `json:"department"`
	URL        string    `json:"url"`
	Summary    string    `json:"summary"`
	Body       string    `json:"body,omitempty"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

type kbRequest struct {
	ID         string `json:"id"` // optional; must match the path
	Title      string `json:"title"`
	Language   string `json:"language"`
	Department string `json:"department"`
	URL        string `json:"url"`
	Summary    string `json:"summary"`
	Body       string `json:"body"`
}

// RegisterKnowledge serves the knowledge-base admin API to supervisors and
// admins. changed is called after every change, so that this replica (and,
// through it, the others) answers from the new articles at once.
func (d *Desk) RegisterKnowledge(e *echo.Echo, changed func(context.Context) error) {
	k := &kbAdmin{d: d, changed: changed}
	g := e.Group("/api/v1/admin/kb", d.staff, d.supervisorOnly)
	g.GET("", k.list)
	g.GET("/:id", k.get)
	g.PUT("/:id", k.put)
	g.DELETE("/:id", k.delete)
}

type kbAdmin struct {
	d       *Desk
	changed func(context.Context) error
}

func kbArticleOf(r civicdesk.Record, withBody bool) (KBArticle, error) {
	a, err := kb.Parse(r.Key, r.Value)
	if err != nil {
		return KBArticle{}, err
	}
	out := KBArticle{ID: a.ID, Title: a.Title, Language: a.Language, Department: a.Department, URL: a.URL,
		Summary: a.Summary, UpdatedAt: r.UpdatedAt}
	if withBody {
		out.Body = a.Body
	}
	return out, nil
}

func (k *kbAdmin) list(c echo.Context) error {
	recs, err := k.d.store.ListRecords(c.Request().Context(), KBRecordKind, "", 0)
	if err != nil {
		return err
	}
	out := make([]KBArticle, 0, len(recs))
	for _, r := range recs {
		a, err := kbArticleOf(r, false)
		if err != nil {
			// A broken import is listed so that it can be fixed or deleted.
			a = KBArticle{ID: r.Key, Title: "(unreadable: " + err.Error() + ")", UpdatedAt: r.UpdatedAt}
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return c.JSON(http.StatusOK, map[string]any{"articles": out, "languages": KBLanguages})
}

// articleID is the id in the path, checked. Its slashes come escaped
// (%2F), keeping the id one path segment.
func articleID(c echo.Context) (string, error) {
	id, err := url.PathUnescape(c.Param("id"))
	if err != nil || !kbIDRE.MatchString(id) || len(id) > 120 {
		return "", civicdesk.Errorf(civicdesk.CodeInvalid, "article id must be lower-case letters, digits and -, in up to 4 parts separated by / (e.g. en/utilities/payment-plans)")
	}
	return id, nil
}

func (k *kbAdmin) get(c echo.Context) error {
	id, err := articleID(c)
	if err != nil {
		return err
	}
	r, err := k.d.store.GetRecord(c.Request().Context(), KBRecordKind, id)
	if civicdesk.IsNotFound(err) {
		return civicdesk.Errorf(civicdesk.CodeNotFound, "no such article")
	}
	if err != nil {
		return err
	}
	a, err := kbArticleOf(r, true)
	if err != nil {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "the stored article is unreadable: %v", err)
	}
	return c.JSON(http.StatusOK, map[string]any{"article": a})
}

// singleLine reports whether s is valid text without control characters.
func singleLine(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// checkArticle validates and normalizes an article; the errors name the
// field at fault.
func checkArticle(req *kbRequest, depts []civicdesk.Department) error {
	req.Title, req.Language, req.Department = strings.TrimSpace(req.Title), strings.TrimSpace(req.Language), strings.TrimSpace(req.Department)
	req.URL, req.Summary = strings.TrimSpace(req.URL), strings.TrimSpace(req.Summary)
	req.Body = strings.TrimSpace(strings.ReplaceAll(req.Body, "\r\n", "\n"))
	for name, v := range map[string]string{"title": req.Title, "language": req.Language, "department": req.Department, "url": req.URL, "summary": req.Summary} {
		if !singleLine(v) {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "%s must be one line of text without control characters", name)
		}
	}
	if !utf8.ValidString(req.Body) || strings.ContainsFunc(req.Body, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "body must be text without control characters")
	}
	switch n := utf8.RuneCountInString(req.Title); {
	case n == 0:
		return civicdesk.Errorf(civicdesk.CodeInvalid, "title is required")
	case n > kbMaxTitle:
		return civicdesk.Errorf(civicdesk.CodeInvalid, "title has at most %d characters", kbMaxTitle)
	}
	if !slices.Contains(KBLanguages, req.Language) {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "language must be one of %s", strings.Join(KBLanguages, ", "))
	}
	if !slices.ContainsFunc(depts, func(d civicdesk.Department) bool { return d.ID == req.Department }) {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "department must be an existing department id")
	}
	// The bot's answer cites the link, and kb.Parse requires one.
	if !strings.HasPrefix(req.URL, "https://") || len(req.URL) > kbMaxURL || strings.ContainsAny(req.URL, " <>\"") || len(req.URL) <= len("https://") {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "url must be an https:// link of at most %d characters", kbMaxURL)
	}
	if utf8.RuneCountInString(req.Summary) > kbMaxSummary {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "summary has at most %d characters", kbMaxSummary)
	}
	switch n := utf8.RuneCountInString(req.Body); {
	case n == 0:
		return civicdesk.Errorf(civicdesk.CodeInvalid, "body is required")
	case n > kbMaxBody:
		return civicdesk.Errorf(civicdesk.CodeInvalid, "body has at most %d characters", kbMaxBody)
	}
	return nil
}

func (k *kbAdmin) put(c echo.Context) error {
	id, err := articleID(c)
	if err != nil {
		return err
	}
	r := c.Request()
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "the body must be JSON (Content-Type: application/json)")
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, kbMaxRequest+1))
	if err != nil {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "the body could not be read")
	}
	if len(data) > kbMaxRequest {
		return civicdesk.Errorf(civicdesk.CodeTooLarge, "the body is larger than %d bytes", kbMaxRequest)
	}
	// JSON decoding would quietly turn broken bytes into U+FFFD.
	if !utf8.Valid(data) {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "the body is not valid UTF-8")
	}
	var req kbRequest
	if err := httpx.Decode(data, &req); err != nil {
		return err
	}
	if req.ID != "" && req.ID != id {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "id in the body does not match the path")
	}
	ctx := r.Context()
	depts, err := k.d.store.ListDepartments(ctx)
	if err != nil {
		return err
	}
	if err := checkArticle(&req, depts); err != nil {
		return err
	}
	art := &kb.Article{ID: id, Title: req.Title, URL: req.URL, Department: req.Department, Language: req.Language,
		Summary: req.Summary, Body: req.Body}
	value := kb.Render(art)
	if _, err := kb.Parse(id, value); err != nil { // what the bot will read back
		return civicdesk.Errorf(civicdesk.CodeInvalid, "article: %v", err)
	}
	created := false
	if _, err := k.d.store.GetRecord(ctx, KBRecordKind, id); civicdesk.IsNotFound(err) {
		created = true
	} else if err != nil {
		return err
	}
	if err := k.d.audit(c, "config", "kb_article/"+id, map[string]string{"language": req.Language, "department": req.Department,
		"created": boolString(created)}); err != nil {
		return err
	}
	rec := civicdesk.Record{Kind: KBRecordKind, Key: id, Value: value, UpdatedAt: civicdesk.Now()}
	if err := k.d.store.PutRecord(ctx, rec); err != nil {
		return err
	}
	if err := k.changed(ctx); err != nil {
		return err
	}
	out, err := kbArticleOf(rec, true)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, map[string]any{"article": out})
}

func (k *kbAdmin) delete(c echo.Context) error {
	id, err := articleID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := k.d.store.GetRecord(ctx, KBRecordKind, id); civicdesk.IsNotFound(err) {
		return civicdesk.Errorf(civicdesk.CodeNotFound, "no such article")
	} else if err != nil {
		return err
	}
	if err := k.d.audit(c, "config", "kb_article/"+id, map[string]string{"deleted": "true"}); err != nil {
		return err
	}
	if err := k.d.store.DeleteRecord(ctx, KBRecordKind, id); err != nil && !civicdesk.IsNotFound(err) {
		return err
	}
	if err := k.changed(ctx); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": id, "deleted": true})
}
