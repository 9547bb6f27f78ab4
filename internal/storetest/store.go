package storetest

import (
	"context"
	"time"

	"github.com/civicdesk/civicdesk"
)

// Store is everything a CivicDesk store provides. Feature packages declare the
// subsets they use; both stores implement all of it.
//
// Errors: a missing record is civicdesk.ErrNotFound (civicdesk.IsNotFound);
// a uniqueness violation (an agent email already taken) has code
// civicdesk.CodeConflict.
type Store interface {
	Ping(ctx context.Context) error
	Close() error

	CreateContact(ctx context.Context, c civicdesk.Contact) error
	GetContact(ctx context.Context, id string) (civicdesk.Contact, error)
	// PutContact replaces an existing contact (an edit). Unknown id: ErrNotFound.
	PutContact(ctx context.Context, c civicdesk.Contact) error

	// PutToken inserts or replaces the token with t.Hash.
	PutToken(ctx context.Context, t civicdesk.Token) error
	GetToken(ctx context.Context, hash string) (civicdesk.Token, error)
	DeleteToken(ctx context.Context, hash string) error
	// TouchToken sets the LastSeenAt of an existing token; a missing one
	// stays missing (a revoked session is not brought back) and is not an
	// error.
	TouchToken(ctx context.Context, hash string, lastSeen time.Time) error
	// DeleteTokensOf deletes every token of kind whose SubjectID is subject
	// ("sign out everywhere") and returns how many it deleted.
	DeleteTokensOf(ctx context.Context, kind civicdesk.TokenKind, subject string) (int, error)

	// OpenConversation returns the open (not closed) conversation of
	// candidate.ContactID on candidate.Channel, creating candidate when there
	// is none; created says which. Concurrent calls for the same contact and
	// channel return the same conversation.
	OpenConversation(ctx context.Context, candidate civicdesk.Conversation) (c civicdesk.Conversation, created bool, err error)
	GetConversation(ctx context.Context, id string) (civicdesk.Conversation, error)
	// PutConversation replaces a stored conversation whole (its single writer
	// owns it). Saving it closed frees its contact and channel, so the next
	// OpenConversation creates a new one. Unknown id: ErrNotFound.
	PutConversation(ctx context.Context, c civicdesk.Conversation) error
	// ListConversations returns matches oldest first (CreatedAt, then ID).
	ListConversations(ctx context.Context, f civicdesk.ConversationFilter) ([]civicdesk.Conversation, error)

	// InsertMessage stores m unless a message with m.ID exists; inserted
	// says which. A redelivered message is harmless.
	InsertMessage(ctx context.Context, m civicdesk.Message) (inserted bool, err error)
	GetMessage(ctx context.Context, id string) (civicdesk.Message, error)
	// ListMessages returns the messages of a conversation with Seq > afterSeq,
	// in Seq order, at most limit (0 = all).
	ListMessages(ctx context.Context, conversationID string, afterSeq uint64, limit int) ([]civicdesk.Message, error)

	// DeleteConversationData deletes a conversation's messages and notes
	// (erasure); the conversation record itself stays, for the statistics.
	DeleteConversationData(ctx context.Context, conversationID string) error
	// DeleteConversation deletes a conversation record with its messages and
	// notes (retention); deleting a missing one is not an error.
	DeleteConversation(ctx context.Context, conversationID string) error

	InsertNote(ctx context.Context, n civicdesk.Note) error
	ListNotes(ctx context.Context, conversationID string) ([]civicdesk.Note, error)

	// PutAgent inserts or replaces an agent by ID, keeping PasswordHash and
	// Status as given. Emails are unique, compared case-insensitively.
	PutAgent(ctx context.Context, a civicdesk.Agent) error
	GetAgent(ctx context.Context, id string) (civicdesk.Agent, error)
	GetAgentByEmail(ctx context.Context, email string) (civicdesk.Agent, error)
	ListAgents(ctx context.Context) ([]civicdesk.Agent, error) // by email
	SetAgentStatus(ctx context.Context, id string, s civicdesk.AgentStatus) error

	// PutRecord stores r, replacing the record of the same kind and key.
	PutRecord(ctx context.Context, r civicdesk.Record) error
	// InsertRecord stores r unless its kind and key exist; inserted says which.
	InsertRecord(ctx context.Context, r civicdesk.Record) (inserted bool, err error)
	GetRecord(ctx context.Context, kind, key string) (civicdesk.Record, error)
	// ListRecords returns the records of kind whose key starts with prefix,
	// by key, at most limit (0 = all).
	ListRecords(ctx context.Context, kind, prefix string, limit int) ([]civicdesk.Record, error)
	DeleteRecord(ctx context.Context, kind, key string) error

	PutDepartment(ctx context.Context, d civicdesk.Department) error
	ListDepartments(ctx context.Context) ([]civicdesk.Department, error) // by ID
}
