package webchat

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/channels"
	"github.com/civicdesk/civicdesk/internal/auth"
	"github.com/civicdesk/civicdesk/internal/fanout"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/civicdesk/civicdesk/internal/ratelimit"
	"github.com/labstack/echo/v4"
)

// Store is what the widget channel needs of the store.
type Store interface {
	CreateContact(ctx context.Context, c civicdesk.Contact) error
	PutToken(ctx context.Context, t civicdesk.Token) error
	GetToken(ctx context.Context, hash string) (civicdesk.Token, error)
	OpenConversation(ctx context.Context, cand civicdesk.Conversation) (civicdesk.Conversation, bool, error)
	GetConversation(ctx context.Context, id string) (civicdesk.Conversation, error)
	PutConversation(ctx context.Context, c civicdesk.Conversation) error
	ListConversations(ctx context.Context, f civicdesk.ConversationFilter) ([]civicdesk.Conversation, error)
	GetMessage(ctx context.Context, id string) (civicdesk.Message, error)
	ListMessages(ctx context.Context, convID string, afterSeq uint64, limit int) ([]civicdesk.Message, error)
	GetContact(ctx context.Context, id string) (civicdesk.Contact, error)
	PutContact(ctx context.Context, c civicdesk.Contact) error
	GetAgent(ctx context.Context, id string) (civicdesk.Agent, error)
}

// Bus is what the widget channel needs of NATS.
type Bus interface {
	channels.Bus
	PublishCore(subject string, data []byte) error
	Subscribe(subject string, handler func(subject string, data []byte)) (func(), error)
}

// Config of the widget channel.
type Config struct {
	// TokenTTL is how long a visitor token lives after its last use.
	TokenTTL time.Duration
	// MaxText is the longest message in characters.
	MaxText int
	// RateLimit switches per-visitor and per-IP limits on.
	RateLimit bool
	// AllowedOrigins are the agency sites that may embed the widget (for
	// CORS and the socket's origin check); empty allows any site, as the
	// widget's credentials are bearer tokens, never cookies.
	AllowedOrigins []string
	// Availability says whether caseworkers answer now; when they do not,
	// the widget offers to leave a message. nil: always open.
	Availability func(ctx context.Context) (Availability, error)
}

// Channel serves the widget API.
type Channel struct {
	listener fanout.Listener

	cfg    Config
	store  Store
	bus    Bus
	log    *slog.Logger
	hub    *hub
	tokens *tokenCache

	perVisitor *ratelimit.Limiter
	perIP      *ratelimit.Limiter
	// transcripts per address: each mails the citizen's text from the
	// agency's address to whatever address was given, unverified.
	transcripts *ratelimit.Limiter
	convLocks   sync.Map // contact id → *sync.Mutex: one open per contact at a time
	convs       *convCache
	avail       availCache
	names       *nameCache
}

// New returns the widget channel. Call Run to start its fan-out.
func New(cfg Config, store Store, bus Bus, log *slog.Logger) (*Channel, error) {
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 30 * 24 * time.Hour
	}
	if cfg.MaxText == 0 {
		cfg.MaxText = 4000
	}
	c := &Channel{cfg: cfg, store: store, bus: bus, log: log.With("component", "webchat"),
		tokens: newTokenCache(store, cfg.TokenTTL)}
	if cfg.RateLimit {
		c.perVisitor = ratelimit.New(5, 20)
		c.perIP = ratelimit.New(2, 30)
		c.transcripts = ratelimit.New(1.0/60, 10)
	}
	c.hub = newHub(c.log)
	c.names = newNameCache(store)
	c.hub.agentName = c.names.name
	c.convs = newConvCache(time.Minute)
	c.hub.closed = func(contactID, convID string, ch civicdesk.Channel) {
		if ch == civicdesk.ChannelWebchat {
			c.convs.forget(contactID, convID)
		}
	}
	return c, nil
}

// Run subscribes the fan-out to conversation events until ctx is done.
func (c *Channel) Run(ctx context.Context) error {
	unsub, err := c.Listen()
	if err != nil {
		return err
	}
	defer unsub()
	<-ctx.Done()
	c.hub.closeAll()
	return nil
}

