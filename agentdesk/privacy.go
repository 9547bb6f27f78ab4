package agentdesk

import (
	"context"
	"net/http"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/labstack/echo/v4"
)

// Purger removes a conversation's messages from the message streams.
type Purger interface {
	PurgeConversation(ctx context.Context, convID string) error
}

type exportedConversation struct {
	Conversation civicdesk.Conversation `json:"conversation"`
	Messages     []civicdesk.Message    `json:"messages"`
	Notes        []civicdesk.Note       `json:"notes"`
}

// exportContact gives a citizen's data as JSON (a subject access request);
// the export is audited.
func (d *Desk) exportContact(c echo.Context) error {
	ctx := c.Request().Context()
	contact, err := d.store.GetContact(ctx, c.Param("id"))
	if err != nil {
		if civicdesk.IsNotFound(err) {
			return civicdesk.Errorf(civicdesk.CodeNotFound, "no such contact")
		}
		return err
	}
	convs, err := d.store.ListConversations(ctx, civicdesk.ConversationFilter{ContactID: contact.ID})
	if err != nil {
		return err
	}
	out := make([]exportedConversation, 0, len(convs))
	for _, cv := range convs {
		ms, err := d.store.ListMessages(ctx, cv.ID, 0, 0)
		if err != nil {
			return err
		}
		ns, err := d.store.ListNotes(ctx, cv.ID)
		if err != nil {
			return err
		}
		out = append(out, exportedConversation{Conversation: cv, Messages: nonNil(ms), Notes: nonNil(ns)})
	}
	if err := d.audit(c, "export", "contact/"+contact.ID, nil); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="civicdesk-contact-`+contact.ID+`.json"`)
	return c.JSON(http.StatusOK, map[string]any{"contact": contact, "conversations": out})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type eraseRequest struct {
	Confirm bool `json:"confirm"`
}

// channelRecordKinds hold copies of message content keyed by
// "<conversation>/…" (delivery details, outboxes, sent mail).
var channelRecordKinds = []string{"delivery", "sms_outbox", "email_outbox", "email_sent", "email_transcript"}

// messageRecordKinds hold copies keyed by message id (raw mail).
var messageRecordKinds = []string{"email_raw", "email_message"}

// eraseContact erases a citizen: every message and note of their
// conversations is deleted from the store and purged from the message
// streams, copies kept by the channels are deleted, open conversations are
// closed, and the contact's details are blanked. Conversation records stay,
// emptied, so the statistics still add up.
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
	convs, err := d.store.ListConversations(ctx, civicdesk.ConversationFilter{ContactID: contact.ID})
	if err != nil {
		return err
	}
	for _, cv := range convs {
		if err := d.eraseConversation(ctx, cv); err != nil {
			return err
		}
	}
	contact.Name, contact.Email, contact.Phone = "", "", ""
	if err := d.store.PutContact(ctx, contact); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"erased": contact.ID, "conversations": len(convs)})
}

func (d *Desk) eraseConversation(ctx context.Context, cv civicdesk.Conversation) error {
	ms, err := d.store.ListMessages(ctx, cv.ID, 0, 0)
	if err != nil {
		return err
	}
	if cv.State != civicdesk.StateClosed {
		now := civicdesk.Now()
		cv.State, cv.ClosedAt, cv.UpdatedAt, cv.Disposition = civicdesk.StateClosed, &now, now, "erased"
		if err := d.publishClosed(ctx, cv); err != nil {
			return err
		}
	}
	// Purge the streams before the store, so no consumer records anything
	// again from a copy left in a stream.
	if err := d.cfg.Purger.PurgeConversation(ctx, cv.ID); err != nil {
		return err
	}
	if err := d.store.DeleteConversationData(ctx, cv.ID); err != nil {
		return err
	}
	for _, kind := range channelRecordKinds {
		recs, err := d.store.ListRecords(ctx, kind, cv.ID+"/", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := d.store.DeleteRecord(ctx, kind, r.Key); err != nil {
				return err
			}
		}
	}
	for _, m := range ms {
		for _, kind := range messageRecordKinds {
			if err := d.store.DeleteRecord(ctx, kind, m.ID); err != nil && !civicdesk.IsNotFound(err) {
				return err
			}
		}
		for _, a := range m.Attachments {
			for _, kind := range []string{"email_attachment", "email_attachment_meta"} {
				if err := d.store.DeleteRecord(ctx, kind, a.ID); err != nil && !civicdesk.IsNotFound(err) {
					return err
				}
			}
		}
	}
	cv.LastMessage, cv.RatingComment = "", ""
	if cv.Triage != nil {
		cv.Triage.Summary, cv.Triage.Reasons = "", []string{"erased"}
	}
	return d.store.PutConversation(ctx, cv)
}
