package email

import (
	"time"
)

// Record kinds the email channel keeps in the store (civicdesk.Record).
// Values are plain bytes unless said to be JSON.
const (
	// KindThread maps a Message-ID (without angle brackets), ours or a
	// citizen's, to the id of its conversation.
	KindThread = "email_thread"
	// KindReplyToken maps the token of a reply+<token>@domain address to
	// its conversation id.
	KindReplyToken = "email_reply_token"
	// KindConvToken maps a conversation id to its reply token.
	KindConvToken = "email_conv_token"
	// KindRaw keeps the original message as received, keyed by message id.
	KindRaw = "email_raw"
	// KindMessage is what we know of an inbound email beyond the Message,
	// keyed by message id (JSON MessageInfo).
	KindMessage = "email_message"
	// KindAttachment holds an attachment's bytes, keyed by attachment id.
	KindAttachment = "email_attachment"
	// KindAttachmentMeta describes an attachment, keyed by attachment id
	// (JSON AttachmentInfo): the desk needs it to serve the bytes.
	KindAttachmentMeta = "email_attachment_meta"
	// KindLink records that a reply to a closed conversation opened (or
	// joined) another one: key "<conversationId>/<closedConversationId>",
	// value the closed conversation's id.
	KindLink = "email_link"
	// KindSent marks an outbound message as sent, key
	// "<conversationId>/<messageId>" (JSON SentInfo). Never two emails for
	// one message.
	KindSent = "email_sent"
	// KindOutbox holds the mail we would have sent, key
	// "<conversationId>/<messageId>", when no relay is configured.
	KindOutbox = "email_outbox"
	// KindTranscript marks a conversation whose transcript was mailed, key
	// conversation id (JSON SentInfo).
	KindTranscript = "email_transcript"
	// KindDelivery is the delivery state of an outbound message, key
	// "<conversationId>/<messageId>" (JSON Delivery). Shared with the other
	// channels; the desk shows it next to the message.
	KindDelivery = "delivery"
)

// Delivery states.
const (
	DeliverySent     = "sent"
	DeliveryFailed   = "failed"
	DeliveryRetrying = "retrying" // a transient failure; another attempt is scheduled
)

// Delivery is the value of a KindDelivery record.
type Delivery struct {
	State    string    `json:"state"`
	Detail   string    `json:"detail,omitempty"`
	At       time.Time `json:"at"`
	Attempts int       `json:"attempts,omitempty"`
}

// MessageInfo is the value of a KindMessage record.
type MessageInfo struct {
	ConversationID  string    `json:"conversationId"`
	MessageIDHeader string    `json:"messageIdHeader,omitempty"`
	Subject         string    `json:"subject,omitempty"`
	From            string    `json:"from,omitempty"`
	Date            time.Time `json:"date,omitzero"`
	// Automated is why the mail was recognised as automatic (auto-reply,
	// bounce, list, bulk); such mail is never answered.
	Automated string `json:"automated,omitempty"`
	HTMLOnly  bool   `json:"htmlOnly,omitempty"`
	// Trimmed is set when quoted history or a signature was cut from the
	// message text; the full text stays in the raw record.
	Trimmed bool `json:"trimmed,omitempty"`
}

// AttachmentInfo is the value of a KindAttachmentMeta record.
type AttachmentInfo struct {
	ID             string `json:"id"`
	MessageID      string `json:"messageId"`
	ConversationID string `json:"conversationId"`
	Name           string `json:"name"`
	ContentType    string `json:"contentType"`
	Size           int64  `json:"size"`
	// Stored is false when the attachment was over the size limit: only
	// its description is kept.
	Stored bool `json:"stored"`
}

// SentInfo is the value of KindSent and KindTranscript records.
type SentInfo struct {
	MessageIDHeader string    `json:"messageIdHeader"`
	Via             string    `json:"via"` // "relay" or "outbox"
	At              time.Time `json:"at"`
}
