package bot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/bot/pii"
)

// External is an agency's own bot (Rasa, Dialogflow, anything that speaks
// HTTP) that sees each citizen message before the built-in flow. It never
// sees emergencies or requests for a person, which the built-in bot hands
// off at once, and never sees PII, which is redacted first.
type External struct {
	URL     string
	Secret  string // signs requests: CivicDesk-Signature t=…,v1=HMAC-SHA256("t.body")
	Timeout time.Duration
	Client  *http.Client
}

// ExternalRequest is what the external bot receives.
type ExternalRequest struct {
	ConversationID string           `json:"conversationId"`
	Channel        string           `json:"channel"`
	MessageID      string           `json:"messageId"`
	Text           string           `json:"text"` // PII redacted
	Language       string           `json:"language"`
	Triage         civicdesk.Triage `json:"triage"`
}

// ExternalAnswer is what it answers: action "reply" with text, "handoff"
// with a department (and optionally urgency), or "pass" to let the
// built-in bot go on.
type ExternalAnswer struct {
	Action     string            `json:"action"`
	Text       string            `json:"text,omitempty"`
	Department string            `json:"department,omitempty"`
	Urgency    civicdesk.Urgency `json:"urgency,omitempty"`
	Summary    string            `json:"summary,omitempty"`
}

// ask calls the external bot; any failure is an error and the caller falls
// back to the built-in flow.
func (x *External) ask(ctx context.Context, req ExternalRequest) (ExternalAnswer, error) {
	var ans ExternalAnswer
	body, err := json.Marshal(req)
	if err != nil {
		return ans, err
	}
	timeout := x.Timeout
	if timeout == 0 {
		timeout = 3 * time.Second
	}
	client := x.Client
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(rctx, http.MethodPost, x.URL, bytes.NewReader(body))
	if err != nil {
		return ans, err
	}
	hr.Header.Set("Content-Type", "application/json")
	if x.Secret != "" {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		mac := hmac.New(sha256.New, []byte(x.Secret))
		mac.Write([]byte(ts + "."))
		mac.Write(body)
		hr.Header.Set("CivicDesk-Signature", "t="+ts+",v1="+hex.EncodeToString(mac.Sum(nil)))
	}
	resp, err := client.Do(hr)
	if err != nil {
		return ans, fmt.Errorf("external bot unreachable")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ans, fmt.Errorf("external bot answered %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return ans, fmt.Errorf("external bot: read: %w", err)
	}
	if err := json.Unmarshal(data, &ans); err != nil {
		return ans, fmt.Errorf("external bot: answer is not JSON")
	}
	switch ans.Action {
	case "reply":
		if ans.Text == "" || !utf8.ValidString(ans.Text) || utf8.RuneCountInString(ans.Text) > 4000 {
			return ans, fmt.Errorf("external bot: a reply needs 1 to 4000 characters of text")
		}
	case "handoff":
		if ans.Urgency != "" && ans.Urgency.Priority() == civicdesk.UrgencyNormal.Priority() && ans.Urgency != civicdesk.UrgencyNormal {
			return ans, fmt.Errorf("external bot: unknown urgency")
		}
	case "pass":
	default:
		return ans, fmt.Errorf("external bot: unknown action")
	}
	return ans, nil
}

// external gives the external bot its turn. handled says it answered or
// handed off; otherwise the built-in flow goes on.
func (b *Bot) external(ctx context.Context, ext *External, conv civicdesk.Conversation, m *civicdesk.Message, t civicdesk.Triage, greet string) (handled bool, err error) {
	redacted, _ := pii.Redact(m.Text)
	ans, err := ext.ask(ctx, ExternalRequest{ConversationID: conv.ID, Channel: string(conv.Channel), MessageID: m.ID,
		Text: redacted, Language: t.Language, Triage: t})
	if err != nil {
		b.log.Warn("external bot failed, built-in bot answers", "err", err)
		return false, nil
	}
	switch ans.Action {
	case "reply":
		return true, b.say(ctx, conv, "msg_bot_ext_"+m.ID, greet+ans.Text)
	case "handoff":
		if _, ok := b.cfg.Departments[ans.Department]; ok {
			t.Department = ans.Department
		}
		if ans.Urgency != "" {
			t.Urgency = ans.Urgency
		}
		if ans.Summary != "" {
			t.Summary = ans.Summary
		}
		t.Reasons = append(t.Reasons, "handed off by the agency's external bot")
		return true, b.handoff(ctx, conv, m, t, greet, idHandoff+m.ID, "")
	}
	return false, nil
}
