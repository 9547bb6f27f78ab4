package webchat

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/labstack/echo/v4"
)

// echoJSON is what echo's ctx.JSON writes for v: encoding/json's Encoder,
// with its final newline.
func echoJSON(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The 202 of a widget message is written by hand on the hot path; it must
// be the bytes encoding/json writes, or fall back to it.
func TestMessageAcceptedJSONIsEncodingJSON(t *testing.T) {
	at := civicdesk.JSONTime(time.Date(2026, 11, 29, 15, 4, 5, 123456789, time.UTC))
	whole := civicdesk.JSONTime(time.Date(2026, 11, 29, 15, 4, 5, 0, time.FixedZone("", -5*3600)))
	milli := civicdesk.JSONTime(time.Date(2026, 1, 2, 3, 4, 5, 120_000_000, time.FixedZone("x", 5*3600+1800)))
	far := civicdesk.JSONTime(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name  string
		a     messageAccepted
		plain bool // written by hand, else left to encoding/json
	}{
		{"no socket", messageAccepted{MessageID: "msg_0123456789abcdef01234567", ConversationID: "cv_01JXYZ"}, true},
		{"with socket", messageAccepted{MessageID: "msg_0123456789abcdef01234567", ConversationID: "cv_01JXYZ", Seq: 184467440737, CreatedAt: &at}, true},
		{"whole second, offset", messageAccepted{MessageID: "m", ConversationID: "c", Seq: 1, CreatedAt: &whole}, true},
		{"half-hour zone", messageAccepted{MessageID: "m", ConversationID: "c", CreatedAt: &milli}, true},
		{"empty", messageAccepted{}, true},
		{"escapes", messageAccepted{MessageID: `a"b\c`, ConversationID: "<&>"}, false},
		{"control and unicode", messageAccepted{MessageID: "a\nb", ConversationID: "é\u2028"}, false},
		{"year past 9999", messageAccepted{MessageID: "m", ConversationID: "c", CreatedAt: &far}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.a.appendJSON([]byte("prefix"))
			if ok != tc.plain {
				t.Fatalf("written by hand: %v, want %v", ok, tc.plain)
			}
			if !ok {
				if string(got) != "prefix" {
					t.Fatalf("appended %q when declining", got)
				}
				return
			}
			if want := append([]byte("prefix"), echoJSON(t, tc.a)...); !bytes.Equal(got, want) {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func FuzzMessageAcceptedJSON(f *testing.F) {
	f.Add("msg_0123", "cv_1", uint64(7), int64(1764428645123456789), true)
	f.Add(`"\`, "\x00<", uint64(0), int64(0), false)
	f.Fuzz(func(t *testing.T, id, conv string, seq uint64, nanos int64, withTime bool) {
		a := messageAccepted{MessageID: id, ConversationID: conv, Seq: seq}
		if withTime {
			at := civicdesk.JSONTime(time.Unix(0, nanos).In(time.FixedZone("", int(nanos%50_000))))
			a.CreatedAt = &at
		}
		got, ok := a.appendJSON(nil)
		if !ok {
			return
		}
		if want := echoJSON(t, a); !bytes.Equal(got, want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
}

// Through the handler: the 202 of a widget message has echo's JSON content
// type and encoding/json's bytes, and ?pretty (which echo's JSON honours)
// still gets them indented.
func TestMessageAcceptedResponse(t *testing.T) {
	en := newEnv(t)
	token := en.session()
	post := func(query, cmid string) (http.Header, []byte) {
		t.Helper()
		body := `{"clientMessageId":"` + cmid + `","text":"When is the next bulky waste pickup?"}`
		req, _ := http.NewRequest("POST", en.url+"/api/v1/widget/messages"+query, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("send%s: %d %s", query, resp.StatusCode, data)
		}
		return resp.Header, data
	}
	header, data := post("", "accepted-1")
	var a messageAccepted
	if err := json.Unmarshal(data, &a); err != nil || a.MessageID == "" || a.ConversationID == "" {
		t.Fatalf("202 body %s: %v", data, err)
	}
	if want := echoJSON(t, a); !bytes.Equal(data, want) {
		t.Errorf("202 body\n got %s\nwant %s", data, want)
	}
	if ct := header.Get("Content-Type"); ct != echo.MIMEApplicationJSON {
		t.Errorf("Content-Type %q, want %q", ct, echo.MIMEApplicationJSON)
	}
	_, pretty := post("?pretty", "accepted-2")
	if !bytes.Contains(pretty, []byte("{\n  \"messageId\"")) {
		t.Errorf("?pretty body not indented: %s", pretty)
	}
}
