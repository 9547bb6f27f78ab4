package sms

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/channels"
	"github.com/civicdesk/civicdesk/internal/ratelimit"
	"github.com/labstack/echo/v4"
)

// Store is what the SMS channel needs of the store.
type Store interface {
	CreateContact(ctx context.Context, c civicdesk.Contact) error
	GetContact(ctx context.Context, id string) (civicdesk.Contact, error)
	OpenConversation(ctx context.Context, cand civicdesk.Conversation) (civicdesk.Conversation, bool, error)
	ListConversations(ctx context.Context, f civicdesk.ConversationFilter) ([]civicdesk.Conversation, error)
	GetMessage(ctx context.Context, id string) (civicdesk.Message, error)
	PutRecord(ctx context.Context, r civicdesk.Record) error
	InsertRecord(ctx context.Context, r civicdesk.Record) (bool, error)
	GetRecord(ctx context.Context, kind, key string) (civicdesk.Record, error)
	ListRecords(ctx context.Context, kind, prefix string, limit int) ([]civicdesk.Record, error)
	DeleteRecord(ctx context.Context, kind, key string) error
}

// Bus is what the SMS channel needs of NATS.
type Bus = channels.Bus

// Record kinds the channel keeps. The desk reads the first three.
const (
	// KindDelivery is the delivery state of one reply, key
	// "<conversationId>/<messageId>", value DeliveryState as JSON.
	KindDelivery = "delivery"
	// KindOutbox holds the texts that would have gone out with no Twilio
	// account configured, key "<conversationId>/<messageId>/<part 001…>",
	// value OutboxText as JSON.
	KindOutbox = "sms_outbox"
	// KindOptOut marks a number that texted STOP, key its E.164 form, value
	// OptOut as JSON. A number is opted out exactly while its record exists.
	KindOptOut = "sms_optout"

	kindStatus   = "sms_status"   // <conv>/<msg>/<part>/<state>: one state reached (insert-only)
	kindPlan     = "sms_plan"     // <conv>/<msg>: parts, segments, encoding of a reply
	kindAttempt  = "sms_attempt"  // <conv>/<msg>/<part>: a request to Twilio was made
	kindSent     = "sms_sent"     // <conv>/<msg>/<part>: done, never send again
	kindSID      = "sms_sid"      // <Twilio sid>: which part a Twilio message is
	kindKeyword  = "sms_keyword"  // <MessageSid>: a keyword text was applied
	kindSettings = "sms_settings" // contact_key: the secret of contact ids
)

// Config of the SMS channel.
type Config struct {
	// PublicURL is the external base URL, as Twilio calls it: signatures are
	// computed over it, and status callbacks point at it.
	PublicURL string
	// AccountSID and AuthToken are the Twilio account. With the token,
	// every webhook must be signed; with both, texts go out through
	// Twilio, else to the outbox records.
	AccountSID string
	AuthToken  string
	// From is the agency's number, the sender of every text.
	From string
	// BaseURL of Twilio's API, https://api.twilio.com by default.
	BaseURL string
	// HelpText answers HELP and INFO; StopText confirms an opt-out and
	// StartText a resubscription.
	HelpText, StopText, StartText string
	// RateLimit switches the per-number limit on.
	RateLimit bool
	// MaxText is the longest inbound text in characters (4,000).
	MaxText int
	// HTTPClient calls Twilio; its Timeout bounds each call (15s default).
	HTTPClient *http.Client
	// Attempts per text within one delivery of a reply (3), spaced by
	// Backoff, doubling (500ms). After that the reply is redelivered by
	// JetStream with its own backoff, until GiveUpAfter (1h) has passed since
	// it was written; then it is marked failed.
	Attempts    int
	Backoff     time.Duration
	GiveUpAfter time.Duration
	// ReconcileAfter is how old an unanswered request to Twilio must be
	// before Twilio's message list is trusted to show whether it created
	// the text (3s).
	ReconcileAfter time.Duration
}

// Default texts of the keyword answers.
const (
	DefaultHelpText  = "CivicDesk: text this number to reach your agency; a caseworker will answer here. Msg & data rates may apply. Reply STOP to stop texts, START to resume. In an emergency call 911."
	DefaultStopText  = "You are unsubscribed and will get no more texts from this number. Reply START to resubscribe."
	DefaultStartText = "You are resubscribed to texts from this number. Reply HELP for help, STOP to stop."
)

// Channel is the SMS channel: the webhook, the status callback and the
// outbound consumer.
type Channel struct {
	cfg   Config
	store Store
	bus   Bus
	log   *slog.Logger
	api   *twilioAPI // nil: no account, texts go to the outbox

	base      string // PublicURL without a trailing slash
	basePath  string // its path, if any
	perNumber *ratelimit.Limiter

	mu         sync.Mutex
	contactKey []byte
	contacts   map[string]string // E.164 → contact id known to exist
}

