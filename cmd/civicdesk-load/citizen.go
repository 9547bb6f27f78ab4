package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// wsEvent is the part of a socket event the generator looks at.
type wsEvent struct {
	Type string `json:"type"`
	// Author names the caseworker on conversation.assigned: visitors see
	// the name, never the agent's id.
	Author *struct {
		Name string `json:"name"`
	} `json:"author"`
	Message *struct {
		ID             string `json:"id"`
		ConversationID string `json:"conversationId"`
		Author         struct {
			Kind string `json:"kind"`
		} `json:"author"`
		ClientMessageID string `json:"clientMessageId"`
	} `json:"message"`
	Conversation *struct {
		ID              string `json:"id"`
		State           string `json:"state"`
		AssignedAgentID string `json:"assignedAgentId"`
	} `json:"conversation"`
}

// tracker matches messages sent on one side with their arrival on the other
// by clientMessageId. expect is called before the send, so a fast event
// cannot arrive unmatched.
type tracker struct {
	lat        *latency
	pending    sync.Map // clientMessageId → time.Time (send started)
	expected   atomic.Int64
	delivered  atomic.Int64
	duplicates atomic.Int64
	seen       sync.Map // clientMessageId → struct{}: delivered once already
}

func (t *tracker) expect(cmid string, t0 time.Time) {
	t.expected.Add(1)
	t.pending.Store(cmid, t0)
}

// forget withdraws an expectation whose send failed.
func (t *tracker) forget(cmid string) {
	if _, ok := t.pending.LoadAndDelete(cmid); ok {
		t.expected.Add(-1)
	}
}

func (t *tracker) arrived(cmid string, now time.Time) {
	if v, ok := t.pending.LoadAndDelete(cmid); ok {
		t.lat.observe(now.Sub(v.(time.Time)))
		t.delivered.Add(1)
		t.seen.Store(cmid, struct{}{})
		return
	}
	if _, dup := t.seen.Load(cmid); dup {
		t.duplicates.Add(1)
	}
}

func (t *tracker) outstanding() int64 { return t.expected.Load() - t.delivered.Load() }

// visitor is one citizen on the widget.
type visitor struct {
	idx       int
	token     string
	contactID string
	conn      *websocket.Conn
	socketID  string // its socket's name, sent with its messages (no echo)
	assigned  atomic.Bool
	// withPerson: the socket said the conversation is queued for or
	// assigned to a caseworker, so the bot is done with it.
	withPerson atomic.Bool
	convID     atomic.Value // string
	sent       atomic.Int64
}

type citizens struct {
	base    string
	wsBase  string
	run     string
	client  *http.Client
	poster  *poster // widget messages, the hot path
	st      *stats
	a2c     *tracker
	onState func(v *visitor) // called when a visitor's conversation is assigned
	// ours says whether a caseworker (by display name) is one the generator plays; only their
	// conversations count for delivery.
	ours func(agentID string) bool

	mu       sync.RWMutex
	all      []*visitor
	assigned []*visitor
	// withPerson counts visitors whose withPerson is set.
	withPerson atomic.Int64
}

func newCitizens(base, run string, client *http.Client, st *stats, a2c *tracker) *citizens {
	return &citizens{base: base, wsBase: "ws" + strings.TrimPrefix(base, "http"), run: run, client: client,
		poster: newPoster(base, 1024), st: st, a2c: a2c}
}

type sessionResp struct {
	VisitorToken string `json:"visitorToken"`
	ContactID    string `json:"contactId"`
}

// newSession creates one widget session.
func (cs *citizens) newSession(ctx context.Context) (*visitor, error) {
	t0 := time.Now()
	var s sessionResp
	code, body, err := do(ctx, cs.client, "POST", cs.base+"/api/v1/widget/sessions", "", []byte(`{"locale":"en"}`), "", &s)
	if err != nil || code != http.StatusCreated || s.VisitorToken == "" {
		if err == nil && code == http.StatusCreated {
			err = fmt.Errorf("session without token")
		}
		cs.st.errs.add(errKind("session", code, body, err))
		if err == nil {
			err = fmt.Errorf("POST /api/v1/widget/sessions: %d", code)
		}
		return nil, err
	}
	cs.st.session.observe(time.Since(t0))
	return &visitor{token: s.VisitorToken, contactID: s.ContactID}, nil
}

