package webchat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/channels"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/labstack/echo/v4"
)

// Availability tells the widget whether a caseworker can answer now.
type Availability struct {
	// Status is "open" (a caseworker is available), "closed" (outside
	// opening hours) or "unavailable" (open, but no caseworker available).
	Status string `json:"status"`
	// OpensAt is when the office next opens, when it is closed.
	OpensAt *time.Time `json:"opensAt,omitempty"`
}

// MarshalJSON writes opensAt as the API writes times.
func (a Availability) MarshalJSON() ([]byte, error) {
	type plain Availability
	return json.Marshal(struct {
		plain
		OpensAt *civicdesk.JSONTime `json:"opensAt,omitempty"`
	}{plain(a), (*civicdesk.JSONTime)(a.OpensAt)})
}

// Availability states.
const (
	AvailOpen        = "open"
	AvailClosed      = "closed"
	AvailUnavailable = "unavailable"
)

// availCache keeps the answer a few seconds: every widget asks when it opens.
type availCache struct {
	mu  sync.Mutex
	at  time.Time
	val Availability
}

const availFor = 3 * time.Second

func (c *Channel) currentAvailability(ctx context.Context) (Availability, error) {
	if c.cfg.Availability == nil {
		return Availability{Status: AvailOpen}, nil
	}
	c.avail.mu.Lock()
	defer c.avail.mu.Unlock()
	if !c.avail.at.IsZero() && time.Since(c.avail.at) < availFor {
		return c.avail.val, nil
	}
	a, err := c.cfg.Availability(ctx)
	if err != nil {
		return Availability{}, err
	}
	c.avail.at, c.avail.val = time.Now(), a
	return a, nil
}

// availability answers GET /api/v1/widget/availability. It needs no token:
// the widget asks before the citizen has written anything.
func (c *Channel) availability(ctx echo.Context) error {
	if ok, wait := c.perIP.Take(ctx.RealIP()); !ok {
		return httpx.RateLimited(ctx, wait, "too many requests from this address; wait a moment")
	}
	a, err := c.currentAvailability(ctx.Request().Context())
	if err != nil {
		return err
	}
	ctx.Response().Header().Set("Cache-Control", "no-store")
	return ctx.JSON(http.StatusOK, a)
}

type leaveRequest struct {
	ClientMessageID string `json:"clientMessageId"`
	Text            string `json:"text"`
	Email           string `json:"email"`
	Phone           string `json:"phone"`
}

type leaveAccepted struct {
	MessageID      string            `json:"messageId"`
	ConversationID string            `json:"conversationId"`
	Channel        civicdesk.Channel `json:"channel"`
}

// normalizePhone accepts a phone number written with spaces, dashes, dots
// or parentheses and returns it in E.164 form; ten digits without a country
// code are taken as a North American number.
func normalizePhone(s string) (string, bool) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	n := b.String()
	if !strings.HasPrefix(n, "+") {
		if len(n) == 10 {
			n = "+1" + n
		} else if len(n) == 11 && n[0] == '1' {
			n = "+" + n
		} else {
			return "", false
		}
	}
	digits := len(n) - 1
	return n, digits >= 8 && digits <= 15 && n[1] != '0'
}