// New returns the SMS channel. Call Register for its routes and Run for its
// outbound consumer.
func New(cfg Config, store Store, bus Bus, log *slog.Logger) (*Channel, error) {
	if log == nil {
		log = slog.Default()
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://api.twilio.com"
	}
	if cfg.HelpText == "" {
		cfg.HelpText = DefaultHelpText
	}
	if cfg.StopText == "" {
		cfg.StopText = DefaultStopText
	}
	if cfg.StartText == "" {
		cfg.StartText = DefaultStartText
	}
	if cfg.MaxText == 0 {
		cfg.MaxText = 4000
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Attempts == 0 {
		cfg.Attempts = 3
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.GiveUpAfter == 0 {
		cfg.GiveUpAfter = time.Hour
	}
	if cfg.ReconcileAfter == 0 {
		cfg.ReconcileAfter = 3 * time.Second
	}
	u, err := url.Parse(strings.TrimRight(cfg.PublicURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sms: public URL %q is not an http(s) URL", cfg.PublicURL)
	}
	c := &Channel{cfg: cfg, store: store, bus: bus, log: log.With("component", "sms"),
		base: u.String(), basePath: u.Path, contacts: map[string]string{}}
	if cfg.AccountSID != "" {
		if cfg.AuthToken == "" {
			return nil, errors.New("sms: a Twilio account SID needs its auth token (CIVICDESK_TWILIO_AUTH_TOKEN)")
		}
		from, ok := Normalize(cfg.From)
		if !ok {
			return nil, errors.New("sms: a Twilio account needs the agency's number in E.164 form (CIVICDESK_TWILIO_FROM)")
		}
		b, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
		if err != nil || (b.Scheme != "http" && b.Scheme != "https") || b.Host == "" {
			return nil, fmt.Errorf("sms: Twilio base URL %q is not an http(s) URL", cfg.BaseURL)
		}
		c.cfg.From = from
		c.api = &twilioAPI{base: b.String(), account: cfg.AccountSID, token: cfg.AuthToken, hc: cfg.HTTPClient}
	} else if from, ok := Normalize(cfg.From); ok {
		c.cfg.From = from
	}
	if cfg.RateLimit {
		c.perNumber = ratelimit.New(1, 10)
	}
	switch {
	case c.api == nil && cfg.AuthToken == "":
		c.log.Info("no Twilio account: the SMS webhook takes unsigned texts and replies go to the outbox records")
	case c.api == nil:
		c.log.Info("no Twilio account SID: replies go to the outbox records")
	}
	return c, nil
}

// Register adds the webhook routes under /api/v1/channels/sms.
func (c *Channel) Register(e *echo.Echo) {
	g := e.Group("/api/v1/channels/sms")
	g.POST("/twilio", c.inbound)
	g.POST("/twilio/status", c.statusCallback)
}

// Run consumes the replies to deliver by SMS until ctx is done.
func (c *Channel) Run(ctx context.Context) error {
	return c.bus.Consume(ctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamOutbound, Durable: "sms",
		Filters: []string{civicdesk.OutboundSubject(civicdesk.ChannelSMS, "*")}, AckWait: ackWait}, c.deliver)
}

// ackWait bounds one delivery of a reply; the handler stops well before.
const ackWait = 2 * time.Minute

// contactID is the contact of a number: the same id for the same number on
// every replica and every run, keyed with this installation's secret so the
// id does not reveal the number to whoever sees it.
func (c *Channel) contactID(ctx context.Context, e164 string) (string, error) {
	key, err := c.secret(ctx)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("sms-contact\x00" + e164))
	return "ct_sms_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(mac.Sum(nil)[:15])), nil
}

// secret returns the installation's contact-id key, creating it once.
func (c *Channel) secret(ctx context.Context) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.contactKey != nil {
		return c.contactKey, nil
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("sms: random: %w", err)
	}
	// The first replica to insert wins; everyone reads the winner.
	if _, err := c.store.InsertRecord(ctx, civicdesk.Record{Kind: kindSettings, Key: "contact_key",
		Value: []byte(hex.EncodeToString(b[:])), UpdatedAt: civicdesk.Now()}); err != nil {
		return nil, fmt.Errorf("sms: contact key: %w", err)
	}
	r, err := c.store.GetRecord(ctx, kindSettings, "contact_key")
	if err != nil {
		return nil, fmt.Errorf("sms: contact key: %w", err)
	}
	key, err := hex.DecodeString(string(r.Value))
	if err != nil || len(key) < 16 {
		return nil, errors.New("sms: contact key record is damaged")
	}
	c.contactKey = key
	return key, nil
}

// ensureContact returns the contact of a number, creating it the first time.
func (c *Channel) ensureContact(ctx context.Context, e164 string) (string, error) {
	c.mu.Lock()
	id, ok := c.contacts[e164]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	id, err := c.contactID(ctx, e164)
	if err != nil {
		return "", err
	}
	err = c.store.CreateContact(ctx, civicdesk.Contact{ID: id, Phone: e164, CreatedAt: civicdesk.Now()})
	if err != nil && civicdesk.ErrorCode(err) != civicdesk.CodeConflict {
		return "", fmt.Errorf("sms: contact: %w", err)
	}
	c.mu.Lock()
	if len(c.contacts) > 100000 {
		clear(c.contacts)
	}
	c.contacts[e164] = id
	c.mu.Unlock()
	return id, nil
}
