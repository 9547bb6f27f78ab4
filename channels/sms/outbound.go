package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/metrics"
	"github.com/labstack/echo/v4"
)

// Delivery states of a reply (DeliveryState.State). Twilio's own statuses
// are folded into queued, sent, delivered, failed and undelivered.
const (
	StatePending     = "pending"         // taken for delivery, not yet accepted by Twilio
	StateQueued      = "queued"          // Twilio accepted it
	StateSent        = "sent"            // the carrier accepted it
	StateDelivered   = "delivered"       // the handset confirmed it
	StateFailed      = "failed"          // it could not be sent (detail says why)
	StateUndelivered = "undelivered"     // the carrier could not deliver it
	StateBlocked     = "blocked_opt_out" // the number texted STOP: nothing was sent
	StateOutbox      = "outbox"          // no Twilio account: the text is in the outbox records
)

// stateRank orders the states of progress; failures are not in it.
var stateRank = map[string]int{StatePending: 0, StateQueued: 1, StateSent: 2, StateOutbox: 2, StateDelivered: 3}

// failureRank orders the failures, the most telling first.
var failureRank = map[string]int{StateBlocked: 3, StateFailed: 2, StateUndelivered: 1}

// twilioState folds Twilio's message status into a delivery state.
func twilioState(status string) (string, bool) {
	switch strings.ToLower(status) {
	case "accepted", "scheduled", "queued", "sending":
		return StateQueued, true
	case "sent", "partially_delivered":
		return StateSent, true
	case "delivered", "read":
		return StateDelivered, true
	case "failed", "canceled":
		return StateFailed, true
	case "undelivered":
		return StateUndelivered, true
	}
	return "", false
}

// DeliveryState is the value of a KindDelivery record: how far one reply got.
// Segments and Encoding are what the citizen's phone receives (and what the
// agency pays for); Parts is how many texts the reply was split into.
type DeliveryState struct {
	State    string    `json:"state"`
	Detail   string    `json:"detail"`
	Segments int       `json:"segments"`
	Encoding Encoding  `json:"encoding,omitempty"`
	Parts    int       `json:"parts"`
	At       time.Time `json:"at"`
}

// OutboxText is the value of a KindOutbox record: a text that would have
// gone out.
type OutboxText struct {
	ConversationID string    `json:"conversationId"`
	MessageID      string    `json:"messageId"`
	To             string    `json:"to"`
	From           string    `json:"from,omitempty"`
	Body           string    `json:"body"`
	Part           int       `json:"part"`
	Parts          int       `json:"parts"`
	Segments       int       `json:"segments"`
	Encoding       Encoding  `json:"encoding"`
	At             time.Time `json:"at"`
}

type plan struct {
	Parts    int      `json:"parts"`
	Segments int      `json:"segments"`
	Encoding Encoding `json:"encoding,omitempty"`
}

type statusValue struct {
	Detail string    `json:"detail,omitempty"`
	SID    string    `json:"sid,omitempty"`
	At     time.Time `json:"at"`
}

type attempt struct {
	At      time.Time `json:"at"`
	Outcome string    `json:"outcome"` // pending (no answer yet) or refused (Twilio said no: nothing was created)
}

type sidClaim struct {
	ConversationID string `json:"conversationId"`
	MessageID      string `json:"messageId"`
	Part           int    `json:"part"`
}

// reply names one reply being delivered.
type reply struct {
	conv, msg string
}

func (r reply) key() string          { return r.conv + "/" + r.msg }
func (r reply) partKey(p int) string { return fmt.Sprintf("%s/%s/%03d", r.conv, r.msg, p) }
func (r reply) claim(p int) sidClaim {
	return sidClaim{ConversationID: r.conv, MessageID: r.msg, Part: p}
}
func jsonOf(v any) []byte { b, _ := json.Marshal(v); return b }
func notFoundOK(err error) error {
	return map[bool]error{true: nil, false: err}[civicdesk.IsNotFound(err)]
}
func isPermanent(err error) bool { return errors.Is(err, errPermanent) }
func record(kind, key string, v any) civicdesk.Record {
	return civicdesk.Record{Kind: kind, Key: key, Value: jsonOf(v), UpdatedAt: civicdesk.Now()}
}

// errPermanent marks a text Twilio refused for good: retrying cannot help.
var errPermanent = errors.New("refused by Twilio")

