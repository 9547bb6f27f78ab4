package sms

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
)

// Signature computes Twilio's X-Twilio-Signature of a request to fullURL
// (scheme, host, path and query, exactly as configured at Twilio) with form
// params: base64(HMAC-SHA1(authToken, fullURL + each param name and value,
// sorted by name)). A JSON webhook has no params: its body is covered by the
// bodySHA256 query parameter instead.
func Signature(authToken, fullURL string, params url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vs := append([]string(nil), params[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ValidSignature reports whether signature is Twilio's signature of a request
// to fullURL with form params, or, when fullURL carries a bodySHA256 query
// parameter (Twilio's variant for JSON bodies), of fullURL alone with body
// hashing to it. Twilio may sign the URL with or without the default port,
// so both spellings are tried. Comparisons are constant-time.
func ValidSignature(authToken, signature, fullURL string, params url.Values, body []byte) bool {
	if authToken == "" || signature == "" {
		return false
	}
	u, err := url.Parse(fullURL)
	if err != nil {
		return false
	}
	if want := u.Query().Get("bodySHA256"); want != "" {
		sum := sha256.Sum256(body)
		got := hex.EncodeToString(sum[:])
		if subtle.ConstantTimeCompare([]byte(strings.ToLower(want)), []byte(got)) != 1 {
			return false
		}
		params = nil
	}
	ok := false
	for _, candidate := range urlSpellings(u, fullURL) {
		expected := Signature(authToken, candidate, params)
		if subtle.ConstantTimeCompare([]byte(expected), []byte(signature)) == 1 {
			ok = true
		}
	}
	return ok
}

// urlSpellings returns fullURL as given, and with its default port added or
// removed.
func urlSpellings(u *url.URL, fullURL string) []string {
	out := []string{fullURL}
	port := map[string]string{"https": "443", "http": "80"}[u.Scheme]
	prefix := u.Scheme + "://" + u.Host
	if port == "" || u.User != nil || !strings.HasPrefix(fullURL, prefix) {
		return out
	}
	rest := fullURL[len(prefix):]
	switch u.Port() {
	case "":
		return append(out, prefix+":"+port+rest)
	case port:
		return append(out, strings.TrimSuffix(prefix, ":"+port)+rest)
	}
	return out
}
