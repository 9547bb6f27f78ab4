package webchat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/metrics"
	"github.com/civicdesk/civicdesk/internal/readiness"
	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"
)

// A widget socket mostly waits: a citizen reads a few events a minute, and
// the widget sends nothing (it posts over HTTP). So an idle socket costs no
// goroutine: package readiness says when it has something to read (the
// close, a reset), and only then does a goroutine read it with
// coder/websocket. Small I/O buffers and a timer remain; a writer goroutine
// exists only while events are being written, and the HTTP handler returns
// once the socket is set up.
//
// The keep-alive is a "keepalive" event rather than a ping: a ping's pong
// would need a reader waiting for it. The event keeps proxies from timing
// the socket out, and with TCP_USER_TIMEOUT the kernel drops a peer that
// stopped acknowledging it.
var keepAliveEvery = 30 * time.Second // a variable for tests

const (
	deadPeer     = 40 * time.Second // unacknowledged this long: gone
	writeTimeout = 10 * time.Second
	maxQueued    = 256 // events waiting for a socket that cannot keep up; then it is closed
	// The widget sends nothing but control frames. An event is written
	// through the write buffer: one that fits (a message event, about 400
	// bytes) costs one write system call, a larger one two.
	readBufferSize = 128
	writeBufSize   = 512
)

// frame is one event ready to send: its bytes, and its message id ("" for
// other events) so that a resumed socket skips what its replay sent.
type frame struct {
	data []byte
	id   string
}

// client is one visitor socket.
type client struct {
	contactID string
	socketID  string // the widget's name for it, if it gave one (noecho.go)

	mu      sync.Mutex
	conn    *websocket.Conn // nil until the upgrade is done
	queue   []frame
	writing bool // a writer runs, or the history is being replayed
	// replayed holds the ids of the messages the resume replay sent, until
	// the first keep-alive: their live events, racing the replay, are
	// skipped. Skipping by id rather than by sequence lets a message stored
	// late with an earlier sequence (held by a replica that died) through.
	replayed map[string]struct{}
	closed   bool
	ping     *time.Timer
	// release unregisters the socket (hub, readiness watch) once stopped.
	release func()
}

// enqueue queues f and starts a writer if none runs. It reports false when
// the socket has too much waiting: the caller closes it (the client resumes).
func (cl *client) enqueue(f frame) bool {
	cl.mu.Lock()
	if cl.closed {
		cl.mu.Unlock()
		return true
	}
	if len(cl.queue) >= maxQueued {
		cl.mu.Unlock()
		return false
	}
	cl.queue = append(cl.queue, f)
	start := !cl.writing
	cl.writing = true
	cl.mu.Unlock()
	if start {
		go cl.flush()
	}
	return true
}

// flush writes what is queued until the queue is empty, then ends.
func (cl *client) flush() {
	for {
		cl.mu.Lock()
		if cl.closed || len(cl.queue) == 0 {
			cl.writing = false
			cl.queue = nil // an idle socket keeps no buffer
			cl.mu.Unlock()
			return
		}
		batch, conn := cl.queue, cl.conn
		cl.queue = nil
		for i, f := range batch {
			if _, sent := cl.replayed[f.id]; sent && f.id != "" {
				batch[i].data = nil // sent from the history already
			}
		}
		cl.mu.Unlock()
		for _, f := range batch {
			if f.data == nil {
				continue
			}
			if err := write(context.Background(), conn, f.data); err != nil {
				cl.stop(false)
				return
			}
		}
	}
}

// resume ends the history replay, which sent the messages in replayed:
// live events follow.
func (cl *client) resume(replayed map[string]struct{}) {
	cl.mu.Lock()
	cl.replayed = replayed
	start := len(cl.queue) > 0 && !cl.closed
	cl.writing = start
	if !cl.closed {
		// The first after half the period to a whole one, at random:
		// sockets opened together (every widget reconnecting after a
		// restart, or a load test's) would otherwise send theirs in the
		// same moment every 30 s, thousands of writes at once.
		cl.ping = time.AfterFunc(spread(keepAliveEvery), cl.keepAlive)
	}
	cl.mu.Unlock()
	if start {
		go cl.flush()
	}
}

// keepAliveFrame is sent every keepAliveEvery on an otherwise quiet socket.
var keepAliveFrame = []byte(`{"type":"keepalive"}`)

// keepAlive sends the keep-alive event; a socket that cannot take it is
// closed (the client resumes).
func (cl *client) keepAlive() {
	cl.mu.Lock()
	closed := cl.closed
	cl.replayed = nil // the replay's live echoes are long past
	cl.mu.Unlock()
	if closed {
		return
	}
	if !cl.enqueue(frame{data: keepAliveFrame}) {
		cl.stop(false)
		return
	}
	cl.mu.Lock()
	if !cl.closed {
		cl.ping.Reset(keepAliveEvery)
	}
	cl.mu.Unlock()
}

