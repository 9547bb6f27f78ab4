package agentdesk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/audit"
	"github.com/civicdesk/civicdesk/internal/auth"
	"github.com/civicdesk/civicdesk/internal/fanout"
	"github.com/civicdesk/civicdesk/internal/httpx"
	"github.com/civicdesk/civicdesk/internal/ratelimit"
	"github.com/labstack/echo/v4"
)

// Store is what the desk needs of the store.
type Store interface {
	GetAgent(ctx context.Context, id string) (civicdesk.Agent, error)
	GetAgentByEmail(ctx context.Context, email string) (civicdesk.Agent, error)
	ListAgents(ctx context.Context) ([]civicdesk.Agent, error)
	SetAgentStatus(ctx context.Context, id string, s civicdesk.AgentStatus) error
	PutToken(ctx context.Context, t civicdesk.Token) error
	GetToken(ctx context.Context, hash string) (civicdesk.Token, error)
	DeleteToken(ctx context.Context, hash string) error
	TouchToken(ctx context.Context, hash string, lastSeen time.Time) error
	DeleteTokensOf(ctx context.Context, kind civicdesk.TokenKind, subject string) (int, error)
	GetConversation(ctx context.Context, id string) (civicdesk.Conversation, error)
	PutConversation(ctx context.Context, c civicdesk.Conversation) error
	ListConversations(ctx context.Context, f civicdesk.ConversationFilter) ([]civicdesk.Conversation, error)
	ListMessages(ctx context.Context, convID string, afterSeq uint64, limit int) ([]civicdesk.Message, error)
	InsertNote(ctx context.Context, n civicdesk.Note) error
	ListNotes(ctx context.Context, convID string) ([]civicdesk.Note, error)
	GetContact(ctx context.Context, id string) (civicdesk.Contact, error)
	PutContact(ctx context.Context, c civicdesk.Contact) error
	DeleteRecord(ctx context.Context, kind, key string) error
	ListDepartments(ctx context.Context) ([]civicdesk.Department, error)
	PutAgent(ctx context.Context, a civicdesk.Agent) error
	PutDepartment(ctx context.Context, d civicdesk.Department) error
	DeleteConversationData(ctx context.Context, conversationID string) error
	audit.Store
}

// Bus is what the desk needs of NATS.
type Bus interface {
	Publish(ctx context.Context, subject string, data []byte, msgID string) (uint64, bool, error)
	PublishCore(subject string, data []byte) error
	Subscribe(subject string, handler func(subject string, data []byte)) (func(), error)
}

// Config of the desk.
type Config struct {
	// SessionTTL is a session's absolute lifetime (default 12 h).
	SessionTTL time.Duration
	// SessionIdle ends a session unused for this long (default 30 min;
	// negative: never).
	SessionIdle time.Duration
	// OIDC, when set, offers single sign-on (see oidc.go).
	OIDC *OIDCConfig
	// ServiceLevelTarget: a conversation answered within it counts toward
	// the service level.
	ServiceLevelTarget time.Duration
	// ServiceLevels are per-department targets and goals (routing's
	// configuration); departments without one use ServiceLevelTarget.
	ServiceLevels map[string]ServiceLevel
	// ServiceLevelsNow, when set, gives the service levels in force instead
	// of ServiceLevels (an admin may change them while running).
	ServiceLevelsNow func() map[string]ServiceLevel
	// SecureCookies marks the session cookie Secure (under HTTPS).
	SecureCookies bool
	RateLimit     bool
	Now           func() time.Time
	// Audit records sign-ins, views, transfers, closes and exports; nil
	// records nothing (tests of other parts).
	Audit Auditor
	// Purger removes erased conversations from the message streams.
	Purger Purger
	// RoutingSettings are the routing settings in force, shown read-only in
	// the admin API (they come from --routing-config).
	RoutingSettings any
	// Attachment fetches a stored email attachment by id; nil when there
	// is no email channel.
	Attachment func(ctx context.Context, id string) (conversationID, name, contentType string, data []byte, err error)
}

// Auditor records an audited action.
type Auditor interface {
	Record(ctx context.Context, actor, action, target string, detail map[string]string) error
}

