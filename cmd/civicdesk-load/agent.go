package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// caseworker is one agent at the desk: signed in, holding the desk socket,
// answering every replyEvery-th citizen message of its conversations.
type caseworker struct {
	email string
	token string
	id    string
	name  string
	conn  *websocket.Conn
	n     atomic.Int64 // citizen messages seen
	sent  atomic.Int64
	convs sync.Map // conversation id → struct{}: assigned to it
}

type desk struct {
	base       string
	wsBase     string
	run        string
	client     *http.Client
	st         *stats
	c2a        *tracker
	a2c        *tracker
	replyEvery int64
	replies    chan replyJob
	agents     []*caseworker
}

type replyJob struct {
	cw     *caseworker
	convID string
}

func newDesk(base, run string, client *http.Client, st *stats, c2a, a2c *tracker, replyEvery int) *desk {
	return &desk{base: base, wsBase: "ws" + strings.TrimPrefix(base, "http"), run: run, client: client, st: st, c2a: c2a, a2c: a2c,
		replyEvery: int64(replyEvery), replies: make(chan replyJob, 4096)}
}

type loginResp struct {
	Token string `json:"token"`
	Agent struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"agent"`
}

func (d *desk) ours(name string) bool {
	for _, a := range d.agents {
		if a.name != "" && a.name == name {
			return true
		}
	}
	return false
}

func (d *desk) login(ctx context.Context, email string) (*caseworker, error) {
	var r loginResp
	body, _ := json.Marshal(map[string]string{"email": email, "password": "demo-password"})
	code, data, err := do(ctx, d.client, "POST", d.base+"/api/v1/desk/login", "", body, "", &r)
	if err != nil || code != 200 || r.Token == "" {
		d.st.errs.add(errKind("desk login", code, data, err))
		return nil, fmt.Errorf("sign in %s: status %d %v (is the server running with --demo?)", email, code, err)
	}
	return &caseworker{email: email, token: r.Token, id: r.Agent.ID, name: r.Agent.Name}, nil
}

// start signs in the demo caseworkers agent1…agent6@demo.gov: the first n
// open their sockets and answer; the others are set offline, so routing
// gives this run's conversations only to caseworkers the generator plays.
func (d *desk) start(ctx context.Context, n int, wg *sync.WaitGroup) error {
	for i := 1; i <= max(n, 6); i++ {
		cw, err := d.login(ctx, fmt.Sprintf("agent%d@demo.gov", i))
		if err != nil {
			if i > n {
				continue // fewer demo agents than expected: nothing to park
			}
			return err
		}
		if i > n {
			if code, body, err := do(ctx, d.client, "PUT", d.base+"/api/v1/desk/me/status", cw.token, []byte(`{"status":"offline"}`), "", nil); err != nil || code != 200 {
				d.st.errs.add(errKind("desk status", code, body, err))
			}
			continue
		}
		dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		conn, _, err := websocket.Dial(dctx, d.wsBase+"/api/v1/desk/ws?token="+cw.token, &websocket.DialOptions{HTTPClient: wsDialClient})
		cancel()
		if err != nil {
			d.st.errs.add(errKind("desk socket", 0, nil, err))
			return fmt.Errorf("desk socket of %s: %w", cw.email, err)
		}
		conn.SetReadLimit(4 << 20)
		cw.conn = conn
		d.agents = append(d.agents, cw)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.CloseNow()
			d.read(ctx, cw)
		}()
	}
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-d.replies:
					d.reply(ctx, j)
				}
			}
		}()
	}
	return nil
}

var markMessage = []byte(`"type":"message"`)

func (d *desk) read(ctx context.Context, cw *caseworker) {
	for {
		_, data, err := cw.conn.Read(ctx)
		if err != nil {
			if ctx.Err() == nil {
				d.st.errs.add(errKind("desk socket closed", 0, nil, err))
			}
			return
		}
		now := time.Now()
		d.st.deskEvents.Add(1)
		isMsg := bytes.HasPrefix(data, []byte(`{"type":"message"`)) || bytes.Contains(data, markMessage)
		if !isMsg && !bytes.Contains(data, []byte(`"type":"conversation.`)) {
			continue
		}
		var ev wsEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			d.st.errs.add("desk socket: undecodable event")
			continue
		}
		switch {
		case ev.Type == "message" && ev.Message != nil && ev.Message.Author.Kind == "citizen":
			d.c2a.arrived(ev.Message.ClientMessageID, now)
			if d.replyEvery > 0 && ev.Conversation != nil && ev.Conversation.AssignedAgentID == cw.id && cw.n.Add(1)%d.replyEvery == 0 {
				select {
				case d.replies <- replyJob{cw: cw, convID: ev.Message.ConversationID}:
				default:
					d.st.errs.add("desk reply: generator backlog full")
				}
			}
		case ev.Type == "conversation.assigned" && ev.Conversation != nil && ev.Conversation.AssignedAgentID == cw.id:
			cw.convs.Store(ev.Conversation.ID, struct{}{})
		case ev.Type == "conversation.closed" && ev.Conversation != nil:
			cw.convs.Delete(ev.Conversation.ID)
		}
	}
}

