package agentdesk

import (
	"context"
	"net/http"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/civicdesk/civicdesk/internal/privacy"
	"github.com/labstack/echo/v4"
)

// Purger removes a conversation's messages from the message streams.
type Purger interface {
	PurgeConversation(ctx context.Context, convID string) error
}

// exportContact gives a citizen's data as JSON (a subject access request);
// the export is audited.
func (d *Desk) exportContact(c echo.Context) error {
	out, err := privacy.ExportContact(c.Request().Context(), d.store, c.Param("id"))
	if err != nil {
		return err
	}
	if err := d.audit(c, "export", "contact/"+out.Contact.ID, nil); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="civicdesk-contact-`+out.Contact.ID+`.json"`)
	return c.JSON(http.StatusOK, out)
}

type eraseRequest struct {
	Confirm bool `json:"confirm"`
}

// purgingBus is the desk's bus with the purger: what erasure needs of NATS.
type purgingBus struct {
	Bus
	Purger
}

// eraseContact erases a citizen (see privacy.EraseContact).
func (d *Desk) eraseContact(c echo.Context) error {
	var req eraseRequest
	if err := httpx.Bind(c, &req, 1<<10); err != nil {
		return err
	}
	if !req.Confirm {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "erasure cannot be undone: send {\"confirm\": true}")
	}
	ctx := c.Request().Context()
	contact, err := d.store.GetContact(ctx, c.Param("id"))
	if err != nil {
		if civicdesk.IsNotFound(err) {
			return civicdesk.Errorf(civicdesk.CodeNotFound, "no such contact")
		}
		return err
	}
	if d.cfg.Purger == nil {
		return civicdesk.Errorf(civicdesk.CodeUnavailable, "erasure is not available: the message streams cannot be purged")
	}
	// Audit first: an erasure that fails half way is still on record.
	if err := d.audit(c, "erase", "contact/"+contact.ID, nil); err != nil {
		return err
	}
	n, err := privacy.EraseContact(ctx, d.store, purgingBus{d.bus, d.cfg.Purger}, contact.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"erased": contact.ID, "conversations": n})
}