// audit records an action of the current agent; failing to audit fails the
// request, so nothing audited happens unrecorded.
func (d *Desk) audit(c echo.Context, action, target string, detail map[string]string) error {
	if d.cfg.Audit == nil {
		return nil
	}
	actor := "anonymous"
	if a, ok := c.Get(agentKey).(civicdesk.Agent); ok {
		actor = a.ID
	}
	if detail == nil {
		detail = map[string]string{}
	}
	detail["ip"] = c.RealIP()
	return d.cfg.Audit.Record(c.Request().Context(), actor, action, target, detail)
}

// Desk serves the desk and supervisor APIs.
type Desk struct {
	cfg     Config
	store   Store
	bus     Bus
	log     *slog.Logger
	hub     *hub
	loginIP *ratelimit.Limiter
	locks   *lockout
	sso     *sso // nil without OIDC
	// sessions spares a request the store reads of its session and agent.
	sessions *sessionCache

	listener fanout.Listener
}

// SessionCookie is the name of the desk's session cookie.
const SessionCookie = "cd_session"

// New returns the desk.
func New(cfg Config, store Store, bus Bus, log *slog.Logger) (*Desk, error) {
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = 30 * time.Minute
	}
	if cfg.ServiceLevelTarget == 0 {
		cfg.ServiceLevelTarget = 60 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	d := &Desk{cfg: cfg, store: store, bus: bus, log: log.With("component", "agentdesk"), locks: newLockout(cfg.Now), sessions: newSessionCache()}
	if cfg.RateLimit {
		d.loginIP = ratelimit.New(0.5, 10)
	}
	d.hub = newHub(d.log)
	if cfg.OIDC != nil {
		sso, err := newSSO(*cfg.OIDC)
		if err != nil {
			return nil, err
		}
		d.sso = sso
	}
	return d, nil
}

// Run keeps the desk's fan-out subscribed until ctx is done.
func (d *Desk) Run(ctx context.Context) error {
	unsub, err := d.Listen()
	if err != nil {
		return err
	}
	defer unsub()
	<-ctx.Done()
	d.hub.closeAll()
	return nil
}

// Listen subscribes the desk's fan-out at once, so that a desk socket
// accepted from then on misses no event (and status times start from the
// first sign-in): the server calls it before it serves, and Run calls it
// (once) if nobody did. The returned func unsubscribes.
func (d *Desk) Listen() (func(), error) {
	return d.listener.Listen(d.bus, d.hub.dispatch, civicdesk.SubjectsConv, civicdesk.SubjectsAgent, "cd.typing.>", "cd.note.>")
}

// Register adds the desk and supervisor routes.
func (d *Desk) Register(e *echo.Echo) {
	g := e.Group("/api/v1/desk")
	g.POST("/login", d.login)
	g.POST("/logout", d.logout, d.staff)
	g.GET("/me", d.me, d.staff)
	g.PUT("/me/status", d.setStatus, d.staff)
	g.POST("/me/sessions/revoke", d.revokeMySessions, d.staff)
	g.GET("/departments", d.departments, d.staff)
	g.GET("/conversations", d.listConversations, d.staff)
	g.GET("/conversations/:id", d.getConversation, d.staff)
	g.POST("/conversations/:id/messages", d.reply, d.staff)
	g.POST("/conversations/:id/notes", d.addNote, d.staff)
	g.POST("/conversations/:id/accept", d.accept, d.staff)
	g.POST("/conversations/:id/decline", d.decline, d.staff)
	g.POST("/conversations/:id/transfer", d.transfer, d.staff)
	g.POST("/conversations/:id/close", d.closeConversation, d.staff)
	g.POST("/conversations/:id/typing", d.typing, d.staff)
	g.GET("/ws", d.websocket, d.staff)
	g.GET("/contacts/:id/history", d.contactHistory, d.staff)
	g.PUT("/contacts/:id", d.editContact, d.staff)
	g.POST("/contacts/:id/merge", d.mergeContact, d.staff)
	g.GET("/canned", d.listCanned, d.staff)
	if d.cfg.Attachment != nil {
		e.GET("/api/v1/channels/email/attachments/:id", d.attachment, d.staff)
	}

	d.registerAdmin(e)
	d.registerIdentity(e)
	s := e.Group("/api/v1/supervisor", d.staff, d.supervisorOnly)
	s.GET("/queues", d.queues)
	s.GET("/agents", d.agents)
	s.POST("/conversations/:id/assign", d.assign)
	s.GET("/audit", d.auditTrail)
	s.GET("/stats", d.stats)
	s.GET("/stats/history", d.history)
	s.GET("/conversations", d.listAll)
	s.GET("/export/conversations", d.exportConversations)
	s.PUT("/canned", d.putCanned)
	s.DELETE("/canned/:id", d.deleteCanned)
}

