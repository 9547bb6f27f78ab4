//go:build goexperiment.jsonv2

package civicdesk

import (
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
)

// With GOEXPERIMENT=jsonv2, encoding/json prefers these to MarshalJSON:
// they encode straight into the caller's encoder (with its options, so
// encoding/json's own semantics hold), where the output of MarshalJSON
// would be encoded apart, then copied and checked again.

// marshalToAs encodes v into enc through its API form W, which to fills in.
func marshalToAs[T, W any](enc *jsontext.Encoder, v *T, to func(*T, *W)) error {
	w := new(W)
	to(v, w)
	return jsonv2.MarshalEncode(enc, w)
}

// MarshalJSONTo writes m as MarshalJSON does.
func (m Message) MarshalJSONTo(enc *jsontext.Encoder) error {
	return marshalToAs(enc, &m, (*Message).toJSON)
}

// MarshalJSONTo writes c as MarshalJSON does.
func (c Conversation) MarshalJSONTo(enc *jsontext.Encoder) error {
	return marshalToAs(enc, &c, (*Conversation).toJSON)
}

// MarshalJSONTo writes c as MarshalJSON does.
func (c Contact) MarshalJSONTo(enc *jsontext.Encoder) error {
	return marshalToAs(enc, &c, (*Contact).toJSON)
}

// MarshalJSONTo writes n as MarshalJSON does.
func (n Note) MarshalJSONTo(enc *jsontext.Encoder) error { return marshalToAs(enc, &n, (*Note).toJSON) }

// MarshalJSONTo writes t as MarshalJSON does.
func (t Token) MarshalJSONTo(enc *jsontext.Encoder) error {
	return marshalToAs(enc, &t, (*Token).toJSON)
}

// MarshalJSONTo writes d as MarshalJSON does.
func (d RoutingDecision) MarshalJSONTo(enc *jsontext.Encoder) error {
	return marshalToAs(enc, &d, (*RoutingDecision).toJSON)
}

// MarshalJSONTo writes r as MarshalJSON does.
func (r Record) MarshalJSONTo(enc *jsontext.Encoder) error {
	return marshalToAs(enc, &r, (*Record).toJSON)
}

// MarshalJSONTo writes e as MarshalJSON does.
func (e Event) MarshalJSONTo(enc *jsontext.Encoder) error {
	return marshalToAs(enc, &e, (*Event).toJSON)
}

// MarshalJSONTo writes in as MarshalJSON does.
func (in InboundMessage) MarshalJSONTo(enc *jsontext.Encoder) error {
	return marshalToAs(enc, &in, (*InboundMessage).toJSON)
}
