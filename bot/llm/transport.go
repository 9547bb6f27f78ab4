package llm

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// zeroTemperature sends "temperature": 0 with chat completion requests.
// go-openai drops a zero Temperature (the field is omitempty), and servers
// then use their default of 1; see
// https://github.com/sashabaranov/go-openai/issues/9.
type zeroTemperature struct{ base http.RoundTripper }

func (z zeroTemperature) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || req.Body == nil || !strings.HasSuffix(req.URL.Path, "/chat/completions") {
		return z.base.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) == nil {
		if _, ok := m["temperature"]; !ok {
			m["temperature"] = json.RawMessage("0")
			if b, err := json.Marshal(m); err == nil {
				body = b
			}
		}
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return z.base.RoundTrip(r)
}