const agentKey = "cd.agent"

func current(c echo.Context) civicdesk.Agent { return c.Get(agentKey).(civicdesk.Agent) }

// staff authenticates a session: bearer header, ?token= (sockets) or cookie;
// or an integration's API token (bearer header only, see apitokens.go).
func (d *Desk) staff(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		secret := httpx.Bearer(c.Request())
		if strings.HasPrefix(secret, APITokenPrefix) {
			return d.apiTokenAuth(c, secret, next)
		}
		if secret == "" {
			secret = httpx.SocketToken(c.Request())
		}
		if secret == "" {
			if ck, err := c.Cookie(SessionCookie); err == nil {
				secret = ck.Value
				if err := sameOrigin(c.Request()); err != nil {
					return err
				}
			}
		}
		if secret == "" || len(secret) > 200 {
			return httpx.ErrUnauthenticated
		}
		ctx := c.Request().Context()
		hash, now := auth.HashToken(secret), d.cfg.Now()
		cs, ok := d.sessions.get(hash, now)
		if !ok {
			t, err := d.store.GetToken(ctx, hash)
			if err != nil || t.Kind != civicdesk.TokenSession {
				if err != nil && !civicdesk.IsNotFound(err) {
					return err
				}
				return httpx.ErrUnauthenticated
			}
			a, err := d.store.GetAgent(ctx, t.SubjectID)
			if err != nil || a.Disabled {
				if err != nil && !civicdesk.IsNotFound(err) {
					return err
				}
				return httpx.ErrUnauthenticated
			}
			cs = cachedSession{token: t, agent: a, checked: now}
			d.sessions.put(hash, cs)
		}
		t, a := cs.token, cs.agent
		if !now.Before(t.ExpiresAt) {
			d.sessions.drop(hash)
			return httpx.ErrUnauthenticated
		}
		if err := d.checkIdle(ctx, t); err != nil {
			return err
		}
		c.Set(agentKey, a)
		c.Set("cd.session", t.Hash)
		return next(c)
	}
}

func (d *Desk) supervisorOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if r := current(c).Role; r != civicdesk.RoleSupervisor && r != civicdesk.RoleAdmin {
			return civicdesk.Errorf(civicdesk.CodeForbidden, "only supervisors may do this")
		}
		return next(c)
	}
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (d *Desk) login(c echo.Context) error {
	if ok, wait := d.loginIP.Take(c.RealIP()); !ok {
		return httpx.RateLimited(c, wait, "too many sign-in attempts; wait a minute")
	}
	var req loginRequest
	if err := httpx.Bind(c, &req, 4<<10); err != nil {
		return err
	}
	// Locked by email, whether or not the account exists: the answer must
	// not tell which emails are staff.
	if wait := d.locks.locked(req.Email); wait > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return civicdesk.Errorf(civicdesk.CodeRateLimited, "too many failed sign-ins; try again in %d minutes", int(wait.Minutes())+1)
	}
	ctx := c.Request().Context()
	a, err := d.store.GetAgentByEmail(ctx, strings.TrimSpace(req.Email))
	if err != nil && !civicdesk.IsNotFound(err) {
		return err
	}
	// Same time and answer for an unknown email and a wrong password.
	if !auth.CheckPassword(a.PasswordHash, req.Password) || a.Disabled || err != nil {
		target := a.ID
		if target == "" {
			target = "unknown account"
		}
		d.locks.fail(req.Email)
		if aerr := d.audit(c, "signin_failed", target, nil); aerr != nil {
			return aerr
		}
		return civicdesk.Errorf(civicdesk.CodeUnauthenticated, "wrong email or password")
	}
	d.locks.reset(req.Email)
	secret, a, err := d.startSession(c, a, "password")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token": secret, "agent": a})
}

