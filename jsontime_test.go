package civicdesk

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The API writes times as RFC 3339 in UTC with exactly three fractional
// digits (API.md). These tests need nothing but the domain types and
// encoding/json, so that they also run against the types as they were.

// apiTime is the one form a time may take in the API's JSON.
var apiTime = regexp.MustCompile(`^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$`)

// anyTime finds what looks like an RFC 3339 time in JSON.
var anyTime = regexp.MustCompile(`"\d{4}-\d\d-\d\dT[^"]*"`)

// canonical re-encodes a JSON document with sorted keys, so that documents
// compare regardless of key order; strings (the times) stay as they are.
func canonical(t *testing.T, doc []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// jsonTimeCase is one value to encode: the exact JSON it must give (keys in
// any order) and a fresh value of its type to decode it into again.
type jsonTimeCase struct {
	name  string
	value any
	want  string
	fresh func() any
}

func fresh[T any]() func() any { return func() any { return new(T) } }

// jsonTimeCases are every type with times, with each time at at (written
// want), and with the optional times left out.
func jsonTimeCases(at time.Time, want string) []jsonTimeCase {
	T := func(s string) string { return strings.ReplaceAll(s, "$T", want) }
	at2 := at.Add(-90 * time.Minute) // the same milliseconds, another time
	T2 := func(s string) string {
		return strings.ReplaceAll(T(s), "$U", `"`+at2.UTC().Format("2006-01-02T15:04:05")+want[20:])
	}
	p := func(t time.Time) *time.Time { return &t }

	msg := Message{ID: "msg_1", ConversationID: "cv_1", ContactID: "ct_1", Author: Author{Kind: AuthorCitizen},
		Text: "hi <there>", CreatedAt: at, Channel: ChannelWebchat, Seq: 7}
	msgJSON := T(`{"id":"msg_1","conversationId":"cv_1","contactId":"ct_1","author":{"kind":"citizen"},"text":"hi \u003cthere\u003e","createdAt":$T,"channel":"webchat","seq":7}`)
	conv := Conversation{ID: "cv_1", ContactID: "ct_1", Channel: ChannelSMS, State: StateClosed, Priority: 10,
		CreatedAt: at2, UpdatedAt: at, QueuedAt: p(at), AssignedAt: p(at2), ClosedAt: p(at), OfferExpiresAt: p(at2), AnonymizedAt: p(at),
		Decisions: []RoutingDecision{{Kind: "queue", Rule: "r", Why: "w", At: at2}, {Kind: "assign", Rule: "r", Why: "w", At: at}}}
	convJSON := T2(`{"id":"cv_1","contactId":"ct_1","channel":"sms","state":"closed","priority":10,"createdAt":$U,"updatedAt":$T,` +
		`"queuedAt":$T,"assignedAt":$U,"closedAt":$T,"offerExpiresAt":$U,"anonymizedAt":$T,` +
		`"decisions":[{"kind":"queue","rule":"r","why":"w","at":$U},{"kind":"assign","rule":"r","why":"w","at":$T}]}`)
	open := Conversation{ID: "cv_2", ContactID: "ct_1", Channel: ChannelWebchat, State: StateBot, CreatedAt: at, UpdatedAt: at2}
	openJSON := T2(`{"id":"cv_2","contactId":"ct_1","channel":"webchat","state":"bot","priority":0,"createdAt":$T,"updatedAt":$U}`)
	note := Note{ID: "nt_1", ConversationID: "cv_1", AgentID: "ag_1", Text: "n", CreatedAt: at}
	noteJSON := T(`{"id":"nt_1","conversationId":"cv_1","agentId":"ag_1","text":"n","createdAt":$T}`)

	return []jsonTimeCase{
		{"Message", msg, msgJSON, fresh[Message]()},
		{"*Message", &msg, msgJSON, fresh[Message]()},
		{"[]Message", []Message{msg}, "[" + msgJSON + "]", fresh[[]Message]()},
		{"map[string]Message", map[string]Message{"m": msg}, `{"m":` + msgJSON + "}", fresh[map[string]Message]()},
		{"InboundMessage", InboundMessage{Message: msg}, `{"message":` + msgJSON + "}", fresh[InboundMessage]()},
		{"Conversation", conv, convJSON, fresh[Conversation]()},
		{"*Conversation", &conv, convJSON, fresh[Conversation]()},
		{"Conversation without optional times", open, openJSON, fresh[Conversation]()},
		{"Contact", Contact{ID: "ct_1", Name: "Ada", CreatedAt: at}, T(`{"id":"ct_1","name":"Ada","createdAt":$T}`), fresh[Contact]()},
		{"Note", note, noteJSON, fresh[Note]()},
		{"Token", Token{Hash: "h", Kind: TokenSession, SubjectID: "ag_1", ExpiresAt: at2, LastSeenAt: at},
			T2(`{"hash":"h","kind":"session","subjectId":"ag_1","expiresAt":$U,"lastSeenAt":$T}`), fresh[Token]()},
		{"Token without LastSeenAt", Token{Hash: "h", Kind: TokenVisitor, SubjectID: "ct_1", ExpiresAt: at},
			T(`{"hash":"h","kind":"visitor","subjectId":"ct_1","expiresAt":$T}`), fresh[Token]()},
		{"RoutingDecision", RoutingDecision{Kind: "offer", Rule: "r", AgentID: "ag_1", Why: "w", At: at},
			T(`{"kind":"offer","rule":"r","agentId":"ag_1","why":"w","at":$T}`), fresh[RoutingDecision]()},
		{"Record", Record{Kind: "k", Key: "a", Value: []byte("v"), UpdatedAt: at}, T(`{"kind":"k","key":"a","value":"dg==","updatedAt":$T}`), fresh[Record]()},
		{"message Event", Event{Type: "message", Message: &msg, Conversation: &open, At: at},
			`{"type":"message","message":` + msgJSON + `,"conversation":` + openJSON + T(`,"at":$T}`), fresh[Event]()},
		{"*Event", &Event{Type: "conversation.closed", Conversation: &conv, At: at2},
			`{"type":"conversation.closed","conversation":` + convJSON + T2(`,"at":$U}`), fresh[Event]()},
		{"note Event", Event{Type: "note", Note: &note, AgentID: "ag_1", At: at},
			`{"type":"note","note":` + noteJSON + T(`,"agentId":"ag_1","at":$T}`), fresh[Event]()},
		{"[]Event", []Event{{Type: "typing", Author: &Author{Kind: AuthorAgent, Name: "Bo"}, At: at}},
			T(`[{"type":"typing","author":{"kind":"agent","name":"Bo"},"at":$T}]`), fresh[[]Event]()},
	}
}

func TestJSONTimesHaveMilliseconds(t *testing.T) {
	for _, tc := range []struct{ at, want string }{
		{"2026-11-29T18:01:17.260Z", `"2026-11-29T18:01:17.260Z"`},
		{"2026-11-29T18:01:17.000Z", `"2026-11-29T18:01:17.000Z"`},
		{"2026-11-29T18:01:17.123Z", `"2026-11-29T18:01:17.123Z"`},
	} {
		at, err := time.Parse(time.RFC3339, tc.at)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range jsonTimeCases(at, tc.want) {
			t.Run(tc.at[20:23]+"/"+c.name, func(t *testing.T) {
				got, err := json.Marshal(c.value)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := canonical(t, got), canonical(t, []byte(c.want)); g != w {
					t.Errorf("got  %s\nwant %s", got, c.want)
				}
				for _, s := range anyTime.FindAll(got, -1) {
					if !apiTime.Match(s) {
						t.Errorf("time %s is not UTC with three fractional digits", s)
					}
				}
				// Decoding gives the same value back (times included), and
				// it encodes the same again.
				back := c.fresh()
				if err := json.Unmarshal(got, back); err != nil {
					t.Fatal(err)
				}
				want := reflect.ValueOf(c.value)
				if want.Kind() == reflect.Pointer {
					want = want.Elem()
				}
				if b := reflect.ValueOf(back).Elem().Interface(); !reflect.DeepEqual(b, want.Interface()) {
					t.Errorf("decoded %+v\nwant    %+v", b, want.Interface())
				}
				if again, err := json.Marshal(back); err != nil || !bytes.Equal(again, got) {
					t.Errorf("encoded again: %s, %v\nfirst          %s", again, err, got)
				}
			})
		}
	}
}

// TestJSONTimesInUTC: a time in another zone is written in UTC; digits past
// the millisecond are cut, as Now cuts them.
func TestJSONTimesInUTC(t *testing.T) {
	ny := time.FixedZone("EST", -5*3600)
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 29, 13, 1, 17, 260e6, ny), `"2026-11-29T18:01:17.260Z"`},
		{time.Date(2026, 11, 29, 18, 1, 17, 123456789, time.UTC), `"2026-11-29T18:01:17.123Z"`},
		{time.Date(2026, 11, 29, 18, 1, 17, 999999999, time.UTC), `"2026-11-29T18:01:17.999Z"`},
	} {
		got, err := json.Marshal(Message{ID: "m", CreatedAt: tc.at})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(got, []byte(`"createdAt":`+tc.want)) {
			t.Errorf("%v: got %s, want createdAt %s", tc.at, got, tc.want)
		}
	}
	// As time.Time, a year outside 0-9999 is an error, not bad JSON.
	if got, err := json.Marshal(Event{Type: "x", At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Errorf("year 10000: got %s, want an error", got)
	}
}