func (d *desk) reply(ctx context.Context, j replyJob) {
	n := j.cw.sent.Add(1)
	cmid := fmt.Sprintf("r-%s-%s-%d", d.run, j.cw.id, n)
	t0 := time.Now()
	d.a2c.expect(cmid, t0)
	code, body, err := do(ctx, d.client, "POST", d.base+"/api/v1/desk/conversations/"+j.convID+"/messages", j.cw.token,
		messageBody(cmid, fmt.Sprintf("Thanks, I am looking into it (reply %d).", n), ""), "", nil)
	if err != nil || code != http.StatusAccepted {
		d.a2c.forget(cmid)
		if ctx.Err() == nil && code != http.StatusConflict { // 409: the conversation closed meanwhile
			d.st.errs.add(errKind("desk reply", code, body, err))
		}
		return
	}
	d.st.reply.observe(time.Since(t0))
	d.st.replies.Add(1)
}

type convList struct {
	Conversations []struct {
		ID string `json:"id"`
	} `json:"conversations"`
}

// clearStale closes the conversations left assigned or queued on this
// server (by earlier runs), so that this run's citizens reach caseworkers.
// It signs in agent1, who belongs to every demo department.
func (d *desk) clearStale(ctx context.Context) (int, error) {
	if len(d.agents) == 0 || d.agents[0].email != "agent1@demo.gov" {
		return 0, fmt.Errorf("clearing stale conversations needs agent1 signed in")
	}
	cw := d.agents[0]
	closed := 0
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var ids []string
		for _, state := range []string{"assigned", "queued"} {
			var l convList
			code, body, err := do(ctx, d.client, "GET", d.base+"/api/v1/desk/conversations?state="+state, cw.token, nil, "", &l)
			if err != nil || code != 200 {
				return closed, fmt.Errorf("list %s conversations: %s", state, errKind("desk", code, body, err))
			}
			for _, c := range l.Conversations {
				ids = append(ids, c.ID)
			}
		}
		// Other caseworkers' conversations are visible to agent1 through its
		// departments only when queued; ask each signed-in agent too.
		for _, o := range d.agents {
			var l convList
			if code, _, err := do(ctx, d.client, "GET", d.base+"/api/v1/desk/conversations?state=assigned", o.token, nil, "", &l); err == nil && code == 200 {
				for _, c := range l.Conversations {
					ids = append(ids, c.ID)
				}
			}
		}
		if len(ids) == 0 {
			return closed, nil
		}
		sem := make(chan struct{}, 8)
		var wg sync.WaitGroup
		var n atomic.Int64
		for _, id := range ids {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				code, _, err := do(ctx, d.client, "POST", d.base+"/api/v1/desk/conversations/"+id+"/close", cw.token, []byte(`{"disposition":"load-test cleanup"}`), "", nil)
				if err == nil && code == 200 {
					n.Add(1)
				}
			}()
		}
		wg.Wait()
		closed += int(n.Load())
		if ctx.Err() != nil {
			return closed, ctx.Err()
		}
		time.Sleep(300 * time.Millisecond) // routing assigns what was queued behind them
	}
	return closed, fmt.Errorf("conversations keep appearing; is other traffic running?")
}
