package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/civicdesk/civicdesk"
)

// EraseStore is what export and erasure need of the store.
type EraseStore interface {
	GetContact(ctx context.Context, id string) (civicdesk.Contact, error)
	PutContact(ctx context.Context, c civicdesk.Contact) error
	ListConversations(ctx context.Context, f civicdesk.ConversationFilter) ([]civicdesk.Conversation, error)
	PutConversation(ctx context.Context, c civicdesk.Conversation) error
	ListMessages(ctx context.Context, conversationID string, afterSeq uint64, limit int) ([]civicdesk.Message, error)
	ListNotes(ctx context.Context, conversationID string) ([]civicdesk.Note, error)
	DeleteConversationData(ctx context.Context, conversationID string) error
	ListRecords(ctx context.Context, kind, prefix string, limit int) ([]civicdesk.Record, error)
	DeleteRecord(ctx context.Context, kind, key string) error
}

// Store is what retention needs of the store.
type Store interface {
	EraseStore
	InsertMessage(ctx context.Context, m civicdesk.Message) (bool, error)
	DeleteConversation(ctx context.Context, conversationID string) error
	ListDepartments(ctx context.Context) ([]civicdesk.Department, error)
}

// Bus is what privacy needs of NATS: closing a conversation is published,
// and a conversation's copies are purged from the streams.
type Bus interface {
	Publish(ctx context.Context, subject string, data []byte, msgID string) (uint64, bool, error)
	PurgeConversation(ctx context.Context, convID string) error
}

// Auditor records audited actions (internal/audit's Recorder).
type Auditor interface {
	Record(ctx context.Context, actor, action, target string, detail map[string]string) error
}

// Removed replaces the text of anonymized messages.
const Removed = "[removed]"

// ExportedConversation is one conversation of an export.
type ExportedConversation struct {
	Conversation civicdesk.Conversation `json:"conversation"`
	Messages     []civicdesk.Message    `json:"messages"`
	Notes        []civicdesk.Note       `json:"notes"`
}

// Export is everything the agency holds on a contact.
type Export struct {
	Contact       civicdesk.Contact      `json:"contact"`
	Conversations []ExportedConversation `json:"conversations"`
}