func (d *Desk) logout(c echo.Context) error {
	ctx := c.Request().Context()
	hash := c.Get("cd.session").(string)
	d.sessions.drop(hash)
	if err := d.store.DeleteToken(ctx, hash); err != nil {
		return err
	}
	if err := d.changeStatus(ctx, current(c).ID, civicdesk.StatusOffline); err != nil {
		return err
	}
	if err := d.audit(c, "signout", current(c).ID, nil); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: d.cfg.SecureCookies})
	return c.JSON(http.StatusOK, map[string]any{"signedOut": true})
}

func (d *Desk) me(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"agent": current(c)})
}

type statusRequest struct {
	Status civicdesk.AgentStatus `json:"status"`
}

func (d *Desk) setStatus(c echo.Context) error {
	var req statusRequest
	if err := httpx.Bind(c, &req, 1<<10); err != nil {
		return err
	}
	if !req.Status.Valid() {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "status must be available, away or offline")
	}
	if err := d.changeStatus(c.Request().Context(), current(c).ID, req.Status); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"status": req.Status})
}

// changeStatus records presence and tells routing.
func (d *Desk) changeStatus(ctx context.Context, agentID string, s civicdesk.AgentStatus) error {
	if err := d.store.SetAgentStatus(ctx, agentID, s); err != nil {
		return err
	}
	data, err := json.Marshal(civicdesk.Event{Type: "agent.status", AgentID: agentID, Status: s, At: civicdesk.Now()})
	if err != nil {
		return fmt.Errorf("agentdesk: encode status: %w", err)
	}
	_, _, err = d.bus.Publish(ctx, civicdesk.AgentStatusSubject(agentID), data, "")
	return err
}

func (d *Desk) departments(c echo.Context) error {
	ds, err := d.store.ListDepartments(c.Request().Context())
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []civicdesk.Department{}
	}
	return c.JSON(http.StatusOK, map[string]any{"departments": ds})
}

func isSupervisor(a civicdesk.Agent) bool {
	return a.Role == civicdesk.RoleSupervisor || a.Role == civicdesk.RoleAdmin
}

// visible reports whether a may see conversation cv: its own, offered to
// it, or queued in (or widened by escalation to) one of its departments.
func visible(a civicdesk.Agent, cv civicdesk.Conversation) bool {
	return isSupervisor(a) || cv.AssignedAgentID == a.ID || cv.OfferedAgentID == a.ID ||
		(cv.DepartmentID != "" && a.InDepartment(cv.DepartmentID)) || slices.ContainsFunc(cv.WidenedTo, a.InDepartment)
}

// conversation loads a conversation the current agent may see; others are
// reported as not found, so their existence is not revealed.
func (d *Desk) conversation(c echo.Context) (civicdesk.Conversation, error) {
	id := c.Param("id")
	cv, err := d.store.GetConversation(c.Request().Context(), id)
	if err != nil {
		if civicdesk.IsNotFound(err) {
			return cv, civicdesk.Errorf(civicdesk.CodeNotFound, "no such conversation")
		}
		return cv, err
	}
	if !visible(current(c), cv) {
		return cv, civicdesk.Errorf(civicdesk.CodeNotFound, "no such conversation")
	}
	return cv, nil
}