// TestJSONTimesDecodeAnyRFC3339: documents and events stored before (and
// other writers) have the short forms, or an offset; they still decode.
func TestJSONTimesDecodeAnyRFC3339(t *testing.T) {
	want := time.Date(2026, 11, 29, 18, 1, 17, 260e6, time.UTC)
	for _, s := range []string{"2026-11-29T18:01:17.26Z", "2026-11-29T18:01:17.260Z", "2026-11-29T19:01:17.26+01:00", "2026-11-29T18:01:17.260000000Z"} {
		var ev Event
		doc := `{"type":"message","message":{"id":"m","createdAt":"` + s + `"},"conversation":{"id":"c","createdAt":"` + s +
			`","updatedAt":"` + s + `","closedAt":"` + s + `"},"at":"` + s + `"}`
		if err := json.Unmarshal([]byte(doc), &ev); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		for _, got := range []time.Time{ev.At, ev.Message.CreatedAt, ev.Conversation.CreatedAt, ev.Conversation.UpdatedAt, *ev.Conversation.ClosedAt} {
			if !got.Equal(want) {
				t.Errorf("%s: decoded %v, want %v", s, got, want)
			}
		}
	}
	var tok Token
	if err := json.Unmarshal([]byte(`{"hash":"h","expiresAt":"2026-11-29T18:01:17Z"}`), &tok); err != nil || !tok.ExpiresAt.Equal(want.Truncate(time.Second)) || !tok.LastSeenAt.IsZero() {
		t.Errorf("token: %+v, %v", tok, err)
	}
}

