package civicdesk

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
)

// Channel is how a citizen reached the agency.
type Channel string

// The channels of the public contract.
const (
	ChannelWebchat Channel = "webchat"
	ChannelSMS     Channel = "sms"
	ChannelEmail   Channel = "email"
)

// Valid reports whether c is one of the known channels.
func (c Channel) Valid() bool {
	return c == ChannelWebchat || c == ChannelSMS || c == ChannelEmail
}

// ConversationState is where a conversation stands in the flow.
type ConversationState string

// The states of a conversation, in flow order.
const (
	StateBot      ConversationState = "bot"
	StateQueued   ConversationState = "queued"
	StateAssigned ConversationState = "assigned"
	StateClosed   ConversationState = "closed"
)

// Valid reports whether s is a known state.
func (s ConversationState) Valid() bool {
	switch s {
	case StateBot, StateQueued, StateAssigned, StateClosed:
		return true
	}
	return false
}

// AuthorKind says who wrote a message.
type AuthorKind string

// The authors of messages.
const (
	AuthorCitizen AuthorKind = "citizen"
	AuthorBot     AuthorKind = "bot"
	AuthorAgent   AuthorKind = "agent"
	AuthorSystem  AuthorKind = "system"
)

// Author of a message; ID is the agent's id for agent messages.
type Author struct {
	Kind AuthorKind `json:"kind"`
	Name string     `json:"name,omitempty"`
	ID   string     `json:"id,omitempty"`
}