func (d *Desk) listConversations(c echo.Context) error {
	a := current(c)
	ctx := c.Request().Context()
	var f civicdesk.ConversationFilter
	switch st := c.QueryParam("state"); st {
	case "", "assigned":
		f.States = []civicdesk.ConversationState{civicdesk.StateAssigned}
		f.AgentID = a.ID
	case "queued":
		f.States = []civicdesk.ConversationState{civicdesk.StateQueued}
		if !isSupervisor(a) {
			f.DepartmentIDs = a.Departments
		}
	case "closed":
		f.States = []civicdesk.ConversationState{civicdesk.StateClosed}
		if !isSupervisor(a) {
			f.AgentID = a.ID
		}
	default:
		return civicdesk.Errorf(civicdesk.CodeInvalid, "state must be assigned, queued or closed")
	}
	if f.States[0] == civicdesk.StateQueued && !isSupervisor(a) && len(a.Departments) == 0 {
		return c.JSON(http.StatusOK, map[string]any{"conversations": []civicdesk.Conversation{}})
	}
	if f.States[0] == civicdesk.StateClosed {
		f.Limit = 0
	}
	cs, err := d.store.ListConversations(ctx, f)
	if err != nil {
		return err
	}
	if f.States[0] == civicdesk.StateClosed && len(cs) > 200 {
		cs = cs[len(cs)-200:]
	}
	return d.conversationList(c, cs)
}

// conversationList answers with cs, each showing the citizen's latest words.
func (d *Desk) conversationList(c echo.Context, cs []civicdesk.Conversation) error {
	for i := range cs {
		if last, err := d.lastCitizenMessage(c.Request().Context(), cs[i].ID); err == nil && last != "" {
			cs[i].LastMessage = last
		}
	}
	if cs == nil {
		cs = []civicdesk.Conversation{}
	}
	return c.JSON(http.StatusOK, map[string]any{"conversations": cs})
}

func (d *Desk) lastCitizenMessage(ctx context.Context, convID string) (string, error) {
	ms, err := d.store.ListMessages(ctx, convID, 0, 0)
	if err != nil {
		return "", err
	}
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Author.Kind == civicdesk.AuthorCitizen {
			return preview(ms[i].Text), nil
		}
	}
	return "", nil
}

func preview(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 140 {
		return string(r[:140]) + "…"
	}
	return s
}

func (d *Desk) getConversation(c echo.Context) error {
	cv, err := d.conversation(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ms, err := d.store.ListMessages(ctx, cv.ID, 0, 0)
	if err != nil {
		return err
	}
	notes, err := d.store.ListNotes(ctx, cv.ID)
	if err != nil {
		return err
	}
	contact, err := d.store.GetContact(ctx, cv.ContactID)
	if err != nil && !civicdesk.IsNotFound(err) {
		return err
	}
	if ms == nil {
		ms = []civicdesk.Message{}
	}
	if notes == nil {
		notes = []civicdesk.Note{}
	}
	if err := d.audit(c, "view", cv.ID, nil); err != nil {
		return err
	}
	deliveries, err := d.deliveries(ctx, cv.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"conversation": cv, "messages": ms, "notes": notes, "contact": contact, "deliveries": deliveries})
}

type replyRequest struct {
	ClientMessageID string `json:"clientMessageId"`
	Text            string `json:"text"`
}

func checkText(text string, maxRunes int) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", civicdesk.Errorf(civicdesk.CodeInvalid, "text is empty")
	}
	if !utf8.ValidString(text) {
		return "", civicdesk.Errorf(civicdesk.CodeInvalid, "text is not valid UTF-8")
	}
	if utf8.RuneCountInString(text) > maxRunes {
		return "", civicdesk.Errorf(civicdesk.CodeTooLarge, "text is longer than %d characters", maxRunes)
	}
	return text, nil
}

func (d *Desk) reply(c echo.Context) error {
	var req replyRequest
	if err := httpx.Bind(c, &req, 64<<10); err != nil {
		return err
	}
	cmid := strings.TrimSpace(req.ClientMessageID)
	if cmid == "" || len(cmid) > 128 {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "clientMessageId is required (a UUID, at most 128 characters)")
	}
	text, err := checkText(req.Text, 4000)
	if err != nil {
		return err
	}
	cv, err := d.conversation(c)
	if err != nil {
		return err
	}
	if cv.State == civicdesk.StateClosed {
		return civicdesk.Errorf(civicdesk.CodeConflict, "the conversation is closed")
	}
	a := current(c)
	sum := sha256.Sum256([]byte("agent\x00" + a.ID + "\x00" + cmid))
	m := civicdesk.Message{ID: "msg_" + hex.EncodeToString(sum[:12]), ConversationID: cv.ID, ContactID: cv.ContactID,
		Author: civicdesk.Author{Kind: civicdesk.AuthorAgent, Name: a.Name, ID: a.ID}, Text: text, CreatedAt: civicdesk.Now(),
		Channel: cv.Channel, ClientMessageID: cmid}
	data, err := json.Marshal(civicdesk.InboundMessage{Message: m})
	if err != nil {
		return fmt.Errorf("agentdesk: encode reply: %w", err)
	}
	if _, _, err := d.bus.Publish(c.Request().Context(), civicdesk.InboundSubject(civicdesk.SourceAgent, cv.ID), data, "agent:"+a.ID+":"+cmid); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"messageId": m.ID})
}

