package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/channels"
	"github.com/civicdesk/civicdesk/internal/metrics"
	"github.com/civicdesk/civicdesk/internal/ratelimit"
	"github.com/prometheus/client_golang/prometheus"
)

// Store is what the email channel needs of the store.
type Store interface {
	CreateContact(ctx context.Context, c civicdesk.Contact) error
	GetContact(ctx context.Context, id string) (civicdesk.Contact, error)
	OpenConversation(ctx context.Context, cand civicdesk.Conversation) (civicdesk.Conversation, bool, error)
	GetConversation(ctx context.Context, id string) (civicdesk.Conversation, error)
	GetMessage(ctx context.Context, id string) (civicdesk.Message, error)
	ListMessages(ctx context.Context, convID string, afterSeq uint64, limit int) ([]civicdesk.Message, error)
	PutRecord(ctx context.Context, r civicdesk.Record) error
	InsertRecord(ctx context.Context, r civicdesk.Record) (bool, error)
	GetRecord(ctx context.Context, kind, key string) (civicdesk.Record, error)
	ListRecords(ctx context.Context, kind, prefix string, limit int) ([]civicdesk.Record, error)
}

// Bus is what the email channel needs of NATS.
type Bus = channels.Bus

// Config of the email channel. Zero values take the defaults in brackets.
type Config struct {
	// Addr is where the inbound SMTP server listens [127.0.0.1:2525].
	Addr string
	// Domain is the agency's mail domain: mail to any address at it is
	// accepted, other domains get 550 [civicdesk.localhost].
	Domain string
	// From is the sender of outbound mail [help@<Domain>]; FromName its
	// display name [none].
	From     string
	FromName string
	// Hostname is the name the server greets with and the client says
	// hello with [Domain].
	Hostname string
	// MaxMessageBytes is the largest message accepted, 552 beyond [10 MB].
	MaxMessageBytes int64
	// MaxAttachmentBytes is the largest attachment kept [MaxMessageBytes];
	// MaxAttachments how many are kept per message [20].
	MaxAttachmentBytes int64
	MaxAttachments     int
	// MaxText is the longest message text, in characters, handed to the
	// conversation; the full text stays in the raw record [20000].
	MaxText int
	// TLSCertFile and TLSKeyFile switch STARTTLS on when both are set.
	TLSCertFile string
	TLSKeyFile  string
	// Relay is the SMTP relay host:port for outbound mail; empty writes
	// outbound mail to the outbox records (the demo).
	Relay string
	// RelayInsecureTLS accepts any certificate from the relay's STARTTLS
	// (a local mail sink with a self-signed certificate).
	RelayInsecureTLS bool
	// RelayTimeout bounds each exchange with the relay [30s].
	RelayTimeout time.Duration
	// MaxAttempts is how many delivery attempts a reply gets before it is
	// recorded as failed [60, about five minutes of backoff].
	MaxAttempts int
	// AttachmentURL is the prefix of attachment URLs the desk fetches
	// [/api/v1/channels/email/attachments/].
	AttachmentURL string
	// RateLimit limits messages per connecting IP address.
	RateLimit bool
	// AcceptTimeout bounds the handling of one inbound message [30s].
	AcceptTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:2525"
	}
	if c.Domain == "" {
		c.Domain = "civicdesk.localhost"
	}
	c.Domain = strings.ToLower(strings.TrimSpace(c.Domain))
	if c.From == "" {
		c.From = "help@" + c.Domain
	}
	if c.Hostname == "" {
		c.Hostname = c.Domain
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = 10 << 20
	}
	if c.MaxAttachmentBytes <= 0 {
		c.MaxAttachmentBytes = c.MaxMessageBytes
	}
	if c.MaxAttachments <= 0 {
		c.MaxAttachments = 20
	}
	if c.MaxText <= 0 {
		c.MaxText = 20000
	}
	if c.RelayTimeout <= 0 {
		c.RelayTimeout = 30 * time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 60
	}
	if c.AttachmentURL == "" {
		c.AttachmentURL = "/api/v1/channels/email/attachments/"
	}
	if c.AcceptTimeout <= 0 {
		c.AcceptTimeout = 30 * time.Second
	}
	return c
}

// Channel is the email channel: inbound SMTP server, outbound delivery and
// transcripts.
type Channel struct {
	cfg   Config
	store Store
	bus   Bus
	log   *slog.Logger
	tls   *tls.Config
	from  mail.Address
	perIP *ratelimit.Limiter

	mu sync.Mutex
	ln net.Listener
}

var (
	dropped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "civicdesk_email_dropped_total",
		Help: "Automatic inbound mail (auto-replies, bounces, lists) that belonged to no open conversation and was dropped, by reason.",
	}, []string{"reason"})
	rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "civicdesk_email_rejected_total", Help: "Inbound mail refused, by reason.",
	}, []string{"reason"})
	outbound = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "civicdesk_email_outbound_total", Help: "Outbound mail attempts by result (sent, outbox, retry, failed).",
	}, []string{"result"})
)

func init() {
	metrics.Registry.MustRegister(dropped, rejected, outbound)
}

// New returns the email channel. It loads the TLS certificate when one is
// configured.
func New(cfg Config, store Store, bus Bus, log *slog.Logger) (*Channel, error) {
	cfg = cfg.withDefaults()
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("email: sender address %q: %w", cfg.From, err)
	}
	if cfg.FromName != "" {
		from.Name = cfg.FromName
	}
	c := &Channel{cfg: cfg, store: store, bus: bus, log: log.With("component", "email"), from: *from}
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return nil, errors.New("email: STARTTLS needs both a certificate and a key file")
	}
	if cfg.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("email: STARTTLS certificate: %w", err)
		}
		c.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if cfg.RateLimit {
		c.perIP = ratelimit.New(1, 60)
	}
	return c, nil
}

// Run serves SMTP and runs the outbound and transcript consumers until ctx
// is done.
func (c *Channel) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 3)
	for _, run := range []func(context.Context) error{c.RunSMTP, c.RunOutbound, c.RunTranscripts} {
		go func() { errc <- run(ctx) }()
	}
	var first error
	for range 3 {
		if err := <-errc; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}

// Listen binds the SMTP address (Config.Addr) now, so that a busy port
// fails at start-up; RunSMTP serves on it. It returns the bound address.
func (c *Channel) Listen() (net.Addr, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ln != nil {
		return c.ln.Addr(), nil
	}
	ln, err := net.Listen("tcp", c.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("email: smtp listen: %w", err)
	}
	c.ln = ln
	return ln.Addr(), nil
}

// Domain is the mail domain the channel accepts mail for.
func (c *Channel) Domain() string { return c.cfg.Domain }