// leaveMessage takes a message left for a caseworker when no one can answer
// in the chat, with an email address or phone number for the answer. It
// opens a conversation on that channel (email when an address is given,
// else SMS) queued for a caseworker, skipping the bot: the caseworker sees
// it on the desk and their reply goes out by email or text.
func (c *Channel) leaveMessage(ctx echo.Context) error {
	contactID := ctx.Get(contactKey).(string)
	rctx := ctx.Request().Context()
	var req leaveRequest
	if err := httpx.Bind(ctx, &req, 64<<10); err != nil {
		return err
	}
	text, cmid := strings.TrimSpace(req.Text), strings.TrimSpace(req.ClientMessageID)
	email, phone := strings.TrimSpace(req.Email), strings.TrimSpace(req.Phone)
	switch {
	case cmid == "" || len(cmid) > 128:
		return civicdesk.Errorf(civicdesk.CodeInvalid, "clientMessageId is required (a UUID, at most 128 characters)")
	case text == "":
		return civicdesk.Errorf(civicdesk.CodeInvalid, "text is empty")
	case !utf8.ValidString(text):
		return civicdesk.Errorf(civicdesk.CodeInvalid, "text is not valid UTF-8")
	case utf8.RuneCountInString(text) > c.cfg.MaxText:
		return civicdesk.Errorf(civicdesk.CodeTooLarge, "text is longer than %d characters", c.cfg.MaxText)
	case email == "" && phone == "":
		return civicdesk.Errorf(civicdesk.CodeInvalid, "an email address or a phone number is required for the answer")
	}
	if email != "" {
		a, err := mail.ParseAddress(email)
		if err != nil || len(email) > 254 || a.Name != "" || !strings.Contains(a.Address[strings.LastIndex(a.Address, "@")+1:], ".") {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "email is not an email address")
		}
		email = a.Address
	}
	if phone != "" {
		p, ok := normalizePhone(phone)
		if !ok {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "phone is not a phone number (such as +1 555 123 4567)")
		}
		phone = p
	}
	ch := civicdesk.ChannelEmail
	if email == "" {
		ch = civicdesk.ChannelSMS
	}
	// The visitor's own contact takes the details for the answer; an
	// unverified address never joins it to another contact.
	contact, err := c.store.GetContact(rctx, contactID)
	if err != nil {
		return err
	}
	if email != "" {
		contact.Email = email
	}
	if phone != "" {
		contact.Phone = phone
	}
	if err := c.store.PutContact(rctx, contact); err != nil {
		return err
	}
	now := civicdesk.Now()
	conv, created, err := c.store.OpenConversation(rctx, civicdesk.Conversation{ID: civicdesk.NewID("cv"), ContactID: contactID, Channel: ch,
		State: civicdesk.StateQueued, Priority: civicdesk.UrgencyNormal.Priority(), QueuedAt: &now, CreatedAt: now, UpdatedAt: now,
		LastMessage: preview(text)})
	if err != nil {
		return err
	}
	if !created && conv.State == civicdesk.StateBot {
		// An open conversation on that channel with the bot: a person takes
		// it from here.
		conv.State, conv.QueuedAt, conv.UpdatedAt = civicdesk.StateQueued, &now, now
		if err := c.store.PutConversation(rctx, conv); err != nil {
			return err
		}
	}
	id := channels.MessageID(string(ch), contactID, "leave:"+cmid)
	m := civicdesk.Message{ID: id, ConversationID: conv.ID, ContactID: contactID, Author: civicdesk.Author{Kind: civicdesk.AuthorCitizen},
		Text: text, CreatedAt: now, Channel: ch, ClientMessageID: cmid}
	dup, err := channels.Accept(rctx, c.bus, string(civicdesk.ChannelWebchat), m, "webchat-leave:"+contactID+":"+cmid)
	if err != nil {
		return err
	}
	if dup {
		if orig, err := c.store.GetMessage(rctx, id); err == nil && orig.ContactID == contactID {
			conv.ID = orig.ConversationID
		}
	}
	// Routing queues it (once: the dedupe id) for the fallback department.
	data, err := json.Marshal(civicdesk.Event{Type: "conversation.handoff", Conversation: &conv, At: now})
	if err != nil {
		return fmt.Errorf("webchat: encode handoff: %w", err)
	}
	if _, _, err := c.bus.Publish(rctx, civicdesk.ConvSubject(civicdesk.VerbHandoff, conv.ID), data, "handoff:"+conv.ID); err != nil {
		return err
	}
	return ctx.JSON(http.StatusAccepted, leaveAccepted{MessageID: id, ConversationID: conv.ID, Channel: ch})
}

func preview(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 140 {
		return string(r[:140]) + "…"
	}
	return s
}

// nameCache keeps caseworkers' display names for a minute.
type nameCache struct {
	store Store
	mu    sync.Mutex
	m     map[string]cachedName
}

type cachedName struct {
	name string
	at   time.Time
}

func newNameCache(store Store) *nameCache {
	return &nameCache{store: store, m: map[string]cachedName{}}
}

func (nc *nameCache) name(id string) string {
	nc.mu.Lock()
	e, ok := nc.m[id]
	nc.mu.Unlock()
	if ok && time.Since(e.at) < time.Minute {
		return e.name
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	a, err := nc.store.GetAgent(ctx, id)
	if err != nil {
		return ""
	}
	nc.mu.Lock()
	if len(nc.m) > 10000 {
		clear(nc.m)
	}
	nc.m[id] = cachedName{name: a.Name, at: time.Now()}
	nc.mu.Unlock()
	return a.Name
}

// SetAvailability sets Config.Availability (before Register).
func (c *Channel) SetAvailability(f func(ctx context.Context) (Availability, error)) {
	c.cfg.Availability = f
}