// stop closes the socket: at once, or (graceful, at shutdown) with a close
// frame that tells the client to reconnect.
func (cl *client) stop(graceful bool) {
	cl.mu.Lock()
	if cl.closed {
		cl.mu.Unlock()
		return
	}
	cl.closed = true
	cl.queue = nil
	conn, ping, release := cl.conn, cl.ping, cl.release
	cl.mu.Unlock()
	if ping != nil {
		ping.Stop()
	}
	if release != nil {
		release()
	}
	if conn == nil {
		return
	}
	if graceful {
		go conn.Close(websocket.StatusGoingAway, "server restarting; reconnect")
	} else {
		_ = conn.CloseNow()
	}
}

// hub fans conversation events out to the sockets of their contact.
type hub struct {
	log       *slog.Logger
	mu        sync.RWMutex
	byContact map[string][]*client // usually one socket per contact
	// closed is told about every closed conversation (before its sockets).
	closed func(contactID, convID string, ch civicdesk.Channel)
	// agentName is a caseworker's display name, which assignment events
	// carry to the citizen instead of the caseworker's id.
	agentName func(id string) string

	// waits holds each waiting conversation's last announced place, so a
	// widget that connects after the announcement still learns it.
	waitMu sync.Mutex
	waits  map[string]queuePlace

	noEcho noEcho
}

// queuePlace is a waiting conversation's place in its queue.
type queuePlace struct {
	Position             int
	EstimatedWaitSeconds int
}

func newHub(log *slog.Logger) *hub {
	return &hub{log: log, byContact: map[string][]*client{}, waits: map[string]queuePlace{}}
}

// place returns the last announced place of a waiting conversation.
func (h *hub) place(convID string) (queuePlace, bool) {
	h.waitMu.Lock()
	defer h.waitMu.Unlock()
	p, ok := h.waits[convID]
	return p, ok
}

// notePlace keeps the place from conversation.queued events and forgets it
// once the conversation is assigned or closed.
func (h *hub) notePlace(typ, convID string, p queuePlace) {
	h.waitMu.Lock()
	defer h.waitMu.Unlock()
	switch typ {
	case "conversation.queued":
		h.waits[convID] = p
	case "conversation.assigned", "conversation.closed":
		delete(h.waits, convID)
	}
}

func (h *hub) add(cl *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.byContact[cl.contactID] = append(h.byContact[cl.contactID], cl)
	metrics.Sockets.WithLabelValues("widget").Inc()
}

func (h *hub) remove(cl *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.byContact[cl.contactID]
	for i, o := range set {
		if o != cl {
			continue
		}
		metrics.Sockets.WithLabelValues("widget").Dec()
		if len(set) == 1 {
			delete(h.byContact, cl.contactID)
			return
		}
		rest := make([]*client, 0, len(set)-1)
		h.byContact[cl.contactID] = append(append(rest, set[:i]...), set[i+1:]...)
		return
	}
}

// count is the number of sockets held.
func (h *hub) count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, set := range h.byContact {
		n += len(set)
	}
	return n
}

// closeAll tells every socket to reconnect (at shutdown).
func (h *hub) closeAll() {
	h.mu.RLock()
	var all []*client
	for _, set := range h.byContact {
		all = append(all, set...)
	}
	h.mu.RUnlock()
	for _, cl := range all {
		cl.stop(true) // which removes it from the hub
	}
}

// citizenView strips what a citizen must not see (triage, internal notes of
// routing) from a conversation.
func citizenView(c *civicdesk.Conversation) *civicdesk.Conversation {
	if c == nil {
		return nil
	}
	v := *c
	v.Triage, v.LastMessage, v.Decisions = nil, "", nil
	v.OfferedAgentID, v.OfferExpiresAt, v.WidenedTo = "", nil, nil
	v.AssignedAgentID = "" // citizens see a caseworker's name, never their id
	return &v
}

// citizenMessage strips staff ids from a message: citizens see names only.
func citizenMessage(m *civicdesk.Message) *civicdesk.Message {
	if m == nil || m.Author.ID == "" {
		return m
	}
	v := *m
	v.Author.ID = ""
	return &v
}

