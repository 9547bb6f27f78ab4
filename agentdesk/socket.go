package agentdesk

import (
	"bytes"
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

type client struct {
	agent civicdesk.Agent
	out   chan []byte
	once  sync.Once
	done  chan struct{}
}

func (cl *client) stop() { cl.once.Do(func() { close(cl.done) }) }

type hub struct {
	log     *slog.Logger
	mu      sync.RWMutex
	clients map[*client]struct{}
	// statusAt is when each agent's status last changed, as seen on the
	// bus by this replica (every replica sees every agent.status event), for
	// the supervisor's "time in status"; unknown until a change is seen.
	statusMu sync.Mutex
	statusAt map[string]statusMark
}

type statusMark struct {
	status civicdesk.AgentStatus
	at     time.Time
}

func newHub(log *slog.Logger) *hub {
	return &hub{log: log, clients: map[*client]struct{}{}, statusAt: map[string]statusMark{}}
}

// statusSince reports when agent id's status last changed, if known.
func (h *hub) statusSince(id string) (time.Time, bool) {
	h.statusMu.Lock()
	defer h.statusMu.Unlock()
	m, ok := h.statusAt[id]
	return m.at, ok
}

func (h *hub) add(cl *client) {
	h.mu.Lock()
	h.clients[cl] = struct{}{}
	h.mu.Unlock()
	metrics.Sockets.WithLabelValues("desk").Inc()
}

func (h *hub) remove(cl *client) {
	h.mu.Lock()
	if _, ok := h.clients[cl]; ok {
		delete(h.clients, cl)
		metrics.Sockets.WithLabelValues("desk").Dec()
	}
	h.mu.Unlock()
}

func (h *hub) closeAll() {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for cl := range h.clients {
		cl.stop()
	}
}

// wants reports whether agent a receives ev: every event of conversations
// assigned (or just taken from) it, queue events of its departments, the
// citizen's typing in its conversations; supervisors see every event.
func wants(a civicdesk.Agent, ev *civicdesk.Event) bool {
	if ev.Type == "agent.status" {
		return ev.AgentID == a.ID || isSupervisor(a) // including why routing set it away
	}
	cv := ev.Conversation
	if cv == nil {
		return false
	}
	if ev.Type == "typing" {
		return ev.Author != nil && ev.Author.Kind == civicdesk.AuthorCitizen && (cv.AssignedAgentID == a.ID || isSupervisor(a))
	}
	if isSupervisor(a) {
		return true
	}
	if cv.AssignedAgentID == a.ID || ev.PreviousAgentID == a.ID || ev.AgentID == a.ID || cv.OfferedAgentID == a.ID {
		return true
	}
	if !strings.HasPrefix(ev.Type, "conversation.") {
		return false
	}
	if cv.DepartmentID != "" && a.InDepartment(cv.DepartmentID) {
		return true
	}
	for _, d := range cv.WidenedTo {
		if a.InDepartment(d) {
			return true
		}
	}
	return false
}

// agentStatusMark is how an encoded agent.status event starts its type.
var agentStatusMark = []byte(`"type":"agent.status"`)

func (h *hub) dispatch(subject string, data []byte) {
	h.mu.RLock()
	listening := len(h.clients) > 0
	h.mu.RUnlock()
	if !listening && !bytes.Contains(data, agentStatusMark) {
		return // nobody to tell, and no status time to keep
	}
	var ev civicdesk.Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return
	}
	switch ev.Type {
	case "conversation.handoff", "conversation.transfer", "conversation.transcript":
		return // requests to other parts, not news for people
	case "agent.status":
		if ev.AgentID != "" {
			at := ev.At
			if at.IsZero() {
				at = time.Now()
			}
			// Setting the same status again (signing in twice) keeps the time.
			h.statusMu.Lock()
			if m, ok := h.statusAt[ev.AgentID]; (!ok || m.status != ev.Status) && len(h.statusAt) < 100000 {
				h.statusAt[ev.AgentID] = statusMark{status: ev.Status, at: at.UTC()}
			}
			h.statusMu.Unlock()
		}
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for cl := range h.clients {
		if !wants(cl.agent, &ev) {
			continue
		}
		select {
		case cl.out <- data:
		default:
			h.log.Warn("desk socket too slow, closing", "agent", cl.agent.ID)
			cl.stop()
		}
	}
}

// websocket streams the agent's events. It joins the hub before the upgrade
// completes, so nothing published right after connecting is missed.
func (d *Desk) websocket(c echo.Context) error {
	cl := &client{agent: current(c), out: make(chan []byte, 512), done: make(chan struct{})}
	d.hub.add(cl)
	defer d.hub.remove(cl)
	conn, err := websocket.Accept(c.Response(), c.Request(), nil)
	if err != nil {
		return nil
	}
	defer conn.CloseNow()
	conn.SetReadLimit(4 << 10)
	sctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for {
			if _, _, err := conn.Read(sctx); err != nil {
				cl.stop()
				return
			}
		}
	}()
	ping := time.NewTicker(30 * time.Second)
	defer ping.Stop()
	for {
		select {
		case data := <-cl.out:
			wctx, wcancel := context.WithTimeout(sctx, 10*time.Second)
			err := conn.Write(wctx, websocket.MessageText, data)
			wcancel()
			if err != nil {
				return nil
			}
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
