package sms

import (
	"net/url"
	"testing"
)

// Twilio's documented examples (docs, api-snippets and twilio-ruby's spec).
func TestSignatureTwilioVectors(t *testing.T) {
	t.Parallel()
	docs := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675310"}, "Digits": {"1234"},
		"From": {"+14158675310"}, "To": {"+18005551212"}}
	const docsURL = "https://mycompany.com/myapp.php?foo=1&bar=2"
	if got := Signature("12345", docsURL, docs); got != "GvWf1cFY/Q7PnoempGyD5oXAezc=" {
		t.Errorf("docs example: %s", got)
	}
	if !ValidSignature("12345", "GvWf1cFY/Q7PnoempGyD5oXAezc=", docsURL, docs, nil) {
		t.Error("docs example does not validate")
	}
	older := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"},
		"From": {"+14158675309"}, "To": {"+18005551212"}}
	if !ValidSignature("12345", "RSOYDt4T1cUTdK1PDd93/VVr8B8=", docsURL, older, nil) {
		t.Error("older docs example does not validate")
	}
	sms := url.Values{"ToState": {"CA"}, "FromState": {"CA"}, "AccountSid": {"ACba8bc05eacf94afdae398e642c9cc32d"},
		"SmsMessageSid": {"SM2003cbd5e6a3701999aa3e5f20ff2787"}, "Body": {"Orly"}, "From": {"+14159354345"},
		"FromCity": {"SAN FRANCISCO"}, "SmsStatus": {"received"}, "FromZip": {"94107"}, "FromCountry": {"US"},
		"To": {"+14158141819"}, "ToCity": {"SAN FRANCISCO"}, "ToZip": {"94105"}, "ToCountry": {"US"},
		"ApiVersion": {"2010-04-01"}, "SmsSid": {"SM2003cbd5e6a3701999aa3e5f20ff2787"}}
	if !ValidSignature("2bd9e9638872de601313dc77410d3b23", "mxeiv65lEe0b8L6LdVw2jgJi8yw=", "http://twiliotests.heroku.com/validate/sms", sms, nil) {
		t.Error("twilio-ruby SMS example does not validate")
	}

	for name, tc := range map[string]struct {
		token, sig, url string
		params          url.Values
	}{
		"wrong token":     {"54321", "GvWf1cFY/Q7PnoempGyD5oXAezc=", docsURL, docs},
		"other URL":       {"12345", "GvWf1cFY/Q7PnoempGyD5oXAezc=", "https://mycompany.com/myapp.php?foo=1&bar=3", docs},
		"changed param":   {"12345", "GvWf1cFY/Q7PnoempGyD5oXAezc=", docsURL, url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675310"}, "Digits": {"1235"}, "From": {"+14158675310"}, "To": {"+18005551212"}}},
		"added param":     {"12345", "GvWf1cFY/Q7PnoempGyD5oXAezc=", docsURL, url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675310"}, "Digits": {"1234"}, "From": {"+14158675310"}, "To": {"+18005551212"}, "Body": {"x"}}},
		"empty signature": {"12345", "", docsURL, docs},
		"no token":        {"", "GvWf1cFY/Q7PnoempGyD5oXAezc=", docsURL, docs},
		"truncated":       {"12345", "GvWf1cFY/Q7PnoempGyD5oXAez", docsURL, docs},
	} {
		if ValidSignature(tc.token, tc.sig, tc.url, tc.params, nil) {
			t.Errorf("%s: validated", name)
		}
	}
}

func TestSignaturePorts(t *testing.T) {
	t.Parallel()
	p := url.Values{"Body": {"hi"}}
	withPort := Signature("tok", "https://desk.example.gov:443/api/v1/channels/sms/twilio", p)
	if !ValidSignature("tok", withPort, "https://desk.example.gov/api/v1/channels/sms/twilio", p, nil) {
		t.Error("a signature over the URL with :443 does not validate without it")
	}
	without := Signature("tok", "http://desk.example.gov/x?a=1", p)
	if !ValidSignature("tok", without, "http://desk.example.gov:80/x?a=1", p, nil) {
		t.Error("a signature over the URL without :80 does not validate with it")
	}
	if ValidSignature("tok", without, "http://desk.example.gov:8080/x?a=1", p, nil) {
		t.Error("another port validated")
	}
}

// Twilio's variant for JSON bodies: the body's SHA-256 in the URL, the URL
// alone signed. The hash is the one of Twilio's documented example.
func TestSignatureBodySHA256(t *testing.T) {
	t.Parallel()
	body := []byte(`{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}`)
	u := "https://example.com/myapp?bodySHA256=5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9"
	sig := Signature("12345", u, nil)
	if !ValidSignature("12345", sig, u, url.Values{"CallSid": {"ignored"}}, body) {
		t.Fatal("a valid body-hash signature does not validate")
	}
	if ValidSignature("12345", sig, u, nil, []byte(`{"CallSid":"CA1234567890ABCDE","Caller":"+12349013031"}`)) {
		t.Fatal("a changed body validated")
	}
}
