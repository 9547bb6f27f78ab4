package mongostore

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/civicdesk/civicdesk"
)

// The documents as stored. They are explicit so that the stored shape does
// not follow the domain's JSON tags (Agent.PasswordHash is json:"-" but must
// be stored). Slices keep nil (BSON null) apart from empty (BSON []), so both
// round-trip as given. Times are BSON dates: UTC, millisecond precision.

type contactDoc struct {
	ID        string    `bson:"_id"`
	Name      string    `bson:"name"`
	Email     string    `bson:"email"`
	Phone     string    `bson:"phone"`
	Locale    string    `bson:"locale"`
	CreatedAt time.Time `bson:"createdAt"`
}

type tokenDoc struct {
	Hash       string     `bson:"_id"`
	Kind       string     `bson:"kind"`
	SubjectID  string     `bson:"subjectId"`
	ExpiresAt  time.Time  `bson:"expiresAt"`
	LastSeenAt *time.Time `bson:"lastSeenAt,omitempty"` // absent until first touched
}

type triageDoc struct {
	Department string   `bson:"department"`
	Urgency    string   `bson:"urgency"`
	Language   string   `bson:"language"`
	WantsHuman bool     `bson:"wantsHuman"`
	Confidence float64  `bson:"confidence"`
	Reasons    []string `bson:"reasons"`
	Summary    string   `bson:"summary"`
	BotStep    string   `bson:"botStep,omitempty"`
	BotStepFor string   `bson:"botStepFor,omitempty"`
}

type conversationDoc struct {
	ID              string     `bson:"_id"`
	ContactID       string     `bson:"contactId"`
	Channel         string     `bson:"channel"`
	State           string     `bson:"state"`
	DepartmentID    string     `bson:"departmentId"`
	AssignedAgentID string     `bson:"assignedAgentId"`
	Priority        int64      `bson:"priority"`
	Triage          *triageDoc `bson:"triage,omitempty"`
	CreatedAt       time.Time  `bson:"createdAt"`
	UpdatedAt       time.Time  `bson:"updatedAt"`
	QueuedAt        *time.Time `bson:"queuedAt,omitempty"`
	AssignedAt      *time.Time `bson:"assignedAt,omitempty"`
	ClosedAt        *time.Time `bson:"closedAt,omitempty"`
	Disposition     string     `bson:"disposition"`
	Rating          int64      `bson:"rating"`
	RatingComment   string     `bson:"ratingComment"`
	LastMessage     string     `bson:"lastMessage"`
	// Decisions keep the domain's shape; the driver names fields in lower case.
	Decisions         []civicdesk.RoutingDecision `bson:"decisions,omitempty"`
	OfferedAgentID    string                      `bson:"offeredAgentId"`
	OfferExpiresAt    *time.Time                  `bson:"offerExpiresAt,omitempty"`
	WidenedTo         []string                    `bson:"widenedTo"`
	InterpreterNeeded bool                        `bson:"interpreterNeeded"`
	AnonymizedAt      *time.Time                  `bson:"anonymizedAt,omitempty"`
}

// openDoc holds the slot of the one open conversation of a contact on a
// channel. Its _id is openKey(contactID, channel).
type openDoc struct {
	Key            string    `bson:"_id"`
	ConversationID string    `bson:"conversationId"`
	CreatedAt      time.Time `bson:"createdAt"`
}

type authorDoc struct {
	Kind string `bson:"kind"`
	Name string `bson:"name"`
	ID   string `bson:"id"`
}

type messageDoc struct {
	ID              string    `bson:"_id"`
	ConversationID  string    `bson:"conversationId"`
	ContactID       string    `bson:"contactId"`
	Author          authorDoc `bson:"author"`
	Text            string    `bson:"text"`
	CreatedAt       time.Time `bson:"createdAt"`
	Channel         string    `bson:"channel"`
	Seq             int64     `bson:"seq"`
	ClientMessageID string    `bson:"clientMessageId"`
	// Attachments keep the domain's shape (lower-case field names).
	Attachments []civicdesk.Attachment `bson:"attachments,omitempty"`
}

type noteDoc struct {
	ID             string    `bson:"_id"`
	ConversationID string    `bson:"conversationId"`
	AgentID        string    `bson:"agentId"`
	Text           string    `bson:"text"`
	CreatedAt      time.Time `bson:"createdAt"`
}

type agentDoc struct {
	ID           string   `bson:"_id"`
	Name         string   `bson:"name"`
	Email        string   `bson:"email"`
	EmailLower   string   `bson:"emailLower"` // unique index; lookups and order
	Role         string   `bson:"role"`
	Departments  []string `bson:"departments"`
	Languages    []string `bson:"languages"`
	Status       string   `bson:"status"`
	PasswordHash string   `bson:"passwordHash"`
	Disabled     bool     `bson:"disabled"`
}