// Listen subscribes the sockets' fan-out at once, so that a socket accepted
// from then on misses no event: the server calls it before it serves, and
// Run calls it (once) if nobody did. The returned func unsubscribes.
func (c *Channel) Listen() (func(), error) {
	return c.listener.Listen(c.bus, c.hub.dispatch, civicdesk.SubjectsConv, "cd.typing.>")
}

// Register adds the widget routes under /api/v1/widget.
func (c *Channel) Register(e *echo.Echo) {
	e.GET("/contact", c.contactGet)
	e.POST("/contact", c.contactPost)
	g := e.Group("/api/v1/widget", c.cors)
	g.OPTIONS("/*", func(ctx echo.Context) error { return ctx.NoContent(http.StatusNoContent) })
	g.POST("/sessions", c.createSession)
	g.GET("/availability", c.availability)
	g.POST("/leave-message", c.leaveMessage, c.visitor)
	g.POST("/messages", c.postMessage, c.visitor)
	g.GET("/messages", c.getMessages, c.visitor)
	g.POST("/conversation/close", c.closeConversation, c.visitor)
	g.POST("/conversation/rating", c.rate, c.visitor)
	g.POST("/typing", c.typing, c.visitor)
	g.GET("/ws", c.websocket, c.visitor)
}

const contactKey = "cd.contact"

// visitor authenticates the bearer token (header, or ?token= for sockets).
func (c *Channel) visitor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(ctx echo.Context) error {
		secret := httpx.Bearer(ctx.Request())
		if secret == "" {
			secret = httpx.SocketToken(ctx.Request())
		}
		if secret == "" {
			return httpx.ErrUnauthenticated
		}
		contactID, ok := c.tokens.lookup(ctx.Request().Context(), secret)
		if !ok {
			return httpx.ErrUnauthenticated
		}
		if ok, wait := c.perVisitor.Take(contactID); !ok {
			return httpx.RateLimited(ctx, wait, "too many requests; wait a moment and try again")
		}
		ctx.Set(contactKey, contactID)
		return next(ctx)
	}
}

type sessionRequest struct {
	Name    string `json:"name"`
	Email   string `json:"email"`
	Phone   string `json:"phone"`
	Locale  string `json:"locale"`
	PageURL string `json:"pageUrl"`
}

func (c *Channel) createSession(ctx echo.Context) error {
	if ok, wait := c.perIP.Take(ctx.RealIP()); !ok {
		return httpx.RateLimited(ctx, wait, "too many new sessions from this address; wait a moment")
	}
	var req sessionRequest
	if ctx.Request().ContentLength != 0 { // every field is optional, and so is the body
		if err := httpx.Bind(ctx, &req, 8<<10); err != nil {
			return err
		}
	}
	for field, v := range map[string]string{"name": req.Name, "email": req.Email, "phone": req.Phone, "locale": req.Locale, "pageUrl": req.PageURL} {
		if utf8.RuneCountInString(v) > 500 {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "%s is longer than 500 characters", field)
		}
	}
	if req.Email != "" && !strings.Contains(req.Email, "@") {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "email is not an email address")
	}
	secret, contactID, err := c.newVisitor(ctx.Request().Context(), civicdesk.Contact{Name: strings.TrimSpace(req.Name), Email: strings.TrimSpace(req.Email),
		Phone: strings.TrimSpace(req.Phone), Locale: strings.TrimSpace(req.Locale)})
	if err != nil {
		return err
	}
	return ctx.JSON(http.StatusCreated, map[string]string{"visitorToken": secret, "contactId": contactID})
}

// newVisitor creates a contact and its visitor token. Unverified details
// never merge into an existing contact: every session is a new contact.
func (c *Channel) newVisitor(ctx context.Context, contact civicdesk.Contact) (secret, contactID string, err error) {
	contact.ID, contact.CreatedAt = civicdesk.NewID("ct"), civicdesk.Now()
	if err := c.store.CreateContact(ctx, contact); err != nil {
		return "", "", err
	}
	secret, hash := auth.NewToken()
	if err := c.store.PutToken(ctx, civicdesk.Token{Hash: hash, Kind: civicdesk.TokenVisitor, SubjectID: contact.ID,
		ExpiresAt: time.Now().Add(c.cfg.TokenTTL).UTC().Truncate(time.Millisecond)}); err != nil {
		return "", "", err
	}
	return secret, contact.ID, nil
}