// TestJSONTimesEveryField sets every time field of every type with times
// to a whole second, which time.Time would write without fractional digits,
// so that a time field added later without the API's form fails here.
func TestJSONTimesEveryField(t *testing.T) {
	at := time.Date(2026, 11, 29, 18, 1, 17, 0, time.UTC)
	timeType := reflect.TypeFor[time.Time]()
	for _, v := range []any{Message{}, Conversation{}, Contact{}, Note{}, Token{}, RoutingDecision{}, Record{}, Event{}, InboundMessage{}} {
		rv := reflect.New(reflect.TypeOf(v)).Elem()
		n := setTimes(rv, at, timeType)
		got, err := json.Marshal(rv.Interface())
		if err != nil {
			t.Fatal(err)
		}
		times := anyTime.FindAll(got, -1)
		if len(times) != n {
			t.Errorf("%T: %d times set, %d written: %s", v, n, len(times), got)
		}
		for _, s := range times {
			if !apiTime.Match(s) {
				t.Errorf("%T: time %s is not UTC with three fractional digits", v, s)
			}
		}
	}
}

// setTimes sets the time fields of struct v (and of the structs it holds,
// through pointers and one-element slices) to at, and counts them.
func setTimes(v reflect.Value, at time.Time, timeType reflect.Type) (n int) {
	for i := 0; i < v.NumField(); i++ {
		f, sf := v.Field(i), v.Type().Field(i)
		if !sf.IsExported() || sf.Tag.Get("json") == "-" {
			continue
		}
		switch t := sf.Type; {
		case t == timeType:
			f.Set(reflect.ValueOf(at))
			n++
		case t.Kind() == reflect.Pointer && t.Elem() == timeType:
			f.Set(reflect.ValueOf(&at))
			n++
		case t.Kind() == reflect.Struct:
			n += setTimes(f, at, timeType)
		case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct:
			f.Set(reflect.New(t.Elem()))
			n += setTimes(f.Elem(), at, timeType)
		case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
			f.Set(reflect.MakeSlice(t, 1, 1))
			n += setTimes(f.Index(0), at, timeType)
		}
	}
	return n
}