type noteRequest struct {
	Text string `json:"text"`
}

func (d *Desk) addNote(c echo.Context) error {
	var req noteRequest
	if err := httpx.Bind(c, &req, 64<<10); err != nil {
		return err
	}
	text, err := checkText(req.Text, 4000)
	if err != nil {
		return err
	}
	cv, err := d.conversation(c)
	if err != nil {
		return err
	}
	n := civicdesk.Note{ID: civicdesk.NewID("nt"), ConversationID: cv.ID, AgentID: current(c).ID, Text: text, CreatedAt: civicdesk.Now()}
	if err := d.store.InsertNote(c.Request().Context(), n); err != nil {
		return err
	}
	// Other desks viewing the conversation see the note live; the widget's
	// fan-out passes only message and conversation.* events, never notes.
	if data, err := json.Marshal(civicdesk.Event{Type: "note", Note: &n, Conversation: &cv, At: n.CreatedAt}); err == nil {
		_ = d.bus.PublishCore(civicdesk.NoteSubject(cv.ID), data)
	}
	return c.JSON(http.StatusCreated, map[string]any{"note": n})
}

// requestTransfer asks routing to move a conversation and waits until the
// store shows done(conversation), so the caller's next read sees it.
func (d *Desk) requestTransfer(c echo.Context, cv civicdesk.Conversation, ev civicdesk.Event, done func(civicdesk.Conversation) bool) error {
	ctx := c.Request().Context()
	ev.Type, ev.Conversation, ev.At = "conversation.transfer", &cv, civicdesk.Now()
	data, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("agentdesk: encode transfer: %w", err)
	}
	if _, _, err := d.bus.Publish(ctx, civicdesk.ConvSubject(civicdesk.VerbTransfer, cv.ID), data, ""); err != nil {
		return err
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		got, err := d.store.GetConversation(ctx, cv.ID)
		if err != nil {
			return err
		}
		if done(got) {
			return c.JSON(http.StatusOK, map[string]any{"conversation": got})
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return civicdesk.Errorf(civicdesk.CodeUnavailable, "routing did not confirm in time; refresh to see the conversation's state")
}

func (d *Desk) accept(c echo.Context) error {
	cv, err := d.conversation(c)
	if err != nil {
		return err
	}
	a := current(c)
	if cv.State == civicdesk.StateAssigned && cv.AssignedAgentID == a.ID {
		return c.JSON(http.StatusOK, map[string]any{"conversation": cv})
	}
	if cv.State != civicdesk.StateQueued {
		return civicdesk.Errorf(civicdesk.CodeConflict, "the conversation is %s, not waiting", cv.State)
	}
	if err := d.audit(c, "accept", cv.ID, nil); err != nil {
		return err
	}
	return d.requestTransfer(c, cv, civicdesk.Event{AgentID: a.ID, Reason: civicdesk.ReasonAccepted}, func(got civicdesk.Conversation) bool {
		return got.State == civicdesk.StateAssigned && got.AssignedAgentID == a.ID
	})
}

// decline turns down an offer; routing offers the conversation to the next
// caseworker.
func (d *Desk) decline(c echo.Context) error {
	cv, err := d.conversation(c)
	if err != nil {
		return err
	}
	a := current(c)
	if cv.State != civicdesk.StateQueued || cv.OfferedAgentID != a.ID {
		return civicdesk.Errorf(civicdesk.CodeConflict, "the conversation is not offered to you")
	}
	return d.requestTransfer(c, cv, civicdesk.Event{AgentID: a.ID, Reason: civicdesk.ReasonDeclined}, func(got civicdesk.Conversation) bool {
		return got.OfferedAgentID != a.ID
	})
}

type transferRequest struct {
	DepartmentID string `json:"departmentId"`
	AgentID      string `json:"agentId"`
	Note         string `json:"note"`
}

func (d *Desk) transfer(c echo.Context) error {
	var req transferRequest
	if err := httpx.Bind(c, &req, 8<<10); err != nil {
		return err
	}
	if (req.DepartmentID == "") == (req.AgentID == "") {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "give either departmentId or agentId")
	}
	cv, err := d.conversation(c)
	if err != nil {
		return err
	}
	if cv.State == civicdesk.StateClosed {
		return civicdesk.Errorf(civicdesk.CodeConflict, "the conversation is closed")
	}
	return d.moveTo(c, cv, req.DepartmentID, req.AgentID, req.Note, "transfer")
}