type messageRequest struct {
	ClientMessageID string `json:"clientMessageId"`
	Text            string `json:"text"`
	SocketID        string `json:"socketId,omitempty"` // see noecho.go
}

type messageAccepted struct {
	MessageID      string `json:"messageId"`
	ConversationID string `json:"conversationId"`
	// With a socketId: where the message stands, since that socket gets
	// no echo of it.
	Seq       uint64              `json:"seq,omitempty"`
	CreatedAt *civicdesk.JSONTime `json:"createdAt,omitempty"` // as the API writes times
}

// appendJSON appends a as encoding/json (and echo's JSON, with its final
// newline) would write it, byte for byte, without the reflection and the
// dozen allocations that costs on every message accepted. It reports false,
// appending nothing, for what it does not write the same way: a string
// needing escapes (ids are ASCII letters, digits, '_' and '-') or a time
// MarshalJSON refuses.
func (a messageAccepted) appendJSON(b []byte) ([]byte, bool) {
	if !plainJSONString(a.MessageID) || !plainJSONString(a.ConversationID) {
		return b, false
	}
	n := len(b)
	b = append(b, `{"messageId":"`...)
	b = append(b, a.MessageID...)
	b = append(b, `","conversationId":"`...)
	b = append(b, a.ConversationID...)
	b = append(b, '"')
	if a.Seq != 0 {
		b = append(b, `,"seq":`...)
		b = strconv.AppendUint(b, a.Seq, 10)
	}
	if a.CreatedAt != nil {
		b = append(b, `,"createdAt":"`...)
		var err error
		if b, err = a.CreatedAt.AppendText(b); err != nil { // as MarshalJSON: digits and "-:.TZ"
			return b[:n], false
		}
		b = append(b, '"')
	}
	return append(b, "}\n"...), true
}

// plainJSONString reports whether encoding/json writes s between quotes
// as it is: printable ASCII without the characters it escapes.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

func (c *Channel) postMessage(ctx echo.Context) error {
	contactID := ctx.Get(contactKey).(string)
	var req messageRequest
	if err := httpx.Bind(ctx, &req, 64<<10); err != nil {
		return err
	}
	if req.SocketID != "" && !validSocketID(req.SocketID) {
		return socketIDError("socketId")
	}
	acc, err := c.accept(ctx.Request().Context(), contactID, req.ClientMessageID, req.Text, req.SocketID)
	if err != nil {
		return err
	}
	if ctx.Request().URL.RawQuery == "" { // else perhaps ?pretty, which echo's JSON honours
		var buf [192]byte
		if body, ok := acc.appendJSON(buf[:0]); ok {
			return ctx.JSONBlob(http.StatusAccepted, body)
		}
	}
	return ctx.JSON(http.StatusAccepted, acc)
}

// accept validates a citizen's message and returns once JetStream has it.
// With socketID, that socket is not sent the message's echo (noecho.go).
func (c *Channel) accept(rctx context.Context, contactID, cmid, text, socketID string) (messageAccepted, error) {
	cmid, text, err := c.checkMessage(cmid, text)
	if err != nil {
		return messageAccepted{}, err
	}
	id := channels.MessageID(string(civicdesk.ChannelWebchat), contactID, cmid)
	convID, open := c.convs.get(contactID)
	if !open {
		// Before opening a conversation (the cache knows none open): a retry
		// of a message stored before, whose conversation has closed since,
		// gets its answer again and opens nothing.
		if orig, err := c.store.GetMessage(rctx, id); err == nil && orig.ContactID == contactID {
			return messageAccepted{MessageID: id, ConversationID: orig.ConversationID}, nil
		} else if err != nil && !civicdesk.IsNotFound(err) {
			return messageAccepted{}, err
		}
		if convID, err = c.openConversation(rctx, contactID); err != nil {
			return messageAccepted{}, err
		}
	}
	m := civicdesk.Message{ID: id, ConversationID: convID, ContactID: contactID, Author: civicdesk.Author{Kind: civicdesk.AuthorCitizen},
		Text: text, CreatedAt: civicdesk.Now(), Channel: civicdesk.ChannelWebchat, ClientMessageID: cmid}
	// JetStream dedupes on the clientMessageId (Nats-Msg-Id): a retry stores
	// nothing new, and only then is the store asked for the original answer.
	// A retry after natsbus.InboundDedupeWindow is published again and the
	// recorder, finding the id stored, stores nothing either.
	seq, dup, err := channels.AcceptSeq(rctx, c.bus, string(civicdesk.ChannelWebchat), m, "webchat:"+contactID+":"+cmid)
	if err != nil {
		return messageAccepted{}, err
	}
	if socketID != "" && !dup {
		c.hub.noEcho.note(id, socketID, seq, time.Now())
		return messageAccepted{MessageID: id, ConversationID: convID, Seq: seq, CreatedAt: (*civicdesk.JSONTime)(&m.CreatedAt)}, nil
	}
	if dup {
		if orig, err := c.store.GetMessage(rctx, id); err == nil && orig.ContactID == contactID {
			convID = orig.ConversationID
		} else if err != nil && !civicdesk.IsNotFound(err) {
			return messageAccepted{}, err
		} // not recorded yet: it went to the conversation open now
	}
	return messageAccepted{MessageID: id, ConversationID: convID}, nil
}

