package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// twilioAPI calls Twilio's Messages API (2010-04-01): form-encoded requests,
// HTTP basic auth with the account SID and auth token, JSON answers.
type twilioAPI struct {
	base, account, token string
	hc                   *http.Client
}

// apiMessage is Twilio's Message resource, as far as it is used here.
type apiMessage struct {
	SID         string `json:"sid"`
	Status      string `json:"status"`
	To          string `json:"to"`
	From        string `json:"from"`
	Body        string `json:"body"`
	Direction   string `json:"direction"`
	DateCreated string `json:"date_created"` // RFC 2822, "Mon, 16 Aug 2010 03:45:01 +0000"
	ErrorCode   *int   `json:"error_code"`
}

// apiError is an answer of Twilio that is not a success. Its text never
// carries Twilio's message, which may name the number.
type apiError struct {
	HTTPStatus int
	Code       int    // Twilio's error code, e.g. 21211, 21610
	Message    string // Twilio's message, for the caseworker only
	RetryAfter time.Duration
}

func (e *apiError) Error() string {
	return fmt.Sprintf("twilio: HTTP %d (error %d)", e.HTTPStatus, e.Code)
}

// retryable: Twilio was busy or failed; another try may work.
func (e *apiError) retryable() bool {
	return e.HTTPStatus == http.StatusTooManyRequests || e.HTTPStatus >= 500
}

// ambiguous: the text may have been created in spite of the answer.
func (e *apiError) ambiguous() bool { return e.HTTPStatus >= 500 }

// errTransport is a request to Twilio that got no answer (refused, reset,
// timed out). Whether Twilio created the text is unknown.
type errTransport struct{ err error }

func (e errTransport) Error() string { return "twilio: no answer: " + e.err.Error() }
func (e errTransport) Unwrap() error { return e.err }

func (t *twilioAPI) messagesURL() string {
	return t.base + "/2010-04-01/Accounts/" + url.PathEscape(t.account) + "/Messages.json"
}

// send creates a message.
func (t *twilioAPI) send(ctx context.Context, form url.Values) (apiMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.messagesURL(), strings.NewReader(form.Encode()))
	if err != nil {
		return apiMessage{}, fmt.Errorf("twilio: request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var m apiMessage
	err = t.do(req, &m)
	return m, err
}

// list returns the latest messages from one number to another, newest first.
func (t *twilioAPI) list(ctx context.Context, to, from string) ([]apiMessage, error) {
	q := url.Values{"To": {to}, "From": {from}, "PageSize": {"50"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.messagesURL()+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("twilio: request: %w", err)
	}
	var page struct {
		Messages []apiMessage `json:"messages"`
	}
	err = t.do(req, &page)
	return page.Messages, err
}

func (t *twilioAPI) do(req *http.Request, out any) error {
	req.SetBasicAuth(t.account, t.token)
	req.Header.Set("Accept", "application/json")
	resp, err := t.hc.Do(req)
	if err != nil {
		// url.Error names the URL, which may carry numbers: keep its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return errTransport{err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return errTransport{err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &apiError{HTTPStatus: resp.StatusCode}
		var body struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &body) == nil {
			e.Code, e.Message = body.Code, body.Message
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			e.RetryAfter = time.Duration(s) * time.Second
		}
		return e
	}
	// A success we cannot read still means the text was created.
	_ = json.Unmarshal(data, out)
	return nil
}

// created parses Twilio's date_created.
func (m apiMessage) created() (time.Time, bool) {
	t, err := time.Parse(time.RFC1123Z, m.DateCreated)
	return t, err == nil
}