type departmentDoc struct {
	ID              string `bson:"_id"`
	Name            string `bson:"name"`
	RetentionDays   int    `bson:"retentionDays"`
	RetentionAction string `bson:"retentionAction"`
}

// toDate is a time as stored: UTC, truncated to milliseconds.
func toDate(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// fromDate is a stored time as returned, equal to toDate of what was put.
func fromDate(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func toDatePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := toDate(*t)
	return &d
}

func fromDatePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := fromDate(*t)
	return &d
}

func openKey(contactID string, ch civicdesk.Channel) string {
	return contactID + "|" + string(ch)
}

func contactToDoc(c civicdesk.Contact) contactDoc {
	return contactDoc{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, Locale: c.Locale, CreatedAt: toDate(c.CreatedAt)}
}

func (d contactDoc) domain() civicdesk.Contact {
	return civicdesk.Contact{ID: d.ID, Name: d.Name, Email: d.Email, Phone: d.Phone, Locale: d.Locale, CreatedAt: fromDate(d.CreatedAt)}
}

func tokenToDoc(t civicdesk.Token) tokenDoc {
	d := tokenDoc{Hash: t.Hash, Kind: string(t.Kind), SubjectID: t.SubjectID, ExpiresAt: toDate(t.ExpiresAt)}
	if !t.LastSeenAt.IsZero() {
		d.LastSeenAt = toDatePtr(&t.LastSeenAt)
	}
	return d
}

func (d tokenDoc) domain() civicdesk.Token {
	t := civicdesk.Token{Hash: d.Hash, Kind: civicdesk.TokenKind(d.Kind), SubjectID: d.SubjectID, ExpiresAt: fromDate(d.ExpiresAt)}
	if d.LastSeenAt != nil {
		t.LastSeenAt = fromDate(*d.LastSeenAt)
	}
	return t
}

func conversationToDoc(c civicdesk.Conversation) conversationDoc {
	d := conversationDoc{
		ID:              c.ID,
		ContactID:       c.ContactID,
		Channel:         string(c.Channel),
		State:           string(c.State),
		DepartmentID:    c.DepartmentID,
		AssignedAgentID: c.AssignedAgentID,
		Priority:        int64(c.Priority),
		CreatedAt:       toDate(c.CreatedAt),
		UpdatedAt:       toDate(c.UpdatedAt),
		QueuedAt:        toDatePtr(c.QueuedAt),
		AssignedAt:      toDatePtr(c.AssignedAt),
		ClosedAt:        toDatePtr(c.ClosedAt),
		Disposition:     c.Disposition,
		Rating:          int64(c.Rating),
		RatingComment:   c.RatingComment,
		LastMessage:     c.LastMessage,
		Decisions:       c.Decisions,

		OfferedAgentID:    c.OfferedAgentID,
		OfferExpiresAt:    toDatePtr(c.OfferExpiresAt),
		WidenedTo:         c.WidenedTo,
		InterpreterNeeded: c.InterpreterNeeded,
		AnonymizedAt:      toDatePtr(c.AnonymizedAt),
	}
	if t := c.Triage; t != nil {
		d.Triage = &triageDoc{
			Department: t.Department,
			Urgency:    string(t.Urgency),
			Language:   t.Language,
			WantsHuman: t.WantsHuman,
			Confidence: t.Confidence,
			Reasons:    t.Reasons,
			Summary:    t.Summary,
			BotStep:    t.BotStep,
			BotStepFor: t.BotStepFor,
		}
	}
	return d
}

func (d conversationDoc) domain() civicdesk.Conversation {
	c := civicdesk.Conversation{
		ID:              d.ID,
		ContactID:       d.ContactID,
		Channel:         civicdesk.Channel(d.Channel),
		State:           civicdesk.ConversationState(d.State),
		DepartmentID:    d.DepartmentID,
		AssignedAgentID: d.AssignedAgentID,
		Priority:        int(d.Priority),
		CreatedAt:       fromDate(d.CreatedAt),
		UpdatedAt:       fromDate(d.UpdatedAt),
		QueuedAt:        fromDatePtr(d.QueuedAt),
		AssignedAt:      fromDatePtr(d.AssignedAt),
		ClosedAt:        fromDatePtr(d.ClosedAt),
		Disposition:     d.Disposition,
		Rating:          int(d.Rating),
		RatingComment:   d.RatingComment,
		LastMessage:     d.LastMessage,
		Decisions:       d.Decisions,

		OfferedAgentID:    d.OfferedAgentID,
		OfferExpiresAt:    fromDatePtr(d.OfferExpiresAt),
		WidenedTo:         d.WidenedTo,
		InterpreterNeeded: d.InterpreterNeeded,
		AnonymizedAt:      fromDatePtr(d.AnonymizedAt),
	}
	if t := d.Triage; t != nil {
		c.Triage = &civicdesk.Triage{
			Department: t.Department,
			Urgency:    civicdesk.Urgency(t.Urgency),
			Language:   t.Language,
			WantsHuman: t.WantsHuman,
			Confidence: t.Confidence,
			Reasons:    t.Reasons,
			Summary:    t.Summary,
			BotStep:    t.BotStep,
			BotStepFor: t.BotStepFor,
		}
	}
	return c
}