// checkMessage returns a citizen's message id and text trimmed, or why
// they cannot be taken.
func (c *Channel) checkMessage(cmid, text string) (string, string, error) {
	text = strings.TrimSpace(text)
	cmid = strings.TrimSpace(cmid)
	if cmid == "" || len(cmid) > 128 {
		return "", "", civicdesk.Errorf(civicdesk.CodeInvalid, "clientMessageId is required (a UUID, at most 128 characters)")
	}
	if text == "" {
		return "", "", civicdesk.Errorf(civicdesk.CodeInvalid, "text is empty")
	}
	if !utf8.ValidString(text) {
		return "", "", civicdesk.Errorf(civicdesk.CodeInvalid, "text is not valid UTF-8")
	}
	if utf8.RuneCountInString(text) > c.cfg.MaxText {
		return "", "", civicdesk.Errorf(civicdesk.CodeTooLarge, "text is longer than %d characters", c.cfg.MaxText)
	}
	return cmid, text, nil
}

// openConversation returns the id of the contact's open widget conversation,
// opening one if needed. The id is cached: a conversation stays open until a
// conversation.closed event (from any replica) or this channel's own close
// drops it from the cache, and an entry lives at most a minute besides
// (half a minute to a minute: see spread).
func (c *Channel) openConversation(ctx context.Context, contactID string) (string, error) {
	if id, ok := c.convs.get(contactID); ok {
		return id, nil
	}
	mu, _ := c.convLocks.LoadOrStore(contactID, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	gen := c.convs.generation()
	now := civicdesk.Now()
	conv, _, err := c.store.OpenConversation(ctx, civicdesk.Conversation{ID: civicdesk.NewID("cv"), ContactID: contactID,
		Channel: civicdesk.ChannelWebchat, State: civicdesk.StateBot, Priority: civicdesk.UrgencyNormal.Priority(), CreatedAt: now, UpdatedAt: now})
	if err != nil {
		return "", err
	}
	c.convs.put(contactID, conv.ID, gen)
	return conv.ID, nil
}

// convCache maps a contact to its open widget conversation. put after a
// store read is dropped when a close was seen since the read began (the
// generation moved), so a close racing with the read cannot be cached over.
type convCache struct {
	ttl time.Duration
	mu  sync.Mutex
	gen uint64
	m   map[string]cachedConv
}

type cachedConv struct {
	id      string
	expires time.Time
}

func newConvCache(ttl time.Duration) *convCache {
	return &convCache{ttl: ttl, m: map[string]cachedConv{}}
}

func (cc *convCache) get(contactID string) (string, bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	e, ok := cc.m[contactID]
	if !ok || time.Now().After(e.expires) {
		return "", false
	}
	return e.id, true
}

func (cc *convCache) generation() uint64 {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.gen
}

func (cc *convCache) put(contactID, convID string, gen uint64) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if gen != cc.gen {
		return
	}
	if len(cc.m) >= 200000 {
		clear(cc.m)
	}
	cc.m[contactID] = cachedConv{id: convID, expires: time.Now().Add(spread(cc.ttl))}
}