// Message is one message of a conversation. Seq orders messages: it is the
// JetStream sequence at which the message was accepted.
type Message struct {
	ID             string    `json:"id"`
	ConversationID string    `json:"conversationId"`
	ContactID      string    `json:"contactId,omitempty"`
	Author         Author    `json:"author"`
	Text           string    `json:"text"`
	CreatedAt      time.Time `json:"createdAt"`
	Channel        Channel   `json:"channel"`
	Seq            uint64    `json:"seq,omitempty"`
	// ClientMessageID is the sender's own id (widget clientMessageId,
	// Twilio MessageSid, email Message-ID), kept for dedupe and threading.
	ClientMessageID string `json:"clientMessageId,omitempty"`
	// Attachments are files sent with it (MMS media, email attachments).
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Urgency of a triaged conversation.
type Urgency string

// Urgencies, most urgent first.
const (
	UrgencyEmergency Urgency = "emergency"
	UrgencyHigh      Urgency = "high"
	UrgencyNormal    Urgency = "normal"
)

// Priority maps urgency to a routing priority: higher is served first.
func (u Urgency) Priority() int {
	switch u {
	case UrgencyEmergency:
		return 100
	case UrgencyHigh:
		return 50
	}
	return 10
}

// Triage is the bot's record of what a conversation is about.
type Triage struct {
	Department string   `json:"department"`
	Urgency    Urgency  `json:"urgency"`
	Language   string   `json:"language"`
	WantsHuman bool     `json:"wantsHuman"`
	Confidence float64  `json:"confidence"`
	Reasons    []string `json:"reasons"`
	Summary    string   `json:"summary,omitempty"`
	// BotStep is what the bot last did on the conversation ("asked",
	// "answered", "handed_off") and BotStepFor the citizen message it did
	// it for. The bot decides its next step from these, not from recorded
	// history, which lags its own replies.
	BotStep    string `json:"botStep,omitempty"`
	BotStepFor string `json:"botStepFor,omitempty"`
}

// Conversation is one thread between a contact and the agency on one channel.
type Conversation struct {
	ID              string            `json:"id"`
	ContactID       string            `json:"contactId"`
	Channel         Channel           `json:"channel"`
	State           ConversationState `json:"state"`
	DepartmentID    string            `json:"departmentId,omitempty"`
	AssignedAgentID string            `json:"assignedAgentId,omitempty"`
	Priority        int               `json:"priority"`
	Triage          *Triage           `json:"triage,omitempty"`
	CreatedAt       time.Time         `json:"createdAt"`
	UpdatedAt       time.Time         `json:"updatedAt"`
	QueuedAt        *time.Time        `json:"queuedAt,omitempty"`
	AssignedAt      *time.Time        `json:"assignedAt,omitempty"`
	ClosedAt        *time.Time        `json:"closedAt,omitempty"`
	Disposition     string            `json:"disposition,omitempty"`
	Rating          int               `json:"rating,omitempty"`
	RatingComment   string            `json:"ratingComment,omitempty"`
	// LastMessage is a preview of the latest citizen message, for lists.
	LastMessage string `json:"lastMessage,omitempty"`
	// Decisions are the routing decisions taken on it, latest last.
	Decisions []RoutingDecision `json:"decisions,omitempty"`
	// OfferedAgentID is the caseworker it is offered to, until they
	// accept or decline or the offer expires at OfferExpiresAt.
	OfferedAgentID string     `json:"offeredAgentId,omitempty"`
	OfferExpiresAt *time.Time `json:"offerExpiresAt,omitempty"`
	// WidenedTo are departments whose caseworkers may also take it, added
	// by routing escalation; it stays in DepartmentID's queue too.
	WidenedTo []string `json:"widenedTo,omitempty"`
	// InterpreterNeeded says routing dropped the language requirement: the
	// caseworker may not speak Triage.Language.
	InterpreterNeeded bool `json:"interpreterNeeded,omitempty"`
	// AnonymizedAt is when retention replaced its text and dropped the
	// contact's details; the numbers stay for the statistics.
	AnonymizedAt *time.Time `json:"anonymizedAt,omitempty"`
}

// Head is the conversation as message events carry it: whose it is, where
// it stands and who has it. Its triage, preview, routing history and rating
// stay out: they are most of its size, and every message event is stored,
// copied and decoded several times (conversation.* events carry them).
func (c Conversation) Head() Conversation {
	return Conversation{ID: c.ID, ContactID: c.ContactID, Channel: c.Channel, State: c.State,
		DepartmentID: c.DepartmentID, AssignedAgentID: c.AssignedAgentID, OfferedAgentID: c.OfferedAgentID,
		Priority: c.Priority, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// Contact is a citizen, as far as the agency knows them.
type Contact struct {
	ID        string    `json:"id"`
	Name      string    `json:"name,omitempty"`
	Email     string    `json:"email,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Locale    string    `json:"locale,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// Role of a staff member.
type Role string

// Staff roles.
const (
	RoleCaseworker Role = "caseworker"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// AgentStatus is a staff member's presence.
type AgentStatus string

// Presence states.
const (
	StatusAvailable AgentStatus = "available"
	StatusAway      AgentStatus = "away"
	StatusOffline   AgentStatus = "offline"
)

// Valid reports whether s is a known status.
func (s AgentStatus) Valid() bool {
	return s == StatusAvailable || s == StatusAway || s == StatusOffline
}

// Agent is a caseworker, supervisor or admin.
type Agent struct {
	ID           string      `json:"id"`
	Name         string      `json:"name"`
	Email        string      `json:"email"`
	Role         Role        `json:"role"`
	Departments  []string    `json:"departments"`
	Languages    []string    `json:"languages,omitempty"`
	Status       AgentStatus `json:"status,omitempty"`
	PasswordHash string      `json:"-"`
	Disabled     bool        `json:"disabled,omitempty"`
}

// InDepartment reports whether the agent belongs to department id.
func (a Agent) InDepartment(id string) bool {
	for _, d := range a.Departments {
		if d == id {
			return true
		}
	}
	return false
}

// Department is a queue of work with its own caseworkers.
type Department struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// RetentionDays is how many days closed conversations are kept (0 =
	// forever); after that RetentionAction ("delete" or "anonymize") is
	// applied to them.
	RetentionDays   int    `json:"retentionDays,omitempty"`
	RetentionAction string `json:"retentionAction,omitempty"`
}

// The retention actions of a department.
const (
	RetentionDelete    = "delete"
	RetentionAnonymize = "anonymize"
)

// Note is an internal note on a conversation, never shown to the citizen.
type Note struct {
	ID             string    `json:"id"`
	ConversationID string    `json:"conversationId"`
	AgentID        string    `json:"agentId"`
	Text           string    `json:"text"`
	CreatedAt      time.Time `json:"createdAt"`
}

// NewID returns a random identifier with a readable prefix, such as "cv_…".
// 80 random bits keep ids unguessable and collision free.
func NewID(prefix string) string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return prefix + "_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// Now returns the current time in UTC at millisecond precision, as the API
// writes times.
func Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// TokenKind says what a stored credential is for.
type TokenKind string

// Kinds of stored credentials.
const (
	TokenVisitor TokenKind = "visitor" // a widget visitor's bearer token
	TokenSession TokenKind = "session" // a staff member's sign-in session
	TokenAPI     TokenKind = "api"     // an integration's API token; SubjectID is its record's id
)

// Token is a stored credential. Only the SHA-256 hash of the secret is kept.
type Token struct {
	Hash      string    `json:"hash"`
	Kind      TokenKind `json:"kind"`
	SubjectID string    `json:"subjectId"` // contact id or agent id
	ExpiresAt time.Time `json:"expiresAt"`
	// LastSeenAt is when a session was last used, for the idle timeout;
	// zero until then. It is written at most once a minute.
	LastSeenAt time.Time `json:"lastSeenAt,omitzero"`
}

// ConversationFilter selects conversations; empty fields match everything.
type ConversationFilter struct {
	States        []ConversationState
	DepartmentIDs []string
	AgentID       string
	ContactID     string
	// ClosedSince, when set, leaves out conversations closed before it
	// (open ones stay): statistics over a recent window need not read
	// every conversation ever closed.
	ClosedSince time.Time
	Limit       int // 0 = no limit
}

// Delivery is one message handed to a durable consumer. Seq is its stream
// sequence, the order of acceptance.
type Delivery struct {
	Subject string
	Data    []byte
	Seq     uint64
	Time    time.Time
	// NumDelivered counts deliveries of this message, 1 the first time.
	NumDelivered uint64
}

// ConsumerSpec names a durable work consumer on a stream.
type ConsumerSpec struct {
	Stream  string
	Durable string
	Filters []string
	// AckWait is how long a message may be in handling before redelivery.
	AckWait time.Duration
	// Parallel > 1 handles messages of different subjects (conversations)
	// on that many goroutines at once; one subject's stay in order.
	Parallel int
	// Linger, for batch consumers, is how long to wait for more messages
	// before taking a batch while messages come faster than one at a time
	// (the previous batch held more than one); at a trickle nothing waits.
	Linger time.Duration
}

// RoutingDecision explains one decision of the routing engine: which rule or
// escalation step decided, who was considered and why the winner won.
type RoutingDecision struct {
	Kind       string             `json:"kind"` // queue, assign, offer, requeue, escalate, …
	Rule       string             `json:"rule"`
	AgentID    string             `json:"agentId,omitempty"`
	Candidates []RoutingCandidate `json:"candidates,omitempty"`
	Why        string             `json:"why"`
	At         time.Time          `json:"at"`
}

// RoutingCandidate is one agent weighed in a routing decision.
type RoutingCandidate struct {
	AgentID  string  `json:"agentId"`
	Eligible bool    `json:"eligible"`
	Why      string  `json:"why"`
	Score    float64 `json:"score,omitempty"`
}

// Attachment is a file sent with a message: an MMS media link or an email
// attachment. URL is where the desk can fetch it.
type Attachment struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	URL         string `json:"url"`
}

// Record is a small keyed value a channel keeps in the store: an SMS
// opt-out, an email thread reference, a delivery state. Keys sort as bytes,
// so a prefix selects a group (e.g. one conversation's deliveries).
type Record struct {
	Kind      string    `json:"kind"`
	Key       string    `json:"key"`
	Value     []byte    `json:"value"`
	UpdatedAt time.Time `json:"updatedAt"`
}