// ExportContact gathers a contact's data. An unknown contact is
// civicdesk.CodeNotFound.
func ExportContact(ctx context.Context, s EraseStore, id string) (Export, error) {
	contact, err := s.GetContact(ctx, id)
	if err != nil {
		if civicdesk.IsNotFound(err) {
			return Export{}, civicdesk.Errorf(civicdesk.CodeNotFound, "no such contact")
		}
		return Export{}, err
	}
	convs, err := s.ListConversations(ctx, civicdesk.ConversationFilter{ContactID: contact.ID})
	if err != nil {
		return Export{}, err
	}
	out := Export{Contact: contact, Conversations: make([]ExportedConversation, 0, len(convs))}
	for _, cv := range convs {
		ms, err := s.ListMessages(ctx, cv.ID, 0, 0)
		if err != nil {
			return Export{}, err
		}
		ns, err := s.ListNotes(ctx, cv.ID)
		if err != nil {
			return Export{}, err
		}
		out.Conversations = append(out.Conversations, ExportedConversation{Conversation: cv, Messages: nonNil(ms), Notes: nonNil(ns)})
	}
	return out, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// EraseContact erases a citizen: every message and note of their
// conversations is deleted from the store and purged from the message
// streams, copies kept by the channels are deleted, open conversations are
// closed, and the contact's details are blanked. Conversation records stay,
// emptied, so the statistics still add up. It returns how many
// conversations it emptied. The caller audits it first.
func EraseContact(ctx context.Context, s EraseStore, bus Bus, id string) (int, error) {
	contact, err := s.GetContact(ctx, id)
	if err != nil {
		if civicdesk.IsNotFound(err) {
			return 0, civicdesk.Errorf(civicdesk.CodeNotFound, "no such contact")
		}
		return 0, err
	}
	convs, err := s.ListConversations(ctx, civicdesk.ConversationFilter{ContactID: contact.ID})
	if err != nil {
		return 0, err
	}
	for _, cv := range convs {
		if err := eraseConversation(ctx, s, bus, cv); err != nil {
			return 0, err
		}
	}
	contact.Name, contact.Email, contact.Phone = "", "", ""
	return len(convs), s.PutContact(ctx, contact)
}

func eraseConversation(ctx context.Context, s EraseStore, bus Bus, cv civicdesk.Conversation) error {
	if cv.State != civicdesk.StateClosed {
		now := civicdesk.Now()
		cv.State, cv.ClosedAt, cv.UpdatedAt, cv.Disposition = civicdesk.StateClosed, &now, now, "erased"
		if err := PublishClosed(ctx, s, bus, cv); err != nil {
			return err
		}
	}
	if err := dropCopies(ctx, s, bus, cv.ID); err != nil {
		return err
	}
	if err := s.DeleteConversationData(ctx, cv.ID); err != nil {
		return err
	}
	cv.LastMessage, cv.RatingComment = "", ""
	if cv.Triage != nil {
		cv.Triage.Summary, cv.Triage.Reasons = "", []string{"erased"}
	}
	return s.PutConversation(ctx, cv)
}

// PublishClosed saves cv closed and tells every replica it is.
func PublishClosed(ctx context.Context, s EraseStore, bus Bus, cv civicdesk.Conversation) error {
	if err := s.PutConversation(ctx, cv); err != nil {
		return err
	}
	data, err := json.Marshal(civicdesk.Event{Type: "conversation.closed", Conversation: &cv, At: cv.UpdatedAt})
	if err != nil {
		return fmt.Errorf("privacy: encode close: %w", err)
	}
	_, _, err = bus.Publish(ctx, civicdesk.ConvSubject(civicdesk.VerbClosed, cv.ID), data, "closed:"+cv.ID)
	return err
}

// channelRecordKinds hold copies of message content keyed by
// "<conversation>/…" (delivery details, outboxes, sent mail).
var channelRecordKinds = []string{"delivery", "sms_outbox", "email_outbox", "email_sent", "email_transcript"}

// messageRecordKinds hold copies keyed by message id (raw mail).
var messageRecordKinds = []string{"email_raw", "email_message"}

// attachmentRecordKinds hold attachments and their details, by id.
var attachmentRecordKinds = []string{"email_attachment", "email_attachment_meta"}

// dropCopies removes a conversation's copies outside its messages: the
// streams first, so no consumer records anything again from a copy left in
// a stream, then what the channels keep.
func dropCopies(ctx context.Context, s EraseStore, bus Bus, convID string) error {
	ms, err := s.ListMessages(ctx, convID, 0, 0)
	if err != nil {
		return err
	}
	if err := bus.PurgeConversation(ctx, convID); err != nil {
		return err
	}
	for _, kind := range channelRecordKinds {
		recs, err := s.ListRecords(ctx, kind, convID+"/", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := s.DeleteRecord(ctx, kind, r.Key); err != nil && !civicdesk.IsNotFound(err) {
				return err
			}
		}
	}
	for _, m := range ms {
		for _, kind := range messageRecordKinds {
			if err := s.DeleteRecord(ctx, kind, m.ID); err != nil && !civicdesk.IsNotFound(err) {
				return err
			}
		}
		for _, a := range m.Attachments {
			for _, kind := range attachmentRecordKinds {
				if err := s.DeleteRecord(ctx, kind, a.ID); err != nil && !civicdesk.IsNotFound(err) {
					return err
				}
			}
		}
	}
	return nil
}

// DeleteConversation deletes a closed conversation whole: its record,
// messages, notes, attachments and every copy in the streams and channels.
// The contact's details go too when no other kept conversation is theirs.
func DeleteConversation(ctx context.Context, s Store, bus Bus, cv civicdesk.Conversation) error {
	if err := dropCopies(ctx, s, bus, cv.ID); err != nil {
		return err
	}
	if err := s.DeleteConversation(ctx, cv.ID); err != nil {
		return err
	}
	return forgetContactIfDone(ctx, s, cv.ContactID, cv.ID)
}

// AnonymizeConversation keeps a closed conversation's numbers (channel,
// department, times, counts, rating, routing decisions) and drops what
// identifies or quotes the citizen: message text and attachments are
// replaced, notes deleted, copies in the streams and channels removed, and
// the contact's details dropped when no other kept conversation is theirs.
func AnonymizeConversation(ctx context.Context, s Store, bus Bus, cv civicdesk.Conversation, now time.Time) error {
	ms, err := s.ListMessages(ctx, cv.ID, 0, 0)
	if err != nil {
		return err
	}
	if err := dropCopies(ctx, s, bus, cv.ID); err != nil {
		return err
	}
	// Messages cannot be edited in place: delete and insert them again
	// with their text replaced. Seq, author kind and times stay.
	if err := s.DeleteConversationData(ctx, cv.ID); err != nil {
		return err
	}
	for _, m := range ms {
		m.Text, m.Attachments, m.ClientMessageID = Removed, nil, ""
		if m.Author.Kind == civicdesk.AuthorCitizen {
			m.Author.Name = ""
		}
		if _, err := s.InsertMessage(ctx, m); err != nil {
			return err
		}
	}
	at := now.UTC().Truncate(time.Millisecond)
	cv.LastMessage, cv.RatingComment, cv.AnonymizedAt = "", "", &at
	if cv.Triage != nil {
		cv.Triage.Summary, cv.Triage.Reasons = "", []string{"anonymized"}
	}
	if err := s.PutConversation(ctx, cv); err != nil {
		return err
	}
	return forgetContactIfDone(ctx, s, cv.ContactID, cv.ID)
}

// forgetContactIfDone blanks a contact's details when every conversation of
// theirs other than except is gone or anonymized.
func forgetContactIfDone(ctx context.Context, s EraseStore, contactID, except string) error {
	if contactID == "" {
		return nil
	}
	convs, err := s.ListConversations(ctx, civicdesk.ConversationFilter{ContactID: contactID})
	if err != nil {
		return err
	}
	for _, c := range convs {
		if c.ID != except && c.AnonymizedAt == nil {
			return nil
		}
	}
	contact, err := s.GetContact(ctx, contactID)
	if civicdesk.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if contact.Name == "" && contact.Email == "" && contact.Phone == "" {
		return nil
	}
	contact.Name, contact.Email, contact.Phone = "", "", ""
	return s.PutContact(ctx, contact)
}
