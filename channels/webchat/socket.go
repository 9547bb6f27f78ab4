package webchat

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/metrics"
	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"
)

// frame is one event ready to send: its bytes, and its message sequence
// (0 for non-message events) so resumed sockets can skip what they sent.
type frame struct {
	data []byte
	seq  uint64
}

// client is one visitor socket.
type client struct {
	contactID string
	out       chan frame
	once      sync.Once
	done      chan struct{}
}

func (cl *client) stop() { cl.once.Do(func() { close(cl.done) }) }

// hub fans conversation events out to the sockets of their contact.
type hub struct {
	log       *slog.Logger
	mu        sync.RWMutex
	byContact map[string]map[*client]struct{}
}

func newHub(log *slog.Logger) *hub {
	return &hub{log: log, byContact: map[string]map[*client]struct{}{}}
}

func (h *hub) add(cl *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.byContact[cl.contactID]
	if set == nil {
		set = map[*client]struct{}{}
		h.byContact[cl.contactID] = set
	}
	set[cl] = struct{}{}
	metrics.Sockets.WithLabelValues("widget").Inc()
}

func (h *hub) remove(cl *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if set := h.byContact[cl.contactID]; set != nil {
		if _, ok := set[cl]; ok {
			delete(set, cl)
			metrics.Sockets.WithLabelValues("widget").Dec()
		}
		if len(set) == 0 {
			delete(h.byContact, cl.contactID)
		}
	}
}

func (h *hub) closeAll() {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, set := range h.byContact {
		for cl := range set {
			cl.stop()
		}
	}
}

// citizenView strips what a citizen must not see (triage, internal notes of
// routing) from a conversation.
func citizenView(c *civicdesk.Conversation) *civicdesk.Conversation {
	if c == nil {
		return nil
	}
	v := *c
	v.Triage, v.LastMessage = nil, ""
	return &v
}

// dispatch receives every conversation event (core NATS) and sends it to the
// sockets of the conversation's contact.
func (h *hub) dispatch(subject string, data []byte) {
	var ev civicdesk.Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return
	}
	contactID := ""
	if ev.Conversation != nil {
		contactID = ev.Conversation.ContactID
	}
	if ev.Message != nil && ev.Message.ContactID != "" {
		contactID = ev.Message.ContactID
	}
	if contactID == "" {
		return
	}
	switch {
	case ev.Type == "typing":
		if ev.Author == nil || ev.Author.Kind == civicdesk.AuthorCitizen {
			return
		}
	case strings.HasPrefix(ev.Type, "conversation.") || ev.Type == "message":
	default:
		return
	}
	h.mu.RLock()
	set := h.byContact[contactID]
	if len(set) == 0 {
		h.mu.RUnlock()
		return
	}
	clients := make([]*client, 0, len(set))
	for cl := range set {
		clients = append(clients, cl)
	}
	h.mu.RUnlock()

	ev.Conversation = citizenView(ev.Conversation)
	var seq uint64
	if ev.Message != nil {
		seq = ev.Message.Seq
	}
	out, err := json.Marshal(ev)
	if err != nil {
		return
	}
	for _, cl := range clients {
		select {
		case cl.out <- frame{data: out, seq: seq}:
		default:
			// A socket that cannot keep up is closed; its client resumes.
			h.log.Warn("widget socket too slow, closing")
			cl.stop()
		}
	}
}

// websocket streams this visitor's events. It registers with the hub before
// reading the history, so a message recorded in between arrives live, and it
// skips live messages it already sent from history.
func (c *Channel) websocket(ctx echo.Context) error {
	contactID := ctx.Get(contactKey).(string)
	rctx := ctx.Request().Context()
	seq, err := c.afterSeq(rctx, contactID, ctx.QueryParam("after"))
	if err != nil {
		return err
	}
	cl := &client{contactID: contactID, out: make(chan frame, 256), done: make(chan struct{})}
	c.hub.add(cl)
	defer c.hub.remove(cl)

	conn, err := websocket.Accept(ctx.Response(), ctx.Request(), &websocket.AcceptOptions{OriginPatterns: []string{"*"}})
	if err != nil {
		return nil // Accept has written the error response
	}
	defer conn.CloseNow()
	conn.SetReadLimit(4 << 10)

	sctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Reads only detect the close; the widget sends over HTTP.
		for {
			if _, _, err := conn.Read(sctx); err != nil {
				cl.stop()
				return
			}
		}
	}()

	last := uint64(0)
	if ctx.QueryParam("after") != "" {
		conv, err := c.currentConversation(rctx, contactID)
		if err != nil {
			return nil
		}
		if conv != nil {
			missed, err := c.store.ListMessages(rctx, conv.ID, seq, 0)
			if err != nil {
				return nil
			}
			for i := range missed {
				data, _ := json.Marshal(civicdesk.Event{Type: "message", Message: &missed[i], At: missed[i].CreatedAt})
				if err := write(sctx, conn, data); err != nil {
					return nil
				}
				last = missed[i].Seq
			}
		}
		last = max(last, seq)
	}
	ping := time.NewTicker(30 * time.Second)
	defer ping.Stop()
	for {
		select {
		case f := <-cl.out:
			if f.seq != 0 && f.seq <= last {
				continue
			}
			if err := write(sctx, conn, f.data); err != nil {
				return nil
			}
			last = max(last, f.seq)
		case <-ping.C:
			pctx, pcancel := context.WithTimeout(sctx, 10*time.Second)
			err := conn.Ping(pctx)
			pcancel()
			if err != nil {
				return nil
			}
		case <-cl.done:
			conn.Close(websocket.StatusGoingAway, "closing")
			return nil
		}
	}
}

func write(ctx context.Context, conn *websocket.Conn, data []byte) error {
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return conn.Write(wctx, websocket.MessageText, data)
}
