package agentdesk

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/labstack/echo/v4"
)

// contactFor loads a contact the current agent may see: one with at least
// one conversation the agent may see. Others are reported as not found.
func (d *Desk) contactFor(c echo.Context, id string) (civicdesk.Contact, []civicdesk.Conversation, error) {
	ctx := c.Request().Context()
	contact, err := d.store.GetContact(ctx, id)
	if err != nil {
		if civicdesk.IsNotFound(err) {
			return contact, nil, civicdesk.Errorf(civicdesk.CodeNotFound, "no such contact")
		}
		return contact, nil, err
	}
	convs, err := d.store.ListConversations(ctx, civicdesk.ConversationFilter{ContactID: id})
	if err != nil {
		return contact, nil, err
	}
	a := current(c)
	for _, cv := range convs {
		if visible(a, cv) {
			return contact, convs, nil
		}
	}
	return contact, nil, civicdesk.Errorf(civicdesk.CodeNotFound, "no such contact")
}

type historyEntry struct {
	Conversation civicdesk.Conversation `json:"conversation"`
	Messages     []civicdesk.Message    `json:"messages"`
}

// contactHistory is the whole history of a contact across channels and
// earlier conversations, oldest first; conversations of departments the
// agent may not see are listed without their messages.
func (d *Desk) contactHistory(c echo.Context) error {
	contact, convs, err := d.contactFor(c, c.Param("id"))
	if err != nil {
		return err
	}
	a := current(c)
	out := make([]historyEntry, 0, len(convs))
	for _, cv := range convs {
		e := historyEntry{Conversation: cv, Messages: []civicdesk.Message{}}
		if visible(a, cv) {
			ms, err := d.store.ListMessages(c.Request().Context(), cv.ID, 0, 0)
			if err != nil {
				return err
			}
			if ms != nil {
				e.Messages = ms
			}
		} else {
			e.Conversation = civicdesk.Conversation{ID: cv.ID, ContactID: cv.ContactID, Channel: cv.Channel, State: cv.State,
				DepartmentID: cv.DepartmentID, CreatedAt: cv.CreatedAt, UpdatedAt: cv.UpdatedAt}
		}
		out = append(out, e)
	}
	if err := d.audit(c, "view_contact", contact.ID, nil); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"contact": contact, "conversations": out})
}

type contactEdit struct {
	Name   *string `json:"name"`
	Email  *string `json:"email"`
	Phone  *string `json:"phone"`
	Locale *string `json:"locale"`
}

func (d *Desk) editContact(c echo.Context) error {
	var req contactEdit
	if err := httpx.Bind(c, &req, 8<<10); err != nil {
		return err
	}
	contact, _, err := d.contactFor(c, c.Param("id"))
	if err != nil {
		return err
	}
	set := func(field string, dst *string, v *string) error {
		if v == nil {
			return nil
		}
		s := strings.TrimSpace(*v)
		if utf8.RuneCountInString(s) > 200 || !utf8.ValidString(s) {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "%s must be valid text of at most 200 characters", field)
		}
		*dst = s
		return nil
	}
	for _, f := range []struct {
		name string
		dst  *string
		v    *string
	}{{"name", &contact.Name, req.Name}, {"email", &contact.Email, req.Email}, {"phone", &contact.Phone, req.Phone}, {"locale", &contact.Locale, req.Locale}} {
		if err := set(f.name, f.dst, f.v); err != nil {
			return err
		}
	}
	if contact.Email != "" && !strings.Contains(contact.Email, "@") {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "email is not an email address")
	}
	if err := d.audit(c, "contact_edit", contact.ID, nil); err != nil {
		return err
	}
	if err := d.store.PutContact(c.Request().Context(), contact); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"contact": contact})
}

type mergeRequest struct {
	IntoContactID string `json:"intoContactId"`
	Confirm       bool   `json:"confirm"`
}

// mergeContact moves every conversation of a duplicate contact to the one it
// duplicates. It needs an explicit confirmation.
func (d *Desk) mergeContact(c echo.Context) error {
	var req mergeRequest
	if err := httpx.Bind(c, &req, 1<<10); err != nil {
		return err
	}
	if req.IntoContactID == "" || req.IntoContactID == c.Param("id") {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "intoContactId must name another contact")
	}
	from, convs, err := d.contactFor(c, c.Param("id"))
	if err != nil {
		return err
	}
	into, _, err := d.contactFor(c, req.IntoContactID)
	if err != nil {
		return err
	}
	if !req.Confirm {
		return c.JSON(http.StatusOK, map[string]any{"confirmNeeded": true, "from": from, "into": into, "conversations": len(convs)})
	}
	ctx := c.Request().Context()
	if err := d.audit(c, "contact_merge", from.ID, map[string]string{"into": into.ID}); err != nil {
		return err
	}
	for _, cv := range convs {
		cv.ContactID = into.ID
		if err := d.store.PutConversation(ctx, cv); err != nil {
			return err
		}
	}
	link, _ := json.Marshal(map[string]string{"into": into.ID})
	if err := d.store.PutRecord(ctx, civicdesk.Record{Kind: "contact_merge", Key: from.ID, Value: link, UpdatedAt: civicdesk.Now()}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"merged": len(convs), "into": into})
}

// deliveries returns the delivery state of a conversation's messages, by
// message id, as the channels record them (kind "delivery", key
// "<conversation>/<message>").
func (d *Desk) deliveries(ctx context.Context, convID string) (map[string]json.RawMessage, error) {
	recs, err := d.store.ListRecords(ctx, "delivery", convID+"/", 0)
	if err != nil {
		return nil, err
	}
	out := make(map[string]json.RawMessage, len(recs))
	for _, r := range recs {
		if json.Valid(r.Value) {
			out[strings.TrimPrefix(r.Key, convID+"/")] = r.Value
		}
	}
	return out, nil
}