// forget drops the contact's entry if it names convID (or always, when
// convID is "").
func (cc *convCache) forget(contactID, convID string) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.gen++
	if e, ok := cc.m[contactID]; ok && (convID == "" || e.id == convID) {
		delete(cc.m, contactID)
	}
}

// currentConversation is the visitor's open conversation, else its latest.
func (c *Channel) currentConversation(ctx context.Context, contactID string) (*civicdesk.Conversation, error) {
	cs, err := c.store.ListConversations(ctx, civicdesk.ConversationFilter{ContactID: contactID})
	if err != nil {
		return nil, err
	}
	var cur *civicdesk.Conversation
	for i := range cs {
		if cs[i].Channel != civicdesk.ChannelWebchat {
			continue
		}
		if cur == nil || cs[i].State != civicdesk.StateClosed || cur.State == civicdesk.StateClosed {
			cur = &cs[i]
		}
	}
	return cur, nil
}

// afterSeq resolves an `after` message id of this visitor to its sequence.
func (c *Channel) afterSeq(ctx context.Context, contactID, after string) (uint64, error) {
	if after == "" {
		return 0, nil
	}
	m, err := c.store.GetMessage(ctx, after)
	if err != nil || m.ContactID != contactID {
		if err == nil || civicdesk.IsNotFound(err) {
			return 0, civicdesk.Errorf(civicdesk.CodeInvalid, "after names no message of this conversation")
		}
		return 0, err
	}
	return m.Seq, nil
}

type messagesResponse struct {
	ConversationID *string `json:"conversationId"`
	State          *string `json:"state"`
	// AgentName is the assigned caseworker's display name (an extension).
	AgentName string `json:"agentName,omitempty"`
	// Position and EstimatedWaitSeconds are the waiting conversation's last
	// announced place in the queue (an extension), for a widget that
	// connected after conversation.queued went out.
	Position             int                 `json:"position,omitempty"`
	EstimatedWaitSeconds int                 `json:"estimatedWaitSeconds,omitempty"`
	Messages             []civicdesk.Message `json:"messages"`
}

func (c *Channel) getMessages(ctx echo.Context) error {
	contactID := ctx.Get(contactKey).(string)
	rctx := ctx.Request().Context()
	seq, err := c.afterSeq(rctx, contactID, ctx.QueryParam("after"))
	if err != nil {
		return err
	}
	resp := messagesResponse{Messages: []civicdesk.Message{}}
	conv, err := c.currentConversation(rctx, contactID)
	if err != nil {
		return err
	}
	if conv != nil {
		state := string(conv.State)
		resp.ConversationID, resp.State = &conv.ID, &state
		if conv.State == civicdesk.StateAssigned && conv.AssignedAgentID != "" {
			resp.AgentName = c.names.name(conv.AssignedAgentID)
		}
		if p, ok := c.hub.place(conv.ID); ok && conv.State == civicdesk.StateQueued {
			resp.Position, resp.EstimatedWaitSeconds = p.Position, p.EstimatedWaitSeconds
		}
		ms, err := c.store.ListMessages(rctx, conv.ID, seq, 0)
		if err != nil {
			return err
		}
		for i := range ms {
			resp.Messages = append(resp.Messages, *citizenMessage(&ms[i]))
		}
	}
	return ctx.JSON(http.StatusOK, resp)
}

type closeRequest struct {
	// TranscriptEmail, when set, asks for the conversation's transcript by
	// email.
	TranscriptEmail string `json:"transcriptEmail"`
}

