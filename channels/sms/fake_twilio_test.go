package sms

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// fakeTwilio speaks Twilio's Messages API: form-encoded POSTs with basic
// auth, JSON answers (201 with the Message resource, errors as
// {"code","message","more_info","status"}), the message list, and signed
// status callbacks. Failures happen on demand.
type fakeTwilio struct {
	t              *testing.T
	srv            *httptest.Server
	account, token string

	mu        sync.Mutex
	messages  []fakeMessage
	posts     int
	lists     int
	fail      []int         // statuses to answer the next POSTs with, without creating anything
	failOn    map[int]int   // POST number (from 1) → status to answer it with
	hang      int           // the next POSTs create the message, then answer too late
	hangFor   time.Duration //
	refuse    int           // answer every POST with this Twilio error code (400)
	callbacks []string      // statuses to post to StatusCallback after creating
	badAuth   int           // requests with wrong credentials
}

type fakeMessage struct {
	SID, To, From, Body, StatusCallback string
	Created                             time.Time
}

func newFakeTwilio(t *testing.T) *fakeTwilio {
	f := &fakeTwilio{t: t, account: "AC" + strings.Repeat("0123456789abcdef", 2), token: "fake-auth-token", hangFor: 2 * time.Second}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func twilioError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg,
		"more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(code), "status": status})
}

func (f *fakeTwilio) resource(m fakeMessage, status string) map[string]any {
	_, n := Segments(m.Body)
	return map[string]any{"sid": m.SID, "account_sid": f.account, "to": m.To, "from": m.From, "body": m.Body,
		"status": status, "direction": "outbound-api", "date_created": m.Created.Format(time.RFC1123Z),
		"num_segments": strconv.Itoa(n), "error_code": nil, "api_version": "2010-04-01",
		"uri": "/2010-04-01/Accounts/" + f.account + "/Messages/" + m.SID + ".json"}
}

func (f *fakeTwilio) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/2010-04-01/Accounts/"+f.account+"/Messages.json" {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != f.account || pass != f.token {
		f.mu.Lock()
		f.badAuth++
		f.mu.Unlock()
		twilioError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	switch r.Method {
	case http.MethodGet:
		f.list(w, r)
	case http.MethodPost:
		f.create(w, r)
	default:
		twilioError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
	}
}

func (f *fakeTwilio) create(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		twilioError(w, http.StatusBadRequest, 20001, "Content-Type must be form-encoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		twilioError(w, http.StatusBadRequest, 20001, "bad form")
		return
	}
	m := fakeMessage{To: r.PostForm.Get("To"), From: r.PostForm.Get("From"), Body: r.PostForm.Get("Body"),
		StatusCallback: r.PostForm.Get("StatusCallback"), Created: time.Now().UTC()}
	f.mu.Lock()
	f.posts++
	status, failing := f.failOn[f.posts]
	if !failing && len(f.fail) > 0 {
		status, failing = f.fail[0], true
		f.fail = f.fail[1:]
	}
	if failing {
		f.mu.Unlock()
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
			twilioError(w, status, 20429, "Too Many Requests")
		} else {
			twilioError(w, status, 20500, "Internal Server Error")
		}
		return
	}
	refuse := f.refuse
	f.mu.Unlock()
	switch {
	case refuse != 0:
		twilioError(w, http.StatusBadRequest, refuse, "The message From/To pair violates a blacklist rule.")
		return
	case m.To == "" || m.From == "":
		twilioError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case m.Body == "":
		twilioError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	case utf8.RuneCountInString(m.Body) > MaxBody:
		twilioError(w, http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	m.SID = "SM" + hex.EncodeToString(b[:])
	f.mu.Lock()
	f.messages = append(f.messages, m)
	hang := f.hang > 0
	if hang {
		f.hang--
	}
	callbacks := append([]string(nil), f.callbacks...)
	f.mu.Unlock()
	if hang {
		select {
		case <-r.Context().Done():
		case <-time.After(f.hangFor):
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(f.resource(m, "queued"))
	if len(callbacks) > 0 && m.StatusCallback != "" {
		go f.callback(m, callbacks)
	}
}

// callback posts status callbacks as Twilio does: form-encoded, signed.
func (f *fakeTwilio) callback(m fakeMessage, statuses []string) {
	for _, s := range statuses {
		form := url.Values{"MessageSid": {m.SID}, "SmsSid": {m.SID}, "MessageStatus": {s}, "SmsStatus": {s},
			"AccountSid": {f.account}, "To": {m.To}, "From": {m.From}, "ApiVersion": {"2010-04-01"}}
		if s == "undelivered" || s == "failed" {
			form.Set("ErrorCode", "30003")
		}
		req, _ := http.NewRequest(http.MethodPost, m.StatusCallback, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", Signature(f.token, m.StatusCallback, form))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			f.t.Errorf("status callback %s answered %d", s, resp.StatusCode)
		}
	}
}

func (f *fakeTwilio) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.lists++
	var out []map[string]any
	for i := len(f.messages) - 1; i >= 0; i-- {
		m := f.messages[i]
		if (q.Get("To") == "" || q.Get("To") == m.To) && (q.Get("From") == "" || q.Get("From") == m.From) {
			out = append(out, f.resource(m, "sent"))
		}
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"messages": out, "page": 0, "page_size": 50})
}

func (f *fakeTwilio) sent() []fakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeMessage(nil), f.messages...)
}

func (f *fakeTwilio) counts() (posts, lists, badAuth int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.posts, f.lists, f.badAuth
}

func (f *fakeTwilio) set(fn func(f *fakeTwilio)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}
