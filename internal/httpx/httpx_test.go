package httpx

import (
	"encoding/json"
	"testing"

	"github.com/civicdesk/civicdesk"
)

func TestDecodeStrict(t *testing.T) {
	type body struct {
		Text string `json:"text"`
	}
	cases := map[string]civicdesk.Code{
		`{"text":"hi"}`:        "",
		`{"txt":"hi"}`:         civicdesk.CodeUnknownField,
		`{"text":1}`:           civicdesk.CodeInvalid,
		``:                     civicdesk.CodeInvalid,
		`{"text":"a"} {"x":1}`: civicdesk.CodeInvalid,
		`{"text":"a"`:          civicdesk.CodeInvalid,
		`[1,2]`:                civicdesk.CodeInvalid,
	}
	for in, want := range cases {
		var b body
		err := Decode([]byte(in), &b)
		if want == "" {
			if err != nil {
				t.Errorf("Decode(%q) = %v", in, err)
			}
			continue
		}
		if civicdesk.ErrorCode(err) != want {
			t.Errorf("Decode(%q) code = %v, want %v", in, civicdesk.ErrorCode(err), want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"text":"hi","n":2}`))
	f.Add([]byte(`{"x":`))
	f.Add([]byte(`{"text":"\u00e9\ud83d\ude00","n":-1}`))
	f.Add([]byte(`{"text":"a"} {"x":1}`))
	f.Add([]byte(`{"n":1e400}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		type body struct {
			Text string `json:"text"`
			N    int    `json:"n"`
		}
		var v body
		err := Decode(data, &v)
		if err != nil {
			if civicdesk.ErrorCode(err) == civicdesk.CodeInternal {
				t.Fatalf("bad input gave an internal error: %v", err)
			}
			return
		}
		// What was accepted, encoded again, decodes to the same.
		again, _ := json.Marshal(v)
		var w body
		if err := Decode(again, &w); err != nil || w != v {
			t.Fatalf("round trip of %+v: %+v, %v", v, w, err)
		}
	})
}