func (d *Desk) moveTo(c echo.Context, cv civicdesk.Conversation, deptID, agentID, note, reason string) error {
	ctx := c.Request().Context()
	if deptID != "" {
		ds, err := d.store.ListDepartments(ctx)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(ds, func(x civicdesk.Department) bool { return x.ID == deptID }) {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "no department %q", deptID)
		}
	}
	if agentID != "" {
		ag, err := d.store.GetAgent(ctx, agentID)
		if err != nil || ag.Disabled {
			if err == nil || civicdesk.IsNotFound(err) {
				return civicdesk.Errorf(civicdesk.CodeInvalid, "no agent %q", agentID)
			}
			return err
		}
	}
	if note = strings.TrimSpace(note); note != "" {
		if _, err := checkText(note, 4000); err != nil {
			return err
		}
		if err := d.store.InsertNote(ctx, civicdesk.Note{ID: civicdesk.NewID("nt"), ConversationID: cv.ID, AgentID: current(c).ID, Text: note, CreatedAt: civicdesk.Now()}); err != nil {
			return err
		}
	}
	if err := d.audit(c, strings.ReplaceAll(reason, " ", "_"), cv.ID, map[string]string{"departmentId": deptID, "agentId": agentID}); err != nil {
		return err
	}
	before := cv.UpdatedAt
	return d.requestTransfer(c, cv, civicdesk.Event{AgentID: agentID, DepartmentID: deptID, Reason: reason}, func(got civicdesk.Conversation) bool {
		if agentID != "" {
			return got.State == civicdesk.StateAssigned && got.AssignedAgentID == agentID
		}
		return got.DepartmentID == deptID && got.UpdatedAt.After(before)
	})
}

type closeRequest struct {
	Disposition string `json:"disposition"`
}

func (d *Desk) closeConversation(c echo.Context) error {
	var req closeRequest
	if c.Request().ContentLength != 0 {
		if err := httpx.Bind(c, &req, 4<<10); err != nil {
			return err
		}
	}
	if len(req.Disposition) > 100 {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "disposition is longer than 100 characters")
	}
	cv, err := d.conversation(c)
	if err != nil {
		return err
	}
	if cv.State == civicdesk.StateClosed {
		return c.JSON(http.StatusOK, map[string]any{"conversation": cv})
	}
	if err := d.audit(c, "close", cv.ID, map[string]string{"disposition": strings.TrimSpace(req.Disposition)}); err != nil {
		return err
	}
	now := civicdesk.Now()
	cv.State, cv.ClosedAt, cv.UpdatedAt, cv.Disposition = civicdesk.StateClosed, &now, now, strings.TrimSpace(req.Disposition)
	ctx := c.Request().Context()
	if err := d.publishClosed(ctx, cv); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"conversation": cv})
}

type typingRequest struct {
	Typing bool `json:"typing"`
}