// dispatch receives every conversation event (core NATS) and sends it to the
// sockets of the conversation's contact.
func (h *hub) dispatch(subject string, data []byte) {
	// Most events concern contacts without a socket here or, for a citizen's
	// message, only the socket that sent it: decode enough to tell, and a
	// message's text only for a socket that gets it.
	var head struct {
		Type    string    `json:"type"`
		At      time.Time `json:"at"`
		Message *struct { // without its text
			ID        string `json:"id"`
			ContactID string `json:"contactId"`
			Seq       uint64 `json:"seq"`
			Author    struct {
				Kind civicdesk.AuthorKind `json:"kind"`
			} `json:"author"`
		} `json:"message"`
		Conversation *struct {
			ID        string            `json:"id"`
			ContactID string            `json:"contactId"`
			Channel   civicdesk.Channel `json:"channel"`
		} `json:"conversation"`
		Author               *civicdesk.Author `json:"author"`
		Position             int               `json:"position"`
		EstimatedWaitSeconds int               `json:"estimatedWaitSeconds"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return
	}
	if head.Conversation != nil && head.Conversation.Channel == civicdesk.ChannelWebchat && strings.HasPrefix(head.Type, "conversation.") {
		h.notePlace(head.Type, head.Conversation.ID, queuePlace{head.Position, head.EstimatedWaitSeconds})
	}
	contactID := ""
	if head.Conversation != nil {
		contactID = head.Conversation.ContactID
	}
	if head.Message != nil && head.Message.ContactID != "" {
		contactID = head.Message.ContactID
	}
	if contactID == "" {
		return
	}
	if head.Type == "conversation.closed" && head.Conversation != nil && h.closed != nil {
		h.closed(contactID, head.Conversation.ID, head.Conversation.Channel)
	}
	switch {
	case head.Type == "typing":
		if head.Author == nil || head.Author.Kind == civicdesk.AuthorCitizen {
			return
		}
	case head.Type == "conversation.handoff" || head.Type == "conversation.transfer" || head.Type == "conversation.transcript",
		head.Type == "conversation.offered" || head.Type == "conversation.offer_ended" || head.Type == "conversation.escalated":
		return // requests between parts of the system, not news for the citizen
	case strings.HasPrefix(head.Type, "conversation.") || head.Type == "message":
	default:
		return
	}
	skip := "" // the socket that sent this message, if it asked for no echo
	if head.Type == "message" && head.Message != nil && head.Message.Author.Kind == civicdesk.AuthorCitizen {
		skip = h.noEcho.take(head.Message.ID, head.Message.Seq)
	}
	h.mu.RLock()
	clients := h.byContact[contactID] // never changed in place: add and remove make new slices or append past its length
	h.mu.RUnlock()
	if !slices.ContainsFunc(clients, func(cl *client) bool { return skip == "" || cl.socketID != skip }) {
		return // no socket here, or only the one that sent the message
	}

	var ev civicdesk.Event
	if head.Type == "message" {
		// The widget needs only the message: the conversation the event
		// also carries is not decoded at all on this, the busiest path.
		var whole struct {
			Message *civicdesk.Message `json:"message"`
		}
		if json.Unmarshal(data, &whole) != nil || whole.Message == nil {
			return
		}
		ev = civicdesk.Event{Type: head.Type, Message: whole.Message, At: head.At}
	} else if err := json.Unmarshal(data, &ev); err != nil {
		return
	}
	if ev.Type == "conversation.assigned" && ev.Conversation != nil && ev.Conversation.AssignedAgentID != "" && h.agentName != nil {
		if name := h.agentName(ev.Conversation.AssignedAgentID); name != "" {
			ev.Author = &civicdesk.Author{Kind: civicdesk.AuthorAgent, Name: name}
		}
	}
	if ev.Author != nil {
		ev.Author.ID = ""
	}
	ev.AgentID, ev.PreviousAgentID = "", ""
	ev.Conversation = citizenView(ev.Conversation)
	ev.Message = citizenMessage(ev.Message)
	var id string
	if ev.Message != nil {
		id = ev.Message.ID
	}
	out, err := json.Marshal(ev)
	if err != nil {
		return
	}
	for _, cl := range clients {
		if skip != "" && cl.socketID == skip {
			continue
		}
		if !cl.enqueue(frame{data: out, id: id}) {
			// A socket that cannot keep up is closed; its client resumes.
			h.log.Warn("widget socket too slow, closing")
			cl.stop(false)
		}
	}
}

// websocket streams this visitor's events. It registers with the hub before
// reading the history, so a message recorded in between arrives live, and it
// skips live messages it already sent from history. The handler returns once
// the socket is set up; a reader goroutine holds it from then on.
func (c *Channel) websocket(ctx echo.Context) error {
	contactID := ctx.Get(contactKey).(string)
	rctx := ctx.Request().Context()
	after := ctx.QueryParam("after")
	socketID := ctx.QueryParam("socket")
	if socketID != "" && !validSocketID(socketID) {
		return socketIDError("socket")
	}
	seq, err := c.afterSeq(rctx, contactID, after)
	if err != nil {
		return err
	}
	cl := &client{contactID: contactID, socketID: socketID, writing: true} // live events wait for the history
	c.hub.add(cl)

	bufs := &smallBuffers{ResponseWriter: ctx.Response()}
	conn, err := websocket.Accept(bufs, ctx.Request(), &websocket.AcceptOptions{OriginPatterns: c.originPatterns()})
	if err != nil {
		c.hub.remove(cl)
		return nil // Accept has written the error response
	}
	conn.SetReadLimit(4 << 10)
	cl.mu.Lock()
	cl.conn = conn
	cl.mu.Unlock()
	c.read(cl, conn, bufs)

	var replayed map[string]struct{}
	if after != "" {
		conv, err := c.currentConversation(rctx, contactID)
		if err != nil {
			cl.stop(false)
			return nil
		}
		if conv != nil {
			missed, err := c.store.ListMessages(rctx, conv.ID, seq, 0)
			if err != nil {
				cl.stop(false)
				return nil
			}
			for i := range missed {
				data, _ := json.Marshal(civicdesk.Event{Type: "message", Message: citizenMessage(&missed[i]), At: missed[i].CreatedAt})
				if err := write(context.Background(), conn, data); err != nil {
					cl.stop(false)
					return nil
				}
				if replayed == nil {
					replayed = make(map[string]struct{}, len(missed))
				}
				replayed[missed[i].ID] = struct{}{}
			}
		}
	}
	cl.resume(replayed)
	return nil
}

func write(ctx context.Context, conn *websocket.Conn, data []byte) error {
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	return conn.Write(wctx, websocket.MessageText, data)
}

// read watches the socket for what the client sends (only its close, from
// the widget) and handles it with coder/websocket when it comes: through
// package readiness, with no goroutine while the socket is idle, or with a
// reader goroutine where readiness is not supported.
func (c *Channel) read(cl *client, conn *websocket.Conn, bufs *smallBuffers) {
	// client.stop calls cl.release (set below, or at once if the client
	// stopped first): that is all a close or a read error needs.
	release := func() { c.hub.remove(cl) }
	if w := c.watch(cl, conn, bufs); w != nil {
		release = func() { w.Remove(); c.hub.remove(cl) }
	} else {
		go func() {
			for {
				if _, _, err := conn.Read(context.Background()); err != nil {
					cl.stop(false)
					return
				}
			}
		}()
	}
	cl.mu.Lock()
	closed := cl.closed
	cl.release = release
	cl.mu.Unlock()
	if closed { // stopped before release was set
		release()
	}
}

// watch registers the socket with readiness, or returns nil where that is
// not supported (then a reader goroutine holds the socket).
func (c *Channel) watch(cl *client, conn *websocket.Conn, bufs *smallBuffers) *readiness.Watch {
	sc, isSocket := bufs.conn.(syscall.Conn) // not behind TLS served here
	p, err := readiness.Default()
	if err != nil || !isSocket {
		return nil
	}
	_ = readiness.SetUserTimeout(sc, deadPeer)
	w, err := p.Watch(sc, func(w *readiness.Watch) {
		// Read returns after a data frame or an error; control frames are
		// answered inside it.
		for {
			if _, _, err := conn.Read(context.Background()); err != nil {
				cl.stop(false)
				return
			}
			if bufs.reader.Buffered() == 0 {
				break
			}
		}
		if err := w.Rearm(); err != nil {
			cl.stop(false)
		}
	})
	if err != nil {
		return nil
	}
	return w
}

// smallBuffers hands the WebSocket library small buffers instead of the
// HTTP server's 4 KiB reader and writer: on ten thousand idle sockets that
// is the difference between 80 MiB and 8 MiB. It keeps the connection and
// the reader, so that readiness can watch one and ask the other what is
// buffered.
type smallBuffers struct {
	http.ResponseWriter
	conn   net.Conn
	reader *bufio.Reader
}

func (w *smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	var r io.Reader = conn
	size := readBufferSize
	pending := brw.Reader.Buffered()
	if pending > 0 {
		// Bytes the client sent right after its handshake.
		b, _ := brw.Reader.Peek(pending)
		r = io.MultiReader(bytes.NewReader(bytes.Clone(b)), conn)
		size = max(size, pending)
	}
	if n := brw.Writer.Buffered(); n > 0 {
		if err := brw.Writer.Flush(); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	w.conn, w.reader = conn, bufio.NewReaderSize(r, size)
	if pending > 0 {
		// Into the buffer with them: the library keeps what is buffered and
		// re-seats the reader on the bare connection, so bytes still inside
		// r would be lost, and the socket read from the middle of a frame.
		_, _ = w.reader.Peek(pending)
	}
	return conn, bufio.NewReadWriter(w.reader, bufio.NewWriterSize(conn, writeBufSize)), nil
}

// originPatterns are the host origins whose pages may open a widget socket.
func (c *Channel) originPatterns() []string {
	if len(c.cfg.AllowedOrigins) == 0 {
		return []string{"*"}
	}
	var out []string
	for _, o := range c.cfg.AllowedOrigins {
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			out = append(out, u.Host)
		}
	}
	return out
}
