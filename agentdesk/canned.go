package agentdesk

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/labstack/echo/v4"
)

// Canned is a canned response: caseworkers type "/" and its shortcut.
type Canned struct {
	ID       string `json:"id"`
	Shortcut string `json:"shortcut"`
	Title    string `json:"title"`
	Text     string `json:"text"`
	Language string `json:"language,omitempty"`
}

const cannedKind = "canned"

var shortcutRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

func (d *Desk) listCanned(c echo.Context) error {
	recs, err := d.store.ListRecords(c.Request().Context(), cannedKind, "", 0)
	if err != nil {
		return err
	}
	out := make([]Canned, 0, len(recs))
	for _, r := range recs {
		var cn Canned
		if json.Unmarshal(r.Value, &cn) == nil {
			out = append(out, cn)
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"canned": out})
}

func (d *Desk) putCanned(c echo.Context) error {
	var req Canned
	if err := httpx.Bind(c, &req, 16<<10); err != nil {
		return err
	}
	req.Shortcut = strings.ToLower(strings.TrimSpace(req.Shortcut))
	if !shortcutRE.MatchString(req.Shortcut) {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "shortcut must be 1-32 lower-case letters, digits, - or _")
	}
	text, err := checkText(req.Text, 4000)
	if err != nil {
		return err
	}
	if req.Title, err = checkText(req.Title, 200); err != nil {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "title: %s", civicdesk.ErrorCode(err))
	}
	req.Text, req.ID = text, req.Shortcut
	if err := d.audit(c, "config", "canned/"+req.ID, nil); err != nil {
		return err
	}
	data, _ := json.Marshal(req)
	if err := d.store.PutRecord(c.Request().Context(), civicdesk.Record{Kind: cannedKind, Key: req.ID, Value: data, UpdatedAt: civicdesk.Now()}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"canned": req})
}

func (d *Desk) deleteCanned(c echo.Context) error {
	id := c.Param("id")
	if _, err := d.store.GetRecord(c.Request().Context(), cannedKind, id); err != nil {
		if civicdesk.IsNotFound(err) {
			return civicdesk.Errorf(civicdesk.CodeNotFound, "no such canned response")
		}
		return err
	}
	if err := d.audit(c, "config", "canned/"+id, map[string]string{"deleted": "true"}); err != nil {
		return err
	}
	if err := d.store.DeleteRecord(c.Request().Context(), cannedKind, id); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"deleted": id})
}

// SeedCanned adds the default canned responses that are missing; run again
// it changes nothing.
func (d *Desk) SeedCanned(ctx context.Context) error {
	for _, cn := range defaultCanned {
		data, _ := json.Marshal(cn)
		if _, err := d.store.InsertRecord(ctx, civicdesk.Record{Kind: cannedKind, Key: cn.ID, Value: data, UpdatedAt: civicdesk.Now()}); err != nil {
			return err
		}
	}
	return nil
}

// defaultCanned gives a new deployment a few useful canned responses.
var defaultCanned = []Canned{
	{ID: "greet", Shortcut: "greet", Title: "Greeting", Text: "Hello, thank you for contacting us. My name is {agent}, how can I help you today?"},
	{ID: "docs", Shortcut: "docs", Title: "Documents needed", Text: "Could you please send us a photo of the document? You can upload it in the online portal under My Case, Documents."},
	{ID: "hold", Shortcut: "hold", Title: "Checking", Text: "Thank you for waiting. I'm checking this for you now and will be back in a few minutes."},
	{ID: "bye", Shortcut: "bye", Title: "Closing", Text: "Is there anything else I can help you with today? If not, have a good day."},
}