func (c *Channel) closeConversation(ctx echo.Context) error {
	contactID := ctx.Get(contactKey).(string)
	rctx := ctx.Request().Context()
	var req closeRequest
	if ctx.Request().ContentLength != 0 {
		if err := httpx.Bind(ctx, &req, 2<<10); err != nil {
			return err
		}
	}
	req.TranscriptEmail = strings.TrimSpace(req.TranscriptEmail)
	if req.TranscriptEmail != "" {
		if _, err := mail.ParseAddress(req.TranscriptEmail); err != nil || len(req.TranscriptEmail) > 254 {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "transcriptEmail is not an email address")
		}
		if ok, wait := c.transcripts.Take(ctx.RealIP()); !ok {
			return httpx.RateLimited(ctx, wait, "too many transcripts asked for from this address; wait a few minutes")
		}
	}
	conv, err := c.currentConversation(rctx, contactID)
	if err != nil {
		return err
	}
	if conv == nil {
		return civicdesk.Errorf(civicdesk.CodeNotFound, "there is no conversation to close")
	}
	if conv.State != civicdesk.StateClosed {
		now := civicdesk.Now()
		conv.State, conv.ClosedAt, conv.UpdatedAt = civicdesk.StateClosed, &now, now
		if conv.Disposition == "" {
			conv.Disposition = "closed_by_citizen"
		}
		if err := c.store.PutConversation(rctx, *conv); err != nil {
			return err
		}
		c.convs.forget(contactID, conv.ID)
		if err := c.publishConv(rctx, civicdesk.VerbClosed, *conv); err != nil {
			return err
		}
	}
	if req.TranscriptEmail != "" {
		// The email channel mails it (once per conversation).
		slim := civicdesk.Conversation{ID: conv.ID, ContactID: conv.ContactID, Channel: conv.Channel, State: conv.State}
		data, err := json.Marshal(civicdesk.Event{Type: "conversation.transcript", Conversation: &slim, Reason: req.TranscriptEmail, At: civicdesk.Now()})
		if err != nil {
			return fmt.Errorf("webchat: encode transcript request: %w", err)
		}
		if _, _, err := c.bus.Publish(rctx, civicdesk.ConvSubject("transcript", conv.ID), data, "transcript:"+conv.ID); err != nil {
			return err
		}
	}
	return ctx.JSON(http.StatusOK, map[string]any{"conversationId": conv.ID, "state": conv.State, "transcriptRequested": req.TranscriptEmail != ""})
}

func (c *Channel) publishConv(ctx context.Context, verb string, conv civicdesk.Conversation) error {
	data, err := json.Marshal(civicdesk.Event{Type: civicdesk.EventTypeOf(verb), Conversation: &conv, At: civicdesk.Now()})
	if err != nil {
		return fmt.Errorf("webchat: encode event: %w", err)
	}
	_, _, err = c.bus.Publish(ctx, civicdesk.ConvSubject(verb, conv.ID), data, verb+":"+conv.ID)
	return err
}

type ratingRequest struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

func (c *Channel) rate(ctx echo.Context) error {
	contactID := ctx.Get(contactKey).(string)
	var req ratingRequest
	if err := httpx.Bind(ctx, &req, 8<<10); err != nil {
		return err
	}
	if req.Score < 1 || req.Score > 5 {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "score must be 1 to 5")
	}
	if utf8.RuneCountInString(req.Comment) > 2000 {
		return civicdesk.Errorf(civicdesk.CodeTooLarge, "comment is longer than 2000 characters")
	}
	rctx := ctx.Request().Context()
	conv, err := c.currentConversation(rctx, contactID)
	if err != nil {
		return err
	}
	if conv == nil {
		return civicdesk.Errorf(civicdesk.CodeNotFound, "there is no conversation to rate")
	}
	conv.Rating, conv.RatingComment, conv.UpdatedAt = req.Score, strings.TrimSpace(req.Comment), civicdesk.Now()
	if err := c.store.PutConversation(rctx, *conv); err != nil {
		return err
	}
	data, err := json.Marshal(civicdesk.Event{Type: "conversation.rated", Conversation: conv, At: conv.UpdatedAt})
	if err != nil {
		return fmt.Errorf("webchat: encode rating: %w", err)
	}
	if _, _, err := c.bus.Publish(rctx, civicdesk.ConvSubject(civicdesk.VerbRated, conv.ID), data, ""); err != nil {
		return err
	}
	return ctx.JSON(http.StatusOK, map[string]any{"conversationId": conv.ID, "score": req.Score})
}

type typingRequest struct {
	Typing bool `json:"typing"`
}

