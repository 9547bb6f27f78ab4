package httpx

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
)

// Field names are matched to the letter, and text that encoding/json would
// quietly turn into U+FFFD is refused, so that what is stored is what was
// sent.
func TestDecodeExactNamesAndText(t *testing.T) {
	type inner struct {
		Name string `json:"name"`
	}
	type Embedded struct {
		Locale string `json:"locale"`
	}
	type body struct {
		Embedded
		Text   string            `json:"text"`
		Score  int               `json:"score,omitempty"`
		Plain  bool              // no tag: the Go name
		Inner  *inner            `json:"inner"`
		List   []inner           `json:"list"`
		At     time.Time         `json:"at"`
		Skip   string            `json:"-"`
		Labels map[string]string `json:"labels"` // any key inside
	}
	cases := map[string]civicdesk.Code{
		`{"text":"hi"}`:                                "",
		`{"te\u0078t":"hi"}`:                           "", // the same name, escaped
		`{"locale":"fr","Plain":true}`:                 "",
		`{"inner":{"name":"a"},"list":[{"name":"b"}]}`: "",
		`{"at":"2026-11-29T18:01:17.260Z"}`:            "",
		`{"labels":{"ANY Key":"v","text":"w"}}`:        "",
		`{"text":"\ud83d\ude00 \u00e9 a\\ud800"}`:      "", // a pair, a letter, an escaped backslash
		`{"TEXT":"hi"}`:                                civicdesk.CodeUnknownField,
		`{"Text":"hi"}`:                                civicdesk.CodeUnknownField,
		`{"Locale":"fr"}`:                              civicdesk.CodeUnknownField,
		`{"plain":true}`:                               civicdesk.CodeUnknownField,
		`{"inner":{"Name":"a"}}`:                       civicdesk.CodeUnknownField,
		`{"list":[{"NAME":"b"}]}`:                      civicdesk.CodeUnknownField,
		`{"Skip":"x"}`:                                 civicdesk.CodeUnknownField,
		`{"text":"hi \xff\xfe there"}`:                 civicdesk.CodeInvalid,
		`{"text":"\ud800"}`:                            civicdesk.CodeInvalid,
		`{"text":"\ud800x"}`:                           civicdesk.CodeInvalid,
		`{"text":"\udc00\ud800"}`:                      civicdesk.CodeInvalid,
		`{"text":"\ud800\u0041"}`:                      civicdesk.CodeInvalid,
		`{"text":"a","labels":{"k":"\udfff"}}`:         civicdesk.CodeInvalid,
	}
	for in, want := range cases {
		var b body
		err := Decode([]byte(in), &b)
		if want == "" && err != nil || want != "" && civicdesk.ErrorCode(err) != want {
			t.Errorf("Decode(%q) = %v, want code %q", in, err, want)
		}
	}
	var b body
	err := Decode([]byte(`{"text":"a","TEXT":"b"}`), &b)
	if civicdesk.ErrorCode(err) != civicdesk.CodeUnknownField || !strings.HasSuffix(err.Error(), `unknown field "TEXT"`) {
		t.Errorf("error = %v, want it to name the field as sent", err)
	}
}

// Types that decode themselves, maps and raw JSON take any key.
func TestDecodeOpenTypesTakeAnyKey(t *testing.T) {
	var m map[string]any
	if err := Decode([]byte(`{"Any":1}`), &m); err != nil {
		t.Fatal(err)
	}
	var raw json.RawMessage
	if err := Decode([]byte(`{"Any":1}`), &raw); err != nil {
		t.Fatal(err)
	}
	var wrapped struct {
		Doc json.RawMessage `json:"doc"`
	}
	if err := Decode([]byte(`{"doc":{"Any":1}}`), &wrapped); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkDecodeWidgetMessage(b *testing.B) {
	type message struct {
		ClientMessageID string `json:"clientMessageId"`
		Text            string `json:"text"`
		SocketID        string `json:"socketId,omitempty"`
	}
	data := []byte(`{"clientMessageId":"c-run-17-42","text":"Following up on my request, detail number 42: please see the previous message.","socketId":"s_abcdefgh"}`)
	b.ReportAllocs()
	for b.Loop() {
		var m message
		if err := Decode(data, &m); err != nil {
			b.Fatal(err)
		}
	}
}
