package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/bot/pii"
)

// Fallback is the triager used when the model cannot answer, and as the
// safety net for emergencies and requests for a person: the local
// triager (bot/local).
type Fallback interface {
	Triage(text, channel string) civicdesk.Triage
}

// Config of the LLM triager.
type Config struct {
	// BaseURL of the OpenAI-compatible API, with its version path
	// ("https://api.openai.com/v1", "http://localhost:11434/v1").
	// Default: OpenAI.
	BaseURL string
	// APIKey is sent as a bearer token; empty sends none.
	APIKey string
	// Model to ask; required.
	Model string
	// Timeout of one model call. Default 4s.
	Timeout time.Duration
	// BreakerFailures consecutive failures open the circuit breaker; then
	// the model is not called for BreakerCooldown. Defaults 5 and 30s.
	BreakerFailures int
	BreakerCooldown time.Duration
	// Now is the clock of the breaker. Default time.Now.
	Now func() time.Time
	// HTTPClient to call the server with. Default: a client of its own.
	HTTPClient *http.Client
}

// Defaults of Config.
const (
	DefaultBaseURL         = "https://api.openai.com/v1"
	DefaultTimeout         = 4 * time.Second
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 30 * time.Second
)

// Triager triages with a model, falling back to the local triager. It is
// safe for concurrent use.
type Triager struct {
	cfg      Config
	client   *openai.Client
	fallback Fallback
	breaker  *breaker
	log      *slog.Logger
}

// New returns a triager that asks cfg.Model and falls back to fallback.
func New(cfg Config, fallback Fallback, log *slog.Logger) (*Triager, error) {
	if fallback == nil {
		return nil, errors.New("llm: a fallback triager is required")
	}
	cfg.Model = strings.TrimSpace(cfg.Model)
	if cfg.Model == "" {
		return nil, errors.New("llm: no model configured")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		return nil, fmt.Errorf("llm: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.BreakerFailures <= 0 {
		cfg.BreakerFailures = DefaultBreakerFailures
	}
	if cfg.BreakerCooldown <= 0 {
		cfg.BreakerCooldown = DefaultBreakerCooldown
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hc := &http.Client{Transport: http.DefaultTransport}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
		if hc.Transport == nil {
			hc.Transport = http.DefaultTransport
		}
	}
	if !fixedTemperature(cfg.Model) {
		hc.Transport = zeroTemperature{hc.Transport}
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.BaseURL
	oc.HTTPClient = hc
	return &Triager{
		cfg:      cfg,
		client:   openai.NewClientWithConfig(oc),
		fallback: fallback,
		breaker:  &breaker{failures: cfg.BreakerFailures, cooldown: cfg.BreakerCooldown, now: cfg.Now},
		log:      log.With("component", "bot/llm", "model", cfg.Model),
	}, nil
}

// Triage classifies one citizen message; see TriageContext.
func (t *Triager) Triage(text, channel string) civicdesk.Triage {
	return t.TriageContext(context.Background(), text, channel)
}

// TriageContext classifies one citizen message with the model, within the
// timeout and ctx, and merges the local triager's emergencies and
// requests for a person into the answer. When the model is slow, down,
// answers nonsense or the breaker is open, it returns the local triage
// with the reason.
func (t *Triager) TriageContext(ctx context.Context, text, channel string) civicdesk.Triage {
	local := t.fallback.Triage(text, channel)
	ok, trial := t.breaker.allow()
	if !ok {
		return t.fellBack(local, "circuit open")
	}
	redacted, found := pii.Redact(text)
	start := time.Now()
	ans, served, err := t.ask(ctx, redacted, channel)
	if err != nil {
		cause := causeOf(err)
		if ctx.Err() != nil { // the caller gave up: not the model's fault
			t.breaker.release(trial)
			return t.fellBack(local, cause)
		}
		open := t.breaker.failure()
		t.log.Warn("model triage failed, using the local triager", "cause", cause,
			"elapsed", time.Since(start).Round(time.Millisecond), "breaker_open", open)
		return t.fellBack(local, cause)
	}
	t.breaker.success()
	t.log.Debug("model triage", "elapsed", time.Since(start).Round(time.Millisecond),
		"department", ans.Department, "urgency", ans.Urgency, "redacted", len(found))
	return t.merge(ans, local, served, found)
}

// fellBack is the local triage, saying why the model was not used.
func (t *Triager) fellBack(local civicdesk.Triage, cause string) civicdesk.Triage {
	local.Reasons = append(append([]string(nil), local.Reasons...),
		fmt.Sprintf("llm unavailable: %s, used local triager", cause))
	return local
}

// ask asks the model and validates its answer. served is the model the
// server says answered.
func (t *Triager) ask(ctx context.Context, redacted, channel string) (answer, string, error) {
	ctx, cancel := context.WithTimeout(ctx, t.cfg.Timeout)
	defer cancel()
	resp, err := t.client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model: t.cfg.Model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: systemPrompt},
			{Role: openai.ChatMessageRoleUser, Content: userMessage(redacted, channel)},
		},
		// Temperature 0 is added on the wire by zeroTemperature: go-openai
		// omits a zero temperature, which servers read as 1.
		ResponseFormat: &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name:   "triage",
				Schema: schema,
				Strict: true,
			},
		},
	})
	if err != nil {
		return answer{}, "", err
	}
	if len(resp.Choices) == 0 {
		return answer{}, "", errAnswer("no answer")
	}
	msg := resp.Choices[0].Message
	if msg.Refusal != "" {
		return answer{}, "", errAnswer("model refused")
	}
	a, err := parseAnswer(msg.Content)
	if err != nil {
		return answer{}, "", err
	}
	served := strings.TrimSpace(resp.Model)
	if served == "" {
		served = t.cfg.Model
	}
	return a, served, nil
}

