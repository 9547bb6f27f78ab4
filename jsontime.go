package civicdesk

import (
	"encoding/json"
	"errors"
	"time"
)

// The API writes every time as RFC 3339 in UTC with exactly three
// fractional digits ("2026-11-29T18:01:17.260Z"), as API.md promises, where
// time.Time's own encoding (RFC3339Nano) drops trailing zeros
// ("…17.26Z", "…17Z") and so breaks clients that parse milliseconds
// strictly. The types below that carry times therefore marshal through a
// copy of themselves whose time fields are shadowed by same-named JSONTime
// fields: under Go's JSON rules (encoding/json and GOEXPERIMENT=jsonv2
// alike) the shallower field of a JSON name wins over the embedded one.
// The field types stay time.Time and decoding is untouched: it still
// accepts any RFC 3339 form, such as the short one older documents have.
//
// A MarshalJSON method with a value receiver is promoted to structs that
// embed the type: a struct embedding one of these types and adding fields of
// its own would lose them on encoding. Give such a struct a named field
// instead, or its own MarshalJSON.

// TimeLayout is how the API writes times, given a UTC time (Z07:00 then
// writes a literal Z): "2006-01-02T15:04:05.000Z". Hand-written encoders
// use it as t.UTC().AppendFormat(b, TimeLayout).
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// JSONTime is a time.Time that encodes as the API writes times: in UTC, to
// the millisecond (finer digits are cut off, as Now does), with exactly
// three fractional digits. *JSONTime converts from *time.Time without a
// copy, so a nil pointer stays nil (and omitempty omits it). Response
// structs elsewhere that hold times use it to shadow their time fields, as
// the types of this package do. It decodes any RFC 3339 time, as time.Time.
//
// It is a text marshaler, not a JSON one: encoding/json then writes it
// without re-scanning the output, and with GOEXPERIMENT=jsonv2 AppendText
// writes it without an allocation.
type JSONTime time.Time

var errJSONTimeYear = errors.New("civicdesk: a time outside years 0-9999 has no RFC 3339 form")

