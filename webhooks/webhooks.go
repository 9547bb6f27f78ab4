package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/civicdesk/civicdesk"
)

// Event types an endpoint can subscribe to.
var EventTypes = []string{"conversation.created", "conversation.assigned", "message", "conversation.closed", "conversation.rated"}

// Endpoint is a subscriber.
type Endpoint struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Secret string   `json:"secret,omitempty"`
	Events []string `json:"events"`
}

// Delivery is what an endpoint receives as the JSON body.
type Delivery struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"createdAt"`
	Data      json.RawMessage `json:"data"`
}

// Attempt is one line of the delivery log.
type Attempt struct {
	DeliveryID string    `json:"deliveryId"`
	Type       string    `json:"type"`
	Attempts   uint64    `json:"attempts"`
	Status     int       `json:"status"`
	Error      string    `json:"error,omitempty"`
	Delivered  bool      `json:"delivered"`
	At         time.Time `json:"at"`
}

// Record kinds.
const (
	endpointKind = "webhook"
	logKind      = "webhook_log"
)

// Store is what webhooks need of the store.
type Store interface {
	PutRecord(ctx context.Context, r civicdesk.Record) error
	GetRecord(ctx context.Context, kind, key string) (civicdesk.Record, error)
	ListRecords(ctx context.Context, kind, prefix string, limit int) ([]civicdesk.Record, error)
	DeleteRecord(ctx context.Context, kind, key string) error
}

// Bus is what webhooks need of NATS.
type Bus interface {
	Publish(ctx context.Context, subject string, data []byte, msgID string) (uint64, bool, error)
	Consume(ctx context.Context, spec civicdesk.ConsumerSpec, handler func(ctx context.Context, d civicdesk.Delivery) error) error
}

// Config of the dispatcher.
type Config struct {
	Timeout time.Duration // per request; default 10 s
	Reload  time.Duration // how often endpoints are re-read; default 2 s
	Client  *http.Client
	Now     func() time.Time
}

// Dispatcher fans events out to endpoints and delivers them.
type Dispatcher struct {
	cfg   Config
	store Store
	bus   Bus
	log   *slog.Logger

	mu        sync.Mutex
	endpoints map[string]Endpoint
	running   map[string]context.CancelFunc
	runCtx    context.Context
	// The fan-out consumer's filters, and how to restart it when the
	// endpoints come to want other events.
	fanOutFilters []string
	refilter      context.CancelFunc
}

// New returns a dispatcher.
func New(cfg Config, store Store, bus Bus, log *slog.Logger) *Dispatcher {
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Reload == 0 {
		cfg.Reload = 2 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Dispatcher{cfg: cfg, store: store, bus: bus, log: log.With("component", "webhooks"),
		endpoints: map[string]Endpoint{}, running: map[string]context.CancelFunc{}}
}

// Run fans out events and runs one delivery consumer per endpoint until ctx
// is done, picking up endpoint changes as they are saved. The fan-out hears
// only the event types some endpoint wants (an endpoint gets events from
// about when it was saved, as before).
func (d *Dispatcher) Run(ctx context.Context) error {
	d.mu.Lock()
	d.runCtx = ctx
	d.mu.Unlock()
	if err := d.reload(ctx); err != nil {
		return err
	}
	go func() {
		t := time.NewTicker(d.cfg.Reload)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := d.reload(ctx); err != nil && ctx.Err() == nil {
					d.log.Warn("reload endpoints", "err", err)
				}
			}
		}
	}()
	for {
		d.mu.Lock()
		filters := d.fanOutFilters
		fctx, cancel := context.WithCancel(ctx)
		d.refilter = cancel
		d.mu.Unlock()
		err := d.bus.Consume(fctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamEvents, Durable: "webhooks", Filters: filters}, d.fanOut)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case fctx.Err() != nil:
			continue // the endpoints want other events now
		}
		return err
	}
}

// filtersFor returns the subjects of the event types some endpoint wants.
// With none, the fan-out follows conversation creations only (no filter
// would be every event), and hears nothing of the thousands of messages a
// second that no endpoint wants. A consumer whose filters change goes on
// from the head of the stream.
func filtersFor(endpoints map[string]Endpoint) []string {
	var out []string
	for _, typ := range EventTypes {
		for _, ep := range endpoints {
			if slices.Contains(ep.Events, typ) {
				out = append(out, civicdesk.ConvSubject(verbOf(typ), "*"))
				break
			}
		}
	}
	if len(out) == 0 {
		out = []string{civicdesk.ConvSubject(civicdesk.VerbCreated, "*")}
	}
	return out
}

// verbOf is the subject verb of a public event type (EventTypeOf reversed).
func verbOf(typ string) string {
	if typ == "message" {
		return civicdesk.VerbMessage
	}
	return strings.TrimPrefix(typ, "conversation.")
}

// Changed reloads the endpoints at once; the admin API calls it after a
// change so that the next event already goes to a new endpoint. (Other
// replicas pick changes up within the reload period.)
func (d *Dispatcher) Changed(ctx context.Context) error {
	d.mu.Lock()
	run := d.runCtx
	d.mu.Unlock()
	if run == nil {
		return nil // not running yet: Run loads them
	}
	return d.reload(run)
}

// reload reads the endpoints and starts or stops their consumers.
func (d *Dispatcher) reload(ctx context.Context) error {
	eps, err := List(ctx, d.store)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	seen := map[string]bool{}
	for _, ep := range eps {
		seen[ep.ID] = true
		d.endpoints[ep.ID] = ep
		if _, ok := d.running[ep.ID]; !ok {
			cctx, cancel := context.WithCancel(ctx)
			d.running[ep.ID] = cancel
			go func(id string) {
				err := d.bus.Consume(cctx, civicdesk.ConsumerSpec{Stream: civicdesk.StreamWebhooks, Durable: "webhook-" + id,
					Filters: []string{civicdesk.WebhookSubject(id)}, AckWait: d.cfg.Timeout + 5*time.Second}, d.deliver)
				if err != nil && cctx.Err() == nil {
					d.log.Error("webhook consumer stopped", "endpoint", id, "err", err)
				}
			}(ep.ID)
		}
	}
	for id, cancel := range d.running {
		if !seen[id] {
			cancel()
			delete(d.running, id)
			delete(d.endpoints, id)
		}
	}
	if f := filtersFor(d.endpoints); !slices.Equal(f, d.fanOutFilters) {
		d.fanOutFilters = f
		if d.refilter != nil {
			d.refilter() // Run starts the fan-out again with f
		}
	}
	return nil
}

// eventType is the public type of a conversation event subject.
func eventType(subject string) string {
	parts := strings.Split(subject, ".")
	if len(parts) < 3 {
		return ""
	}
	return civicdesk.EventTypeOf(parts[2])
}

// fanOut queues one delivery per subscribed endpoint. The delivery id is
// derived from the event and the endpoint, so a redelivered event queues
// nothing twice.
func (d *Dispatcher) fanOut(ctx context.Context, dv civicdesk.Delivery) error {
	typ := eventType(dv.Subject)
	d.mu.Lock()
	var targets []Endpoint
	for _, ep := range d.endpoints {
		if slices.Contains(ep.Events, typ) {
			targets = append(targets, ep)
		}
	}
	d.mu.Unlock()
	for _, ep := range targets {
		sum := sha256.Sum256([]byte(ep.ID + "\x00" + strconv.FormatUint(dv.Seq, 10)))
		body, err := json.Marshal(Delivery{ID: "whd_" + hex.EncodeToString(sum[:12]), Type: typ, CreatedAt: dv.Time.UTC().Truncate(time.Millisecond), Data: dv.Data})
		if err != nil {
			return fmt.Errorf("webhooks: encode: %w", err)
		}
		if _, _, err := d.bus.Publish(ctx, civicdesk.WebhookSubject(ep.ID), body, "hook:"+ep.ID+":"+strconv.FormatUint(dv.Seq, 10)); err != nil {
			return err
		}
	}
	return nil
}

// Sign returns the signature header value for body at time t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a signature header against body with tolerance for clock
// skew and replays; receivers can use it as documentation of the scheme.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) bool {
	var ts, v1 string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			v1 = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || v1 == "" {
		return false
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return false
	}
	want := Sign(secret, time.Unix(sec, 0), body)
	return hmac.Equal([]byte(want), []byte("t="+ts+",v1="+v1))
}

// deliver posts one delivery; a non-2xx answer or a transport error is
// retried by JetStream with backoff.
func (d *Dispatcher) deliver(ctx context.Context, dv civicdesk.Delivery) error {
	id := strings.TrimPrefix(dv.Subject, "cd.hook.")
	d.mu.Lock()
	ep, ok := d.endpoints[id]
	d.mu.Unlock()
	if !ok {
		return nil // the endpoint was removed
	}
	var del Delivery
	if err := json.Unmarshal(dv.Data, &del); err != nil {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "undecodable webhook delivery")
	}
	rctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, ep.URL, bytes.NewReader(dv.Data))
	if err != nil {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "bad endpoint URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "CivicDesk-Webhooks/1")
	req.Header.Set("CivicDesk-Delivery", del.ID)
	req.Header.Set("CivicDesk-Event", del.Type)
	if ep.Secret != "" {
		req.Header.Set("CivicDesk-Signature", Sign(ep.Secret, d.cfg.Now(), dv.Data))
	}
	attempt := Attempt{DeliveryID: del.ID, Type: del.Type, Attempts: dv.NumDelivered, At: d.cfg.Now().UTC().Truncate(time.Millisecond)}
	resp, err := d.cfg.Client.Do(req)
	if err == nil {
		resp.Body.Close()
		attempt.Status = resp.StatusCode
		attempt.Delivered = resp.StatusCode/100 == 2
		if !attempt.Delivered {
			err = fmt.Errorf("endpoint answered %d", resp.StatusCode)
		}
	}
	if err != nil {
		attempt.Error = shortError(err)
	}
	logData, _ := json.Marshal(attempt)
	if perr := d.store.PutRecord(ctx, civicdesk.Record{Kind: logKind, Key: ep.ID + "/" + del.ID, Value: logData, UpdatedAt: attempt.At}); perr != nil {
		d.log.Warn("delivery log", "err", perr)
	}
	if err != nil {
		if dv.NumDelivered >= 12 {
			d.log.Warn("webhook delivery abandoned", "endpoint", ep.ID, "delivery", del.ID)
			return nil // logged as failed; give up after a dozen tries
		}
		return fmt.Errorf("webhook %s: %s", ep.ID, attempt.Error)
	}
	return nil
}

// shortError keeps a transport error free of the URL (which may hold a
// token) and short enough for the log.
func shortError(err error) string {
	var ue *url.Error
	if e, ok := err.(*url.Error); ok {
		ue = e
		if ue.Timeout() {
			return "timeout"
		}
		return "connection failed"
	}
	s := err.Error()
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// List returns the configured endpoints.
func List(ctx context.Context, store Store) ([]Endpoint, error) {
	recs, err := store.ListRecords(ctx, endpointKind, "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]Endpoint, 0, len(recs))
	for _, r := range recs {
		var ep Endpoint
		if json.Unmarshal(r.Value, &ep) == nil {
			out = append(out, ep)
		}
	}
	return out, nil
}