func (d *Desk) typing(c echo.Context) error {
	var req typingRequest
	if err := httpx.Bind(c, &req, 1<<10); err != nil {
		return err
	}
	cv, err := d.conversation(c)
	if err != nil {
		return err
	}
	a := current(c)
	data, _ := json.Marshal(civicdesk.TypingEvent(cv, civicdesk.Author{Kind: civicdesk.AuthorAgent, Name: a.Name, ID: a.ID}, req.Typing))
	_ = d.bus.PublishCore(civicdesk.TypingSubject(cv.ID), data)
	return c.NoContent(http.StatusNoContent)
}

// sameOrigin refuses a cookie-authenticated change sent from another origin
// (CSRF); SameSite=Strict cookies already stop most, this stops the rest.
func sameOrigin(r *http.Request) error {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
		return nil
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		origin = r.Header.Get("Referer")
	}
	if origin == "" {
		return nil // not a browser: no ambient cookie attack
	}
	u, err := url.Parse(origin)
	if err != nil || !strings.EqualFold(u.Host, r.Host) {
		return civicdesk.Errorf(civicdesk.CodeForbidden, "cross-site request refused")
	}
	return nil
}

// lockout counts failed sign-ins per email: five within 15 minutes lock the
// email for 15 minutes.
type lockout struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*failures
}

type failures struct {
	count       int
	first, till time.Time
}

const (
	lockAfter  = 5
	lockWindow = 15 * time.Minute
)

func newLockout(now func() time.Time) *lockout {
	if now == nil {
		now = time.Now
	}
	return &lockout{now: now, m: map[string]*failures{}}
}

func lockKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

func (l *lockout) locked(email string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f := l.m[lockKey(email)]; f != nil {
		if wait := f.till.Sub(l.now()); wait > 0 {
			return wait
		}
	}
	return 0
}

func (l *lockout) fail(email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.m) > 100000 {
		clear(l.m) // bounded memory under a spray of random emails
	}
	k := lockKey(email)
	f := l.m[k]
	if f == nil || now.Sub(f.first) > lockWindow {
		f = &failures{first: now}
		l.m[k] = f
	}
	f.count++
	if f.count >= lockAfter {
		f.till = now.Add(lockWindow)
	}
}

func (l *lockout) reset(email string) {
	l.mu.Lock()
	delete(l.m, lockKey(email))
	l.mu.Unlock()
}

// attachment serves a stored attachment to an agent who may see its
// conversation, always as a download so the browser never renders it.
func (d *Desk) attachment(c echo.Context) error {
	convID, name, contentType, data, err := d.cfg.Attachment(c.Request().Context(), c.Param("id"))
	if err != nil {
		if civicdesk.IsNotFound(err) {
			return civicdesk.Errorf(civicdesk.CodeNotFound, "no such attachment")
		}
		return err
	}
	cv, err := d.store.GetConversation(c.Request().Context(), convID)
	if err != nil || !visible(current(c), cv) {
		return civicdesk.Errorf(civicdesk.CodeNotFound, "no such attachment")
	}
	if err := d.audit(c, "view_attachment", convID, map[string]string{"attachment": c.Param("id")}); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	return c.Blob(http.StatusOK, contentType, data)
}

// SupervisorOnly returns the middleware that admits signed-in supervisors
// and admins, for admin routes that other packages serve.
func (d *Desk) SupervisorOnly() []echo.MiddlewareFunc {
	return []echo.MiddlewareFunc{d.staff, d.supervisorOnly}
}

// ActorOf names the signed-in staff member of a request, for audit entries
// written by other packages.
func ActorOf(c echo.Context) string {
	if a, ok := c.Get(agentKey).(civicdesk.Agent); ok {
		return a.ID
	}
	return "anonymous"
}

// publishClosed saves cv closed and tells routing and the sockets.
func (d *Desk) publishClosed(ctx context.Context, cv civicdesk.Conversation) error {
	if err := d.store.PutConversation(ctx, cv); err != nil {
		return err
	}
	data, err := json.Marshal(civicdesk.Event{Type: "conversation.closed", Conversation: &cv, At: cv.UpdatedAt})
	if err != nil {
		return fmt.Errorf("agentdesk: encode close: %w", err)
	}
	_, _, err = d.bus.Publish(ctx, civicdesk.ConvSubject(civicdesk.VerbClosed, cv.ID), data, "closed:"+cv.ID)
	return err
}