// merge turns the model's answer into a Triage, keeping the local
// triager's emergency and request for a person: urgency is the model's,
// or emergency when the local triager says so; wantsHuman is either's.
func (t *Triager) merge(a answer, local civicdesk.Triage, served string, found []pii.Finding) civicdesk.Triage {
	tr := civicdesk.Triage{
		Department: a.Department,
		Urgency:    civicdesk.Urgency(a.Urgency),
		Language:   a.Language,
		WantsHuman: a.WantsHuman,
		Confidence: a.Confidence,
		Summary:    a.Summary,
	}
	tr.Reasons = append(tr.Reasons, fmt.Sprintf("model %s, prompt %s", clip(served, 80), PromptVersion))
	for _, r := range a.Reasons {
		tr.Reasons = append(tr.Reasons, "model: "+r)
	}
	if local.Urgency == civicdesk.UrgencyEmergency && tr.Urgency != civicdesk.UrgencyEmergency {
		tr.Urgency = civicdesk.UrgencyEmergency
		tr.Reasons = append(tr.Reasons, "urgency emergency kept from the local triager"+because(local.Reasons, "urgency"))
	}
	if local.WantsHuman && !tr.WantsHuman {
		tr.WantsHuman = true
		tr.Reasons = append(tr.Reasons, "wants a person, kept from the local triager"+because(local.Reasons, "wants", "human", "person"))
	}
	if len(found) > 0 {
		tr.Reasons = append(tr.Reasons, "redacted before the model: "+kinds(found))
	}
	return tr
}

// because quotes the first local reason that starts with one of prefixes.
func because(reasons []string, prefixes ...string) string {
	for _, r := range reasons {
		for _, p := range prefixes {
			if strings.HasPrefix(strings.ToLower(r), p) {
				return " (" + r + ")"
			}
		}
	}
	return ""
}

// kinds lists the kinds of findings, each once, in order: "ssn, phone".
func kinds(found []pii.Finding) string {
	var ks []string
	seen := map[string]bool{}
	for _, f := range found {
		if !seen[f.Kind] {
			seen[f.Kind] = true
			ks = append(ks, f.Kind)
		}
	}
	return strings.Join(ks, ", ")
}

// errAnswer is a model answer that is not a valid triage.
type errAnswer string

func (e errAnswer) Error() string { return string(e) }

// causeOf names why a call failed, briefly and without anything the
// server sent back (an error body may quote the prompt).
func causeOf(err error) string {
	var ea errAnswer
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var urlErr *url.Error
	switch {
	case errors.As(err, &ea):
		return string(ea)
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &apiErr) && apiErr.HTTPStatusCode != 0:
		return statusCause(apiErr.HTTPStatusCode)
	case errors.As(err, &reqErr) && reqErr.HTTPStatusCode != 0:
		return statusCause(reqErr.HTTPStatusCode)
	case errors.As(err, &reqErr), errors.As(err, &syntaxErr), errors.As(err, &typeErr):
		return "unreadable response"
	case errors.As(err, &urlErr):
		return "connection failed"
	}
	return "request failed"
}

func statusCause(code int) string {
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return fmt.Sprintf("not authorized (HTTP %d)", code)
	case code == http.StatusTooManyRequests:
		return "rate limited (HTTP 429)"
	case code >= 500:
		return fmt.Sprintf("server error (HTTP %d)", code)
	}
	return fmt.Sprintf("request rejected (HTTP %d)", code)
}

// fixedTemperature reports whether model is a reasoning model that only
// accepts the default temperature (OpenAI o-series, gpt-5).
func fixedTemperature(model string) bool {
	m := strings.ToLower(model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	for _, p := range []string{"o1", "o3", "o4", "gpt-5"} {
		if strings.HasPrefix(m, p) {
			return true
		}
	}
	return false
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