// AppendText appends t as "2006-01-02T15:04:05.000Z". It formats as
// time.RFC3339, for which time has a fast path (TimeLayout takes the
// general one, several times slower), and puts the milliseconds in.
func (t JSONTime) AppendText(b []byte) ([]byte, error) {
	u := time.Time(t).UTC()
	n := len(b)
	b = u.AppendFormat(b, time.RFC3339) // "2006-01-02T15:04:05Z" for years 0-9999
	if len(b)-n != len("2006-01-02T15:04:05Z") {
		return b[:n], errJSONTimeYear // as time.Time's MarshalJSON refuses
	}
	ms := u.Nanosecond() / 1e6
	b[len(b)-1] = '.'
	return append(b, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z'), nil
}

// MarshalText returns t as "2006-01-02T15:04:05.000Z".
func (t JSONTime) MarshalText() ([]byte, error) {
	return t.AppendText(make([]byte, 0, len(TimeLayout)-len("Z07:00")+len("Z")))
}

// UnmarshalText reads any RFC 3339 time, as time.Time does.
func (t *JSONTime) UnmarshalText(data []byte) error { return (*time.Time)(t).UnmarshalText(data) }

// IsZero makes omitzero treat t as time.Time.
func (t JSONTime) IsZero() bool { return time.Time(t).IsZero() }

// The encodings of the types with times: each a copy of the type (the
// plain* types, which have no methods) whose time fields are shadowed.
// toJSON fills one in. An event's message, conversation and note are
// encoded in the event's own allocation, not through their MarshalJSON,
// which would encode them apart and have encoding/json copy and re-scan the
// result (jsontime_v2.go does the same through MarshalJSONTo).
type (
	plainMessage         Message
	plainConversation    Conversation
	plainContact         Contact
	plainNote            Note
	plainToken           Token
	plainRoutingDecision RoutingDecision
	plainRecord          Record
	plainEvent           Event
	plainInboundMessage  InboundMessage

	messageJSON struct {
		plainMessage
		CreatedAt JSONTime `json:"createdAt"`
	}
	conversationJSON struct {
		plainConversation
		CreatedAt      JSONTime  `json:"createdAt"`
		UpdatedAt      JSONTime  `json:"updatedAt"`
		QueuedAt       *JSONTime `json:"queuedAt,omitempty"`
		AssignedAt     *JSONTime `json:"assignedAt,omitempty"`
		ClosedAt       *JSONTime `json:"closedAt,omitempty"`
		OfferExpiresAt *JSONTime `json:"offerExpiresAt,omitempty"`
		AnonymizedAt   *JSONTime `json:"anonymizedAt,omitempty"`
	}
	contactJSON struct {
		plainContact
		CreatedAt JSONTime `json:"createdAt"`
	}
	noteJSON struct {
		plainNote
		CreatedAt JSONTime `json:"createdAt"`
	}
	tokenJSON struct {
		plainToken
		ExpiresAt  JSONTime `json:"expiresAt"`
		LastSeenAt JSONTime `json:"lastSeenAt,omitzero"`
	}
	routingDecisionJSON struct {
		plainRoutingDecision
		At JSONTime `json:"at"`
	}
	recordJSON struct {
		plainRecord
		UpdatedAt JSONTime `json:"updatedAt"`
	}
	eventJSON struct {
		plainEvent
		Message      *messageJSON      `json:"message,omitempty"`
		Conversation *conversationJSON `json:"conversation,omitempty"`
		Note         *noteJSON         `json:"note,omitempty"`
		At           JSONTime          `json:"at"`
		// What Message, Conversation and Note point to, when set.
		message      messageJSON
		conversation conversationJSON
		note         noteJSON
	}
	inboundMessageJSON struct {
		plainInboundMessage
		Message messageJSON `json:"message"`
	}
)

func (m *Message) toJSON(w *messageJSON) {
	*w = messageJSON{plainMessage: plainMessage(*m), CreatedAt: JSONTime(m.CreatedAt)}
}

func (c *Conversation) toJSON(w *conversationJSON) {
	*w = conversationJSON{plainConversation: plainConversation(*c), CreatedAt: JSONTime(c.CreatedAt), UpdatedAt: JSONTime(c.UpdatedAt),
		QueuedAt: (*JSONTime)(c.QueuedAt), AssignedAt: (*JSONTime)(c.AssignedAt), ClosedAt: (*JSONTime)(c.ClosedAt),
		OfferExpiresAt: (*JSONTime)(c.OfferExpiresAt), AnonymizedAt: (*JSONTime)(c.AnonymizedAt)}
}

func (c *Contact) toJSON(w *contactJSON) {
	*w = contactJSON{plainContact: plainContact(*c), CreatedAt: JSONTime(c.CreatedAt)}
}

func (n *Note) toJSON(w *noteJSON) {
	*w = noteJSON{plainNote: plainNote(*n), CreatedAt: JSONTime(n.CreatedAt)}
}

func (t *Token) toJSON(w *tokenJSON) {
	*w = tokenJSON{plainToken: plainToken(*t), ExpiresAt: JSONTime(t.ExpiresAt), LastSeenAt: JSONTime(t.LastSeenAt)}
}

func (d *RoutingDecision) toJSON(w *routingDecisionJSON) {
	*w = routingDecisionJSON{plainRoutingDecision: plainRoutingDecision(*d), At: JSONTime(d.At)}
}

func (r *Record) toJSON(w *recordJSON) {
	*w = recordJSON{plainRecord: plainRecord(*r), UpdatedAt: JSONTime(r.UpdatedAt)}
}

func (e *Event) toJSON(w *eventJSON) {
	*w = eventJSON{plainEvent: plainEvent(*e), At: JSONTime(e.At)}
	if e.Message != nil {
		e.Message.toJSON(&w.message)
		w.Message = &w.message
	}
	if e.Conversation != nil {
		e.Conversation.toJSON(&w.conversation)
		w.Conversation = &w.conversation
	}
	if e.Note != nil {
		e.Note.toJSON(&w.note)
		w.Note = &w.note
	}
}

func (in *InboundMessage) toJSON(w *inboundMessageJSON) {
	*w = inboundMessageJSON{plainInboundMessage: plainInboundMessage(*in)}
	in.Message.toJSON(&w.Message)
}

// marshalAs encodes v through its API form W, which to fills in.
func marshalAs[T, W any](v *T, to func(*T, *W)) ([]byte, error) {
	w := new(W)
	to(v, w)
	return json.Marshal(w)
}

// MarshalJSON writes m with its time as the API writes times.
func (m Message) MarshalJSON() ([]byte, error) { return marshalAs(&m, (*Message).toJSON) }

// MarshalJSON writes c with its times as the API writes times.
func (c Conversation) MarshalJSON() ([]byte, error) { return marshalAs(&c, (*Conversation).toJSON) }

// MarshalJSON writes c with its time as the API writes times.
func (c Contact) MarshalJSON() ([]byte, error) { return marshalAs(&c, (*Contact).toJSON) }

// MarshalJSON writes n with its time as the API writes times.
func (n Note) MarshalJSON() ([]byte, error) { return marshalAs(&n, (*Note).toJSON) }

// MarshalJSON writes t with its times as the API writes times.
func (t Token) MarshalJSON() ([]byte, error) { return marshalAs(&t, (*Token).toJSON) }

// MarshalJSON writes d with its time as the API writes times.
func (d RoutingDecision) MarshalJSON() ([]byte, error) {
	return marshalAs(&d, (*RoutingDecision).toJSON)
}

// MarshalJSON writes r with its time as the API writes times.
func (r Record) MarshalJSON() ([]byte, error) { return marshalAs(&r, (*Record).toJSON) }

// MarshalJSON writes e with its times, and those of its message,
// conversation and note, as the API writes times.
func (e Event) MarshalJSON() ([]byte, error) { return marshalAs(&e, (*Event).toJSON) }

// MarshalJSON writes in with its message's time as the API writes times.
func (in InboundMessage) MarshalJSON() ([]byte, error) {
	return marshalAs(&in, (*InboundMessage).toJSON)
}
