package sms

import (
	"net/url"
	"testing"

	"github.com/civicdesk/civicdesk"
)

// FuzzSignature checks the webhook signature over arbitrary tokens, URLs
// and form fields: the signature of a request always validates, the same
// with another token or a changed field never does, and nothing panics
// whatever arrives in the header.
func FuzzSignature(f *testing.F) {
	f.Add("token", "https://city.example.gov/api/v1/channels/sms/twilio", "Body", "hello", "sig")
	f.Add("t", "http://127.0.0.1:8080/api/v1/channels/sms/twilio?x=1", "From", "+15551234567", "")
	f.Add("secret", "https://city.example.gov:443/hook?bodySHA256=abc", "", "", "AAAA")
	f.Add("s", "::not a url", "k", "\x00\xff", "==")
	f.Fuzz(func(t *testing.T, token, fullURL, key, value, header string) {
		params := url.Values{}
		if key != "" {
			params.Set(key, value)
			params.Set("MessageSid", "SM1")
		}
		// Whatever the header holds, checking it is safe.
		_ = ValidSignature(token, header, fullURL, params, []byte(value))
		if token == "" {
			if ValidSignature(token, Signature(token, fullURL, params), fullURL, params, nil) {
				t.Fatal("an empty token validated a signature")
			}
			return
		}
		u, err := url.Parse(fullURL)
		if err != nil || u.Query().Get("bodySHA256") != "" {
			return // such URLs are signed over the body: not a form round trip
		}
		sig := Signature(token, fullURL, params)
		if !ValidSignature(token, sig, fullURL, params, nil) {
			t.Fatalf("own signature refused: token %q url %q params %v", token, fullURL, params)
		}
		if ValidSignature(token+"x", sig, fullURL, params, nil) {
			t.Fatal("a signature validated under another token")
		}
		changed := url.Values{}
		for k, vs := range params {
			changed[k] = append([]string(nil), vs...)
		}
		changed.Set("MessageSid", "SM2")
		if ValidSignature(token, sig, fullURL, changed, nil) {
			t.Fatal("a signature validated a changed form")
		}
	})
}

// FuzzFlatJSON reads arbitrary JSON webhook bodies: a bad body is a clean
// invalid_request, a good one gives plain string parameters.
func FuzzFlatJSON(f *testing.F) {
	f.Add([]byte(`{"MessageSid":"SM1","From":"+15551234567","Body":"hi","NumMedia":0}`))
	f.Add([]byte(`{"a":true,"b":null,"c":1.5e3}`))
	f.Add([]byte(`{"nested":{"x":1}}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte(`{"a":"b"} {"c":"d"}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := flatJSON(data)
		if err != nil {
			if civicdesk.ErrorCode(err) != civicdesk.CodeInvalid {
				t.Fatalf("error with code %s: %v", civicdesk.ErrorCode(err), err)
			}
			return
		}
		for k, vs := range p {
			if len(vs) != 1 {
				t.Fatalf("field %q has %d values", k, len(vs))
			}
		}
		// Parameters go through form encoding and back unchanged.
		back, err := url.ParseQuery(p.Encode())
		if err != nil || len(back) != len(p) {
			t.Fatalf("form round trip: %v, %d of %d fields", err, len(back), len(p))
		}
		for k := range p {
			if back.Get(k) != p.Get(k) {
				t.Fatalf("field %q changed in a form round trip", k)
			}
		}
	})
}