// deliver sends one reply recorded on CD_OUTBOUND.
func (c *Channel) deliver(ctx context.Context, d civicdesk.Delivery) error {
	var ev civicdesk.Event
	if err := json.Unmarshal(d.Data, &ev); err != nil || ev.Message == nil || ev.Conversation == nil ||
		ev.Message.ID == "" || ev.Conversation.ID == "" {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "undecodable outbound message at seq %d", d.Seq)
	}
	m, conv := *ev.Message, *ev.Conversation
	if m.Author.Kind != civicdesk.AuthorAgent && m.Author.Kind != civicdesk.AuthorBot {
		return nil // system notes are for the desk only
	}
	if conv.Channel != civicdesk.ChannelSMS {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, ackWait-30*time.Second)
	defer cancel()
	r := reply{conv: conv.ID, msg: m.ID}
	parts := Split(m.Text)
	pl := plan{Parts: len(parts), Encoding: EncodingOf(strings.Join(parts, ""))}
	for _, p := range parts {
		_, n := Segments(p)
		pl.Segments += n
	}
	if _, err := c.store.InsertRecord(ctx, record(kindPlan, r.key(), pl)); err != nil {
		return fmt.Errorf("sms: plan: %w", err)
	}
	if len(parts) == 0 {
		return c.mark(ctx, r, 0, StateFailed, "nothing to send: the reply has no text", "")
	}
	contact, err := c.store.GetContact(ctx, conv.ContactID)
	if err != nil && !civicdesk.IsNotFound(err) {
		return fmt.Errorf("sms: contact: %w", err)
	}
	to, ok := Normalize(contact.Phone)
	if !ok {
		return c.mark(ctx, r, 0, StateFailed, "the citizen has no phone number on file", "")
	}
	if opted, err := c.optedOut(ctx, to); err != nil {
		return err
	} else if opted {
		return c.mark(ctx, r, 0, StateBlocked, "the citizen texted STOP: nothing goes to this number until they text START", "")
	}
	if c.api == nil {
		return c.toOutbox(ctx, r, to, parts)
	}
	if err := c.refresh(ctx, r); err != nil { // pending, with the segment count
		return err
	}
	for i, body := range parts {
		err := c.sendWithRetries(ctx, r, i+1, to, body)
		switch {
		case err == nil:
		case isPermanent(err):
			return nil // recorded; the remaining parts would be refused too
		case time.Since(d.Time) > c.cfg.GiveUpAfter && ctx.Err() == nil:
			c.log.Error("giving up on a text", "conversation", r.conv, "message", r.msg, "part", i+1, "err", err)
			return c.mark(ctx, r, i+1, StateFailed, "Twilio could not be reached for "+c.cfg.GiveUpAfter.String()+"; the text was not sent", "")
		default:
			return err // JetStream redelivers it after a backoff
		}
	}
	return nil
}

// toOutbox keeps the texts of a reply as outbox records (no Twilio account).
func (c *Channel) toOutbox(ctx context.Context, r reply, to string, parts []string) error {
	for i, body := range parts {
		enc, n := Segments(body)
		v := OutboxText{ConversationID: r.conv, MessageID: r.msg, To: to, From: c.cfg.From, Body: body,
			Part: i + 1, Parts: len(parts), Segments: n, Encoding: enc, At: civicdesk.Now()}
		if _, err := c.store.InsertRecord(ctx, record(KindOutbox, r.partKey(i+1), v)); err != nil {
			return fmt.Errorf("sms: outbox: %w", err)
		}
		if err := c.mark(ctx, r, i+1, StateOutbox, "", ""); err != nil {
			return err
		}
	}
	c.log.Info("reply kept in the outbox (no Twilio account configured)", "conversation", r.conv, "message", r.msg, "parts", len(parts))
	return nil
}