// sessions creates n sessions with the given concurrency.
func (cs *citizens) sessions(ctx context.Context, n, conc int) ([]*visitor, error) {
	out := make([]*visitor, n)
	var next atomic.Int64
	var failures atomic.Int64
	var wg sync.WaitGroup
	for range min(conc, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				for attempt := 0; ; attempt++ {
					v, err := cs.newSession(ctx)
					if err == nil {
						v.idx = i
						out[i] = v
						break
					}
					if failures.Add(1) > int64(n/10+10) || ctx.Err() != nil {
						return
					}
					time.Sleep(time.Duration(attempt+1) * 50 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	for i, v := range out {
		if v == nil {
			return nil, fmt.Errorf("could not create session %d of %d (%d failures; see errors)", i+1, n, failures.Load())
		}
	}
	return out, ctx.Err()
}

// connect opens v's widget socket and reads it until ctx ends. Active
// visitors look at agent messages (for delivery latency) and conversation
// events; idle sockets only keep the connection alive.
func (cs *citizens) connect(ctx context.Context, v *visitor, active bool, wg *sync.WaitGroup) error {
	t0 := time.Now()
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	socketID := fmt.Sprintf("load-%s-%d", cs.run, v.idx)
	conn, resp, err := websocket.Dial(dctx, cs.wsBase+"/api/v1/widget/ws?token="+v.token+"&socket="+socketID, &websocket.DialOptions{HTTPClient: wsDialClient})
	cancel()
	if err != nil {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		if code != 0 {
			cs.st.errs.add(fmt.Sprintf("widget socket: http %d", code))
		} else {
			cs.st.errs.add(errKind("widget socket", 0, nil, err))
		}
		return err
	}
	cs.st.wsConnect.observe(time.Since(t0))
	conn.SetReadLimit(1 << 20)
	v.conn, v.socketID = conn, socketID
	cs.st.sockets.Add(1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer cs.st.sockets.Add(-1)
		defer conn.CloseNow()
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				if ctx.Err() == nil {
					cs.st.errs.add(errKind("widget socket closed", 0, nil, err))
				}
				return
			}
			if active {
				cs.event(v, data)
			}
		}
	}()
	return nil
}

var (
	markAgent     = []byte(`"kind":"agent"`)
	markConvEvent = []byte(`"type":"conversation.`)
)

func (cs *citizens) event(v *visitor, data []byte) {
	agentMsg := bytes.Contains(data, markAgent)
	if !agentMsg && !bytes.Contains(data, markConvEvent) {
		return // the citizen's own message, the bot's: not measured
	}
	now := time.Now()
	var ev wsEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		cs.st.errs.add("widget socket: undecodable event")
		return
	}
	if (ev.Type == "conversation.queued" || ev.Type == "conversation.assigned") && !v.withPerson.Swap(true) {
		cs.withPerson.Add(1)
	}
	switch {
	case ev.Type == "message" && ev.Message != nil && ev.Message.Author.Kind == "agent":
		cs.a2c.arrived(ev.Message.ClientMessageID, now)
	case ev.Type == "conversation.assigned" && ev.Conversation != nil:
		v.convID.Store(ev.Conversation.ID)
		name := ""
		if ev.Author != nil {
			name = ev.Author.Name
		}
		if cs.ours != nil && !cs.ours(name) {
			return
		}
		if !v.assigned.Swap(true) {
			cs.mu.Lock()
			cs.assigned = append(cs.assigned, v)
			cs.mu.Unlock()
			if cs.onState != nil {
				cs.onState(v)
			}
		}
	case ev.Type == "conversation.closed" && ev.Conversation != nil:
		if v.assigned.Swap(false) {
			cs.mu.Lock()
			for i, o := range cs.assigned {
				if o == v {
					cs.assigned = append(cs.assigned[:i], cs.assigned[i+1:]...)
					break
				}
			}
			cs.mu.Unlock()
		}
	}
}

func (cs *citizens) assignedCount() int {
	cs.mu.RLock()
	defer cs.mu.RUnlock()
	return len(cs.assigned)
}

// pick returns a visitor to send the next message: one whose conversation is
// with a caseworker when onlyAssigned, else anyone.
func (cs *citizens) pick(onlyAssigned bool) *visitor {
	cs.mu.RLock()
	defer cs.mu.RUnlock()
	list := cs.all
	if onlyAssigned {
		list = cs.assigned
	}
	if len(list) == 0 {
		return nil
	}
	return list[rand.IntN(len(list))]
}

// Texts: the first message of a conversation asks for a person (so the bot
// hands it off at once and routing assigns it), the rest are follow-ups.
var topics = []string{
	"my water bill doubled this month", "my benefits application", "my property tax payment",
	"renewing my vehicle registration", "a building permit for my porch", "housing assistance for my family",
	"my electricity shut-off notice", "a general question about city services",
}

func firstText(i int) string {
	return "Agent please: I need help with " + topics[i%len(topics)] + "."
}

func followText(n int64) string {
	return fmt.Sprintf("Following up on my request, detail number %d: please see the previous message.", n)
}

// send posts one widget message; c2a, when not nil, expects its delivery on
// a caseworker's socket. It returns the status (0 on transport errors).
func (cs *citizens) send(ctx context.Context, v *visitor, planned time.Time, c2a *tracker) int {
	n := v.sent.Add(1)
	cmid := fmt.Sprintf("c-%s-%d-%d", cs.run, v.idx, n)
	text := followText(n)
	if n == 1 {
		text = firstText(v.idx)
	}
	started := time.Now()
	cs.st.sendLag.observe(started.Sub(planned))
	track := c2a != nil && v.assigned.Load()
	if track {
		c2a.expect(cmid, started)
	}
	code, body, err := cs.poster.post(ctx, "/api/v1/widget/messages", v.token, messageBody(cmid, text, v.socketID))
	if err != nil || code != http.StatusAccepted {
		if track {
			c2a.forget(cmid)
		}
		if ctx.Err() == nil {
			cs.st.errs.add(errKind("widget send", code, body, err))
		}
		return code
	}
	cs.st.send.observe(time.Since(planned))
	cs.st.accepted.Add(1)
	return code
}

// closeAll closes the visitors' conversations (cleanup after a run).
func (cs *citizens) closeAll(ctx context.Context, vs []*visitor) int {
	var closed atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for _, v := range vs {
		if v == nil || v.sent.Load() == 0 {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if code, _, err := do(ctx, cs.client, "POST", cs.base+"/api/v1/widget/conversation/close", v.token, nil, "", nil); err == nil && code == 200 {
				closed.Add(1)
			}
		}()
	}
	wg.Wait()
	return int(closed.Load())
}

// wsDialClient dials sockets on their own connections, never through a proxy.
var wsDialClient = &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: -1}}