// typing relays the citizen's typing indicator to the desk (core NATS only).
func (c *Channel) typing(ctx echo.Context) error {
	contactID := ctx.Get(contactKey).(string)
	var req typingRequest
	if err := httpx.Bind(ctx, &req, 1<<10); err != nil {
		return err
	}
	conv, err := c.currentConversation(ctx.Request().Context(), contactID)
	if err != nil {
		return err
	}
	if conv == nil || conv.State == civicdesk.StateClosed {
		return ctx.NoContent(http.StatusNoContent)
	}
	publishTyping(c.bus, *conv, civicdesk.Author{Kind: civicdesk.AuthorCitizen}, req.Typing)
	return ctx.NoContent(http.StatusNoContent)
}

func publishTyping(bus Bus, conv civicdesk.Conversation, who civicdesk.Author, typing bool) {
	data, _ := json.Marshal(civicdesk.TypingEvent(conv, who, typing))
	_ = bus.PublishCore(civicdesk.TypingSubject(conv.ID), data)
}

// tokenCache keeps recent token lookups in memory so that a request costs no
// store read; it extends a token's expiry at most once a day.
type tokenCache struct {
	store Store
	ttl   time.Duration
	mu    sync.Mutex
	m     map[string]cachedToken
}

type cachedToken struct {
	contactID string
	expires   time.Time // the token's
	recheck   time.Time // when to read the token from the store again
}

// tokenRecheck is about how often a cached token is read again from the
// store, so that one revoked or erased elsewhere stops working here.
const tokenRecheck = time.Minute

// spread returns a lifetime for a cache entry made now: between half of d
// and d, at random. Visitors arrive together (a page that goes live, a
// campaign, a restart that reconnects every widget at once); if their
// entries all lasted d, they would all be read again from the store in the
// same second, a minute later and every minute after. Under load that
// burst of reads stalled every send for a second or two (docs/benchmarks.md).
func spread(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}

func newTokenCache(store Store, ttl time.Duration) *tokenCache {
	return &tokenCache{store: store, ttl: ttl, m: map[string]cachedToken{}}
}

func (tc *tokenCache) lookup(ctx context.Context, secret string) (string, bool) {
	if len(secret) > 200 {
		return "", false
	}
	hash := auth.HashToken(secret)
	now := time.Now()
	tc.mu.Lock()
	ct, ok := tc.m[hash]
	tc.mu.Unlock()
	if ok && now.Before(ct.expires) && now.Before(ct.recheck) {
		return ct.contactID, true
	}
	t, err := tc.store.GetToken(ctx, hash)
	if err != nil || t.Kind != civicdesk.TokenVisitor || !now.Before(t.ExpiresAt) {
		tc.mu.Lock()
		delete(tc.m, hash)
		tc.mu.Unlock()
		return "", false
	}
	if t.ExpiresAt.Sub(now) < tc.ttl-24*time.Hour {
		t.ExpiresAt = now.Add(tc.ttl).UTC().Truncate(time.Millisecond)
		_ = tc.store.PutToken(ctx, t)
	}
	tc.mu.Lock()
	if len(tc.m) > 200000 {
		clear(tc.m)
	}
	tc.m[hash] = cachedToken{contactID: t.SubjectID, expires: t.ExpiresAt, recheck: now.Add(spread(tokenRecheck))}
	tc.mu.Unlock()
	return t.SubjectID, true
}

// originAllowed reports whether a host page's origin may use the widget API.
func (c *Channel) originAllowed(origin string) bool {
	if len(c.cfg.AllowedOrigins) == 0 {
		return true
	}
	for _, o := range c.cfg.AllowedOrigins {
		if strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}

// cors answers the widget's cross-origin calls from allowed agency sites;
// a call from another site is refused before it does anything.
func (c *Channel) cors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(ctx echo.Context) error {
		origin := ctx.Request().Header.Get("Origin")
		if origin == "" || origin == "null" {
			return next(ctx)
		}
		if u, err := url.Parse(origin); err == nil && strings.EqualFold(u.Host, ctx.Request().Host) {
			return next(ctx) // CivicDesk's own pages
		}
		if !c.originAllowed(origin) {
			return civicdesk.Errorf(civicdesk.CodeForbidden, "this site may not embed the widget")
		}
		h := ctx.Response().Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		if ctx.Request().Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", "600")
		}
		return next(ctx)
	}
}