// sendWithRetries sends one text, trying again on 429, 5xx and timeouts.
func (c *Channel) sendWithRetries(ctx context.Context, r reply, part int, to, body string) error {
	delay := c.cfg.Backoff
	for n := 1; ; n++ {
		err := c.sendPart(ctx, r, part, to, body)
		if err == nil || isPermanent(err) || n >= c.cfg.Attempts || ctx.Err() != nil {
			return err
		}
		wait := delay
		var ae *apiError
		if errors.As(err, &ae) && ae.RetryAfter > wait {
			wait = min(ae.RetryAfter, 10*time.Second)
		}
		c.log.Warn("text not sent yet, retrying", "conversation", r.conv, "message", r.msg, "part", part, "attempt", n, "err", err)
		if !sleep(ctx, wait) {
			return err
		}
		delay *= 2
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// sendPart sends one text of a reply at most once. A request that got no
// clear answer leaves a pending attempt; before sending again, Twilio's
// message list tells whether that request created the text after all.
func (c *Channel) sendPart(ctx context.Context, r reply, part int, to, body string) error {
	key := r.partKey(part)
	if _, err := c.store.GetRecord(ctx, kindSent, key); err == nil {
		return nil
	} else if !civicdesk.IsNotFound(err) {
		return fmt.Errorf("sms: sent: %w", err)
	}
	if rec, err := c.store.GetRecord(ctx, kindAttempt, key); err == nil {
		var a attempt
		_ = json.Unmarshal(rec.Value, &a)
		if a.Outcome == "pending" {
			if wait := c.cfg.ReconcileAfter - time.Since(a.At); wait > 0 && !sleep(ctx, wait) {
				return ctx.Err()
			}
			found, err := c.reconcile(ctx, r, part, to, body, a.At)
			if err != nil || found {
				return err
			}
		}
	} else if !civicdesk.IsNotFound(err) {
		return fmt.Errorf("sms: attempt: %w", err)
	}
	if err := c.store.PutRecord(ctx, record(kindAttempt, key, attempt{At: civicdesk.Now(), Outcome: "pending"})); err != nil {
		return fmt.Errorf("sms: attempt: %w", err)
	}
	form := url.Values{"To": {to}, "From": {c.cfg.From}, "Body": {body}, "StatusCallback": {c.callbackURL(r, part)}}
	res, err := c.api.send(ctx, form)
	if err == nil {
		return c.sent(ctx, r, part, res.SID, res.Status)
	}
	var ae *apiError
	if !errors.As(err, &ae) {
		return err // no answer: the attempt stays pending
	}
	if !ae.ambiguous() {
		if err := c.store.PutRecord(ctx, record(kindAttempt, key, attempt{At: civicdesk.Now(), Outcome: "refused"})); err != nil {
			return fmt.Errorf("sms: attempt: %w", err)
		}
	}
	if ae.retryable() {
		return err
	}
	if _, err := c.store.InsertRecord(ctx, record(kindSent, key, map[string]any{"refused": ae.Code, "at": civicdesk.Now()})); err != nil {
		return fmt.Errorf("sms: sent: %w", err)
	}
	if ae.Code == 21610 { // Twilio knows the number unsubscribed
		if err := c.optOut(ctx, to, "twilio", ""); err != nil {
			return err
		}
		if err := c.mark(ctx, r, part, StateBlocked, "the citizen unsubscribed (Twilio error 21610): nothing goes to this number until they text START", ""); err != nil {
			return err
		}
	} else if err := c.mark(ctx, r, part, StateFailed, refusal(ae), ""); err != nil {
		return err
	}
	c.log.Warn("Twilio refused a text", "conversation", r.conv, "message", r.msg, "part", part, "status", ae.HTTPStatus, "code", ae.Code)
	return fmt.Errorf("%w: %v", errPermanent, err)
}

// sent records that a text was created at Twilio as sid.
func (c *Channel) sent(ctx context.Context, r reply, part int, sid, status string) error {
	if sid != "" {
		if _, err := c.store.InsertRecord(ctx, record(kindSID, sid, r.claim(part))); err != nil {
			return fmt.Errorf("sms: sid: %w", err)
		}
	}
	if _, err := c.store.InsertRecord(ctx, record(kindSent, r.partKey(part), map[string]any{"sid": sid, "at": civicdesk.Now()})); err != nil {
		return fmt.Errorf("sms: sent: %w", err)
	}
	state, ok := twilioState(status)
	if !ok {
		state = StateQueued
	}
	return c.mark(ctx, r, part, state, "", sid)
}

// reconcile looks for the text in Twilio's recent messages to the number:
// the same body, created since the unanswered attempt, and not already
// another part's.
func (c *Channel) reconcile(ctx context.Context, r reply, part int, to, body string, since time.Time) (bool, error) {
	msgs, err := c.api.list(ctx, to, c.cfg.From)
	if err != nil {
		return false, err
	}
	for _, m := range msgs {
		if m.SID == "" || m.Body != body || !strings.HasPrefix(m.Direction, "outbound") {
			continue
		}
		if t, ok := m.created(); ok && t.Before(since.Add(-2*time.Minute)) {
			continue
		}
		claimed, err := c.store.InsertRecord(ctx, record(kindSID, m.SID, r.claim(part)))
		if err != nil {
			return false, fmt.Errorf("sms: sid: %w", err)
		}
		if !claimed {
			rec, err := c.store.GetRecord(ctx, kindSID, m.SID)
			if err != nil {
				return false, fmt.Errorf("sms: sid: %w", err)
			}
			var owner sidClaim
			if json.Unmarshal(rec.Value, &owner) != nil || owner != r.claim(part) {
				continue // another text with the same words
			}
		}
		c.log.Info("an unanswered request had created the text; not sending it again", "conversation", r.conv, "message", r.msg, "part", part)
		return true, c.sent(ctx, r, part, m.SID, m.Status)
	}
	return false, nil
}

func (c *Channel) callbackURL(r reply, part int) string {
	q := url.Values{"c": {r.conv}, "m": {r.msg}, "p": {strconv.Itoa(part)}}
	return c.base + "/api/v1/channels/sms/twilio/status?" + q.Encode()
}

// Twilio's error codes the caseworker most often meets.
var errorCodes = map[string]string{
	"21211": "the number is not a valid phone number",
	"21408": "texts to this region are not enabled on the account",
	"21610": "the citizen unsubscribed",
	"21612": "this number cannot be reached from the agency's number",
	"21614": "the number cannot receive texts",
	"30003": "the phone is unreachable (off or out of coverage)",
	"30004": "the text was blocked",
	"30005": "the number is unknown or no longer in service",
	"30006": "the number is a landline or cannot receive texts",
	"30007": "the carrier filtered the text",
	"30008": "the carrier reported an unknown error",
}

func refusal(ae *apiError) string {
	code := strconv.Itoa(ae.Code)
	if s, ok := errorCodes[code]; ok {
		return fmt.Sprintf("Twilio refused the text: %s (error %s)", s, code)
	}
	if ae.Message != "" {
		return fmt.Sprintf("Twilio refused the text: %s (error %s)", ae.Message, code)
	}
	return fmt.Sprintf("Twilio refused the text (HTTP %d, error %s)", ae.HTTPStatus, code)
}

// mark records that a part of a reply (0: the whole reply) reached state,
// and refreshes the reply's delivery record. States are insert-only records,
// so concurrent callbacks never overwrite each other.
func (c *Channel) mark(ctx context.Context, r reply, part int, state, detail, sid string) error {
	key := fmt.Sprintf("%s/%s", r.partKey(part), state)
	inserted, err := c.store.InsertRecord(ctx, record(kindStatus, key, statusValue{Detail: detail, SID: sid, At: civicdesk.Now()}))
	if err != nil {
		return fmt.Errorf("sms: status: %w", err)
	}
	if inserted && (state == StateFailed || state == StateUndelivered) {
		metrics.DeliveryFailures.WithLabelValues(string(civicdesk.ChannelSMS), state).Inc()
	}
	return c.refresh(ctx, r)
}

// refresh rewrites the delivery record of a reply from its states until it
// agrees with them: whoever writes last has read every state written
// before, so concurrent writers converge.
func (c *Channel) refresh(ctx context.Context, r reply) error {
	for range 4 {
		want, err := c.aggregate(ctx, r)
		if err != nil {
			return err
		}
		cur, err := c.store.GetRecord(ctx, KindDelivery, r.key())
		if err == nil && bytes.Equal(cur.Value, want) {
			return nil
		}
		if err := notFoundOK(err); err != nil {
			return fmt.Errorf("sms: delivery: %w", err)
		}
		if err := c.store.PutRecord(ctx, civicdesk.Record{Kind: KindDelivery, Key: r.key(), Value: want, UpdatedAt: civicdesk.Now()}); err != nil {
			return fmt.Errorf("sms: delivery: %w", err)
		}
	}
	return nil
}

// aggregate computes a reply's delivery state: its most telling failure if
// it has one, else the least advanced state of its parts.
func (c *Channel) aggregate(ctx context.Context, r reply) ([]byte, error) {
	var pl plan
	at := time.Time{}
	if rec, err := c.store.GetRecord(ctx, kindPlan, r.key()); err == nil {
		_ = json.Unmarshal(rec.Value, &pl)
		at = rec.UpdatedAt
	} else if err := notFoundOK(err); err != nil {
		return nil, fmt.Errorf("sms: plan: %w", err)
	}
	recs, err := c.store.ListRecords(ctx, kindStatus, r.key()+"/", 0)
	if err != nil {
		return nil, fmt.Errorf("sms: states: %w", err)
	}
	type reached struct {
		part          int
		state, detail string
	}
	best := map[int]reached{}
	var fail *reached
	maxPart := 0
	for _, rec := range recs {
		p, state, ok := strings.Cut(strings.TrimPrefix(rec.Key, r.key()+"/"), "/")
		part, err := strconv.Atoi(p)
		if !ok || err != nil {
			continue
		}
		var v statusValue
		_ = json.Unmarshal(rec.Value, &v)
		if v.At.After(at) {
			at = v.At
		}
		maxPart = max(maxPart, part)
		got := reached{part: part, state: state, detail: v.Detail}
		if fr, ok := failureRank[state]; ok {
			if fail == nil || fr > failureRank[fail.state] {
				fail = &got
			}
			continue
		}
		if cur, ok := best[part]; !ok || stateRank[state] > stateRank[cur.state] {
			best[part] = got
		}
	}
	parts := pl.Parts
	if parts == 0 {
		parts = maxPart
	}
	ds := DeliveryState{State: StatePending, Segments: pl.Segments, Encoding: pl.Encoding, Parts: parts, At: at}
	switch {
	case fail != nil:
		ds.State, ds.Detail = fail.state, fail.detail
		if parts > 1 && fail.part > 0 {
			ds.Detail = strings.TrimSuffix(fmt.Sprintf("text %d of %d: %s", fail.part, parts, fail.detail), ": ")
		}
	case parts > 0:
		states := make([]string, parts)
		for i := range parts {
			states[i] = StatePending
			if b, ok := best[i+1]; ok {
				states[i] = b.state
			}
		}
		ds.State = slices.MinFunc(states, func(a, b string) int { return stateRank[a] - stateRank[b] })
		if parts > 1 && slices.ContainsFunc(states, func(s string) bool { return s != ds.State }) {
			ds.Detail = fmt.Sprintf("%d texts: %s", parts, strings.Join(states, ", "))
		}
	}
	return jsonOf(ds), nil
}

// statusCallback takes Twilio's status callbacks for the texts it sends.
func (c *Channel) statusCallback(ctx echo.Context) error {
	if c.api == nil {
		return civicdesk.Errorf(civicdesk.CodeNotFound, "delivery status is taken only with a Twilio account configured")
	}
	params, err := c.readWebhook(ctx)
	if err != nil {
		return err
	}
	r := reply{conv: ctx.QueryParam("c"), msg: ctx.QueryParam("m")}
	part, err := strconv.Atoi(ctx.QueryParam("p"))
	if !idLike(r.conv) || !idLike(r.msg) || err != nil || part < 1 || part > 999 {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "the callback URL does not name a text (c, m, p)")
	}
	status := params.Get("MessageStatus")
	if status == "" {
		status = params.Get("SmsStatus")
	}
	state, ok := twilioState(status)
	if !ok {
		return ctx.NoContent(http.StatusOK) // receiving, received, or a status Twilio adds later
	}
	sid := strings.TrimSpace(params.Get("MessageSid"))
	detail := ""
	if code := strings.TrimSpace(params.Get("ErrorCode")); code != "" && code != "0" {
		detail = "error " + code
		if s, ok := errorCodes[code]; ok {
			detail = fmt.Sprintf("%s (error %s)", s, code)
		}
		if code == "21610" {
			if to, ok := Normalize(params.Get("To")); ok {
				if err := c.optOut(ctx.Request().Context(), to, "twilio", sid); err != nil {
					return err
				}
			}
			state = StateBlocked
		}
	}
	if err := c.mark(ctx.Request().Context(), r, part, state, detail, sid); err != nil {
		return err
	}
	return ctx.NoContent(http.StatusOK)
}

func idLike(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch == '_' || ch == '-') {
			return false
		}
	}
	return true
}