// seqToInt64 converts a JetStream sequence for storage: BSON has no unsigned
// 64-bit integer.
func seqToInt64(seq uint64) (int64, error) {
	if seq > math.MaxInt64 {
		return 0, civicdesk.Errorf(civicdesk.CodeInvalid, "message sequence %d is out of range", seq)
	}
	return int64(seq), nil
}

func messageToDoc(m civicdesk.Message) (messageDoc, error) {
	seq, err := seqToInt64(m.Seq)
	if err != nil {
		return messageDoc{}, err
	}
	return messageDoc{
		ID:              m.ID,
		ConversationID:  m.ConversationID,
		ContactID:       m.ContactID,
		Author:          authorDoc{Kind: string(m.Author.Kind), Name: m.Author.Name, ID: m.Author.ID},
		Text:            m.Text,
		CreatedAt:       toDate(m.CreatedAt),
		Channel:         string(m.Channel),
		Seq:             seq,
		ClientMessageID: m.ClientMessageID,
		Attachments:     m.Attachments,
	}, nil
}

func (d messageDoc) domain() (civicdesk.Message, error) {
	if d.Seq < 0 {
		return civicdesk.Message{}, fmt.Errorf("message %s: negative stored sequence %d", d.ID, d.Seq)
	}
	return civicdesk.Message{
		ID:              d.ID,
		ConversationID:  d.ConversationID,
		ContactID:       d.ContactID,
		Author:          civicdesk.Author{Kind: civicdesk.AuthorKind(d.Author.Kind), Name: d.Author.Name, ID: d.Author.ID},
		Text:            d.Text,
		CreatedAt:       fromDate(d.CreatedAt),
		Channel:         civicdesk.Channel(d.Channel),
		Seq:             uint64(d.Seq),
		ClientMessageID: d.ClientMessageID,
		Attachments:     d.Attachments,
	}, nil
}

func noteToDoc(n civicdesk.Note) noteDoc {
	return noteDoc{ID: n.ID, ConversationID: n.ConversationID, AgentID: n.AgentID, Text: n.Text, CreatedAt: toDate(n.CreatedAt)}
}

func (d noteDoc) domain() civicdesk.Note {
	return civicdesk.Note{ID: d.ID, ConversationID: d.ConversationID, AgentID: d.AgentID, Text: d.Text, CreatedAt: fromDate(d.CreatedAt)}
}

func agentToDoc(a civicdesk.Agent) agentDoc {
	return agentDoc{
		ID:           a.ID,
		Name:         a.Name,
		Email:        a.Email,
		EmailLower:   strings.ToLower(a.Email),
		Role:         string(a.Role),
		Departments:  a.Departments,
		Languages:    a.Languages,
		Status:       string(a.Status),
		PasswordHash: a.PasswordHash,
		Disabled:     a.Disabled,
	}
}

func (d agentDoc) domain() civicdesk.Agent {
	return civicdesk.Agent{
		ID:           d.ID,
		Name:         d.Name,
		Email:        d.Email,
		Role:         civicdesk.Role(d.Role),
		Departments:  d.Departments,
		Languages:    d.Languages,
		Status:       civicdesk.AgentStatus(d.Status),
		PasswordHash: d.PasswordHash,
		Disabled:     d.Disabled,
	}
}

// recordDoc is a Record; _id is recordID(kind, key), so kind and key are
// unique together and a prefix of a kind is a range on _id.
type recordDoc struct {
	ID        string    `bson:"_id"`
	Kind      string    `bson:"kind"`
	Key       string    `bson:"key"`
	Value     []byte    `bson:"value"`
	UpdatedAt time.Time `bson:"updatedAt"`
}

// recordID joins kind and key with a NUL byte, which sorts before every
// other byte, so the keys of one kind form one contiguous _id range.
func recordID(kind, key string) string { return kind + "\x00" + key }

func recordToDoc(r civicdesk.Record) recordDoc {
	v := r.Value
	if v == nil {
		v = []byte{}
	}
	return recordDoc{ID: recordID(r.Kind, r.Key), Kind: r.Kind, Key: r.Key, Value: v, UpdatedAt: toDate(r.UpdatedAt)}
}

func (d recordDoc) domain() civicdesk.Record {
	return civicdesk.Record{Kind: d.Kind, Key: d.Key, Value: d.Value, UpdatedAt: fromDate(d.UpdatedAt)}
}
