package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/civicdesk/civicdesk"
	"github.com/coder/websocket"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// startNATSCluster starts n JetStream servers in this process, routed to
// each other over loopback as a cluster, and waits until JetStream answers
// on every node. A cluster that has not formed in 40 s (seen once in CI, on
// two busy cores: "JetStream system temporarily unavailable" for 30 s) is
// shut down and started again on new ports: what is under test is
// CivicDesk on a cluster, not the cluster's first election.
func startNATSCluster(t *testing.T, n int) []*server.Server {
	t.Helper()
	var err error
	for attempt := 1; attempt <= 2; attempt++ {
		var nodes []*server.Server
		if nodes, err = tryNATSCluster(t, n, 40*time.Second); err == nil {
			t.Cleanup(func() {
				for _, ns := range nodes {
					ns.Shutdown()
					ns.WaitForShutdown()
				}
			})
			return nodes
		}
		t.Logf("NATS cluster, attempt %d: %v", attempt, err)
	}
	t.Fatalf("JetStream cluster did not form: %v", err)
	return nil
}

// tryNATSCluster starts a cluster and waits for it to form within d; on an
// error it shuts down what it started.
func tryNATSCluster(t *testing.T, n int, d time.Duration) (nodes []*server.Server, err error) {
	t.Helper()
	defer func() {
		if err != nil {
			for _, ns := range nodes {
				ns.Shutdown()
				ns.WaitForShutdown()
			}
		}
	}()
	ports := make([]int, n)
	for i := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ports[i] = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
	}
	var routes []string
	for _, p := range ports {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	for i := range n {
		opts := &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1),
			Host:       "127.0.0.1",
			Port:       -1,
			JetStream:  true,
			StoreDir:   t.TempDir(),
			Cluster:    server.ClusterOpts{Name: "civicdesk-test", Host: "127.0.0.1", Port: ports[i]},
			Routes:     server.RoutesFromStr(strings.Join(routes, ",")),
			NoSigs:     true,
			NoLog:      true,
			MaxPayload: 8 << 20,
		}
		ns, err := server.NewServer(opts)
		if err != nil {
			return nodes, err
		}
		go ns.Start()
		nodes = append(nodes, ns)
	}
	deadline := time.Now().Add(d)
	for _, ns := range nodes {
		if !ns.ReadyForConnections(10 * time.Second) {
			return nodes, fmt.Errorf("NATS node %s not ready", ns.Name())
		}
		if err := jetStreamAnswers(ns.ClientURL(), deadline); err != nil {
			return nodes, fmt.Errorf("node %s: %w", ns.Name(), err)
		}
	}
	return nodes, nil
}

// jetStreamAnswers waits until JetStream answers an account query at url.
func jetStreamAnswers(url string, deadline time.Time) error {
	nc, err := nats.Connect(url)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := js.AccountInfo(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startFerretDB runs FerretDB (SQLite backend) in this process as the
// replicas' shared MongoDB and returns its URI.
func startFerretDB(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = f.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return f.MongoDBURI() // waits for the listener
}

// replica is one civicdesk process of the cluster.
type replica struct {
	*child
	name string
}

func startReplica(t *testing.T, name, natsURL, mongoURI string) *replica {
	t.Helper()
	c := startChildArgs(t, "serve", "--demo", "--http-addr", "127.0.0.1:0", "--smtp-addr", "127.0.0.1:0",
		"--data-dir", t.TempDir(), "--rate-limit", "off", "--log-level", "info",
		"--nats-url", natsURL, "--nats-replicas", "3", "--mongodb-uri", mongoURI, "--mongodb-database", "cluster")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replica %s output:\n%s", name, c.out.String())
		}
	})
	return &replica{child: c, name: name}
}

var leaseHeldRE = regexp.MustCompile(`(?m)^civicdesk_lease_held\{lease="routing"\} 1$`)

// holdsRouting reports whether the replica says, on /metrics, that it runs
// routing; a dead replica does not.
func (r *replica) holdsRouting() bool {
	select {
	case <-r.done:
		return false
	default:
	}
	resp, err := http.Get(r.url + "/metrics")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return leaseHeldRE.Match(data)
}

// routingHolder waits until exactly one replica holds the routing lease and
// returns it; two holders at once fail the test.
func routingHolder(t *testing.T, within time.Duration, rs ...*replica) *replica {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var holders []string
		var holder *replica
		for _, r := range rs {
			if r.holdsRouting() {
				holders = append(holders, r.name)
				holder = r
			}
		}
		if len(holders) > 1 {
			t.Fatalf("replicas %v all hold the routing lease", holders)
		}
		if holder != nil {
			return holder
		}
		if time.Now().After(deadline) {
			t.Fatalf("no replica took the routing lease within %v", within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// citizenView follows one citizen's conversation over however many sockets
// it takes, remembering every message in the order shown.
type citizenView struct {
	mu    sync.Mutex
	shown []string // message ids in the order the sockets delivered them
}

// follow records the message events of s until it closes; the returned
// channel is closed once all of them are recorded.
func (v *citizenView) follow(s *socket, seen chan<- civicdesk.Message) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range s.events {
			if ev.Type == "message" && ev.Message != nil {
				v.mu.Lock()
				v.shown = append(v.shown, ev.Message.ID)
				v.mu.Unlock()
				seen <- *ev.Message
			}
		}
	}()
	return done
}

func (v *citizenView) last() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.shown) == 0 {
		return ""
	}
	return v.shown[len(v.shown)-1]
}

func waitMessage(t *testing.T, seen <-chan civicdesk.Message, what string, match func(civicdesk.Message) bool) civicdesk.Message {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case m := <-seen:
			if match(m) {
				return m
			}
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// assignments counts conversation.assigned events per conversation and agent
// across every desk socket that follows it.
type assignments struct {
	mu   sync.Mutex
	n    map[string]map[string]int // conversation → agent → events
	last map[string]civicdesk.Conversation
}

func (a *assignments) follow(s *socket) {
	go func() {
		for ev := range s.events {
			a.note(ev)
		}
	}()
}

func (a *assignments) note(ev civicdesk.Event) {
	if ev.Type != "conversation.assigned" || ev.Conversation == nil {
		return
	}
	a.mu.Lock()
	if a.n[ev.Conversation.ID] == nil {
		a.n[ev.Conversation.ID] = map[string]int{}
	}
	a.n[ev.Conversation.ID][ev.Conversation.AssignedAgentID]++
	a.last[ev.Conversation.ID] = *ev.Conversation
	a.mu.Unlock()
}

func (a *assignments) wait(t *testing.T, convID string, within time.Duration) civicdesk.Conversation {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		a.mu.Lock()
		c, ok := a.last[convID]
		a.mu.Unlock()
		if ok {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("conversation %s was not assigned within %v", convID, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestThreeReplicasOnANATSCluster runs three civicdesk processes against a
// three-node JetStream cluster (streams with three replicas) and one shared
// MongoDB store (FerretDB): citizens on replica A, the caseworker on B, the
// supervisor on C. It SIGKILLs the replica that holds both the routing lease
// and a citizen's socket mid-conversation, then SIGTERMs another while a
// citizen is sending, and checks that routing moves within 10 s, sockets
// resume elsewhere with nothing missed or doubled, no accepted message is
// lost and no conversation is assigned twice.
func TestThreeReplicasOnANATSCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster, FerretDB and three civicdesk processes")
	}
	began := time.Now()
	nodes := startNATSCluster(t, 3)
	mongoURI := startFerretDB(t)
	a := startReplica(t, "A", nodes[0].ClientURL(), mongoURI)
	// A starts first so that it is the one running routing; the metric says.
	if h := routingHolder(t, 15*time.Second, a); h != a {
		t.Fatalf("routing on %s", h.name)
	}
	b := startReplica(t, "B", nodes[1].ClientURL(), mongoURI)
	c := startReplica(t, "C", nodes[2].ClientURL(), mongoURI)
	t.Logf("cluster, store and three replicas up in %v", time.Since(began).Round(time.Millisecond))
	if h := routingHolder(t, time.Second, a, b, c); h != a {
		t.Fatalf("routing moved to %s without a failure", h.name)
	}
	for _, r := range []*replica{a, b, c} {
		api{t: t, base: r.url}.must("GET", "/readyz", nil, nil, 200)
	}
	// Every stream and the lease bucket keep three copies, one per node.
	nc, err := nats.Connect(nodes[2].ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	for _, name := range []string{civicdesk.StreamInbound, civicdesk.StreamEvents, civicdesk.StreamOutbound, civicdesk.StreamAudit, civicdesk.StreamWebhooks, "KV_CD_LEASES"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, err := js.Stream(ctx, name)
		cancel()
		if err != nil {
			t.Fatalf("stream %s: %v", name, err)
		}
		if n := st.CachedInfo().Config.Replicas; n != 3 {
			t.Errorf("stream %s has %d replicas, want 3", name, n)
		}
	}
	nc.Close()

	// The caseworker on B, the supervisor on C.
	agent := login(t, b.url, "agent1@demo.gov")
	assigned := &assignments{n: map[string]map[string]int{}, last: map[string]civicdesk.Conversation{}}
	deskOnB := dial(t, b.url+"/api/v1/desk/ws?token="+agent.token)
	assigned.follow(deskOnB)
	super := login(t, c.url, "supervisor@demo.gov")
	monitor := dial(t, c.url+"/api/v1/desk/ws?token="+super.token)

	// A citizen on A talks to the caseworker on B; the supervisor on C sees it.
	var sess session
	api{t: t, base: a.url}.must("POST", "/api/v1/widget/sessions", map[string]string{"locale": "en"}, &sess, 201)
	citizen := api{t: t, base: a.url, token: sess.VisitorToken}
	view := &citizenView{}
	seen := make(chan civicdesk.Message, 1000)
	first := dial(t, a.url+"/api/v1/widget/ws?token="+sess.VisitorToken)
	firstDone := view.follow(first, seen)
	var opened accepted
	citizen.must("POST", "/api/v1/widget/messages", map[string]string{"clientMessageId": uuid(1), "text": "I need to talk to a person about my building permit"}, &opened, 202)
	conv := assigned.wait(t, opened.ConversationID, 20*time.Second)
	if conv.AssignedAgentID != "ag_agent1" {
		t.Fatalf("assigned to %q, want ag_agent1", conv.AssignedAgentID)
	}
	convs := []string{conv.ID}
	reply := func(n int, text string) string {
		t.Helper()
		var out struct {
			MessageID string `json:"messageId"`
		}
		agent.must("POST", "/api/v1/desk/conversations/"+conv.ID+"/messages", map[string]string{"clientMessageId": uuid(100 + n), "text": text}, &out, 202)
		return out.MessageID
	}
	r1 := reply(1, "Hello, I can help with your permit.")
	waitMessage(t, seen, "the caseworker's reply on A", func(m civicdesk.Message) bool { return m.ID == r1 })
	monitor.next(t, "the reply on the supervisor's monitor on C", 20*time.Second, func(ev civicdesk.Event) bool {
		return ev.Type == "message" && ev.Message != nil && ev.Message.ID == r1
	})
	var more accepted
	citizen.must("POST", "/api/v1/widget/messages", map[string]string{"clientMessageId": uuid(2), "text": "Thanks, the permit number is on its way"}, &more, 202)
	waitMessage(t, seen, "the citizen's own message echoed", func(m civicdesk.Message) bool { return m.ID == more.MessageID })
	var deskView struct {
		Messages []civicdesk.Message `json:"messages"`
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		agent.must("GET", "/api/v1/desk/conversations/"+conv.ID, nil, &deskView, 200)
		if n := len(deskView.Messages); n > 0 && deskView.Messages[n-1].ID == more.MessageID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the caseworker on B never saw the citizen's second message")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Two more citizens are assigned by A: the next owner of routing must
	// take their assignments over, not make new ones. A third asks just
	// before A dies: its message is in A's hands when A does.
	for i := range 3 {
		var s session
		api{t: t, base: a.url}.must("POST", "/api/v1/widget/sessions", map[string]string{}, &s, 201)
		var acc accepted
		api{t: t, base: a.url, token: s.VisitorToken}.must("POST", "/api/v1/widget/messages", map[string]string{"clientMessageId": uuid(10 + i), "text": "agent please"}, &acc, 202)
		convs = append(convs, acc.ConversationID)
		if i < 2 {
			assigned.wait(t, acc.ConversationID, 20*time.Second)
		}
	}
	late := convs[len(convs)-1]

	// SIGKILL A: it runs routing and holds the citizen's socket.
	killed := time.Now()
	a.kill()
	r2 := reply(2, "Are you still there? I have found your file.") // while the citizen has no socket
	<-firstDone
	resumed := dial(t, b.url+"/api/v1/widget/ws?token="+sess.VisitorToken+"&after="+view.last())
	resumedDone := view.follow(resumed, seen)
	waitMessage(t, seen, "the reply sent while the citizen was cut off", func(m civicdesk.Message) bool { return m.ID == r2 })
	r3 := reply(3, "Your permit is approved.")
	waitMessage(t, seen, "a live reply after resuming on B", func(m civicdesk.Message) bool { return m.ID == r3 })

	holder := routingHolder(t, 10*time.Second-time.Since(killed), b, c)
	took := time.Since(killed)
	t.Logf("routing lease moved from A to %s %v after SIGKILL", holder.name, took.Round(time.Millisecond))
	// A new citizen, on C, gets routed by the new owner.
	var s2 session
	api{t: t, base: c.url}.must("POST", "/api/v1/widget/sessions", map[string]string{}, &s2, 201)
	var acc2 accepted
	api{t: t, base: c.url, token: s2.VisitorToken}.must("POST", "/api/v1/widget/messages", map[string]string{"clientMessageId": uuid(20), "text": "I want to speak to a human"}, &acc2, 202)
	convs = append(convs, acc2.ConversationID)
	routedAfter := assigned.wait(t, acc2.ConversationID, 15*time.Second)
	t.Logf("a new citizen was routed %v after SIGKILL", time.Since(killed).Round(time.Millisecond))
	if routedAfter.AssignedAgentID != "ag_agent1" {
		t.Fatalf("new citizen assigned to %q", routedAfter.AssignedAgentID)
	}

	// Rolling restart: A comes back (it waits for the lease), then B, which
	// holds the citizen's and the caseworker's sockets, is told to stop
	// while the citizen is sending.
	a = startReplica(t, "A2", nodes[0].ClientURL(), mongoURI)
	citizenB := api{t: t, base: b.url, token: sess.VisitorToken}
	var acked []string
	ctx, stopSending := context.WithCancel(context.Background())
	sending := make(chan struct{})
	go func() {
		defer close(sending)
		for n := 0; ctx.Err() == nil && n < 200; n++ {
			cmid := uuid(1000 + n)
			var acc accepted
			code, err := citizenB.try("POST", "/api/v1/widget/messages", map[string]string{"clientMessageId": cmid, "text": fmt.Sprintf("Detail %d of my application", n)}, &acc)
			if err != nil {
				return // B is gone: this one got no 202
			}
			if code == 202 {
				acked = append(acked, cmid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	time.Sleep(300 * time.Millisecond)
	stopping := time.Now()
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-resumed.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("B's widget socket was not closed on SIGTERM")
	}
	if st := websocket.CloseStatus(resumed.err); st != websocket.StatusGoingAway {
		t.Fatalf("B closed the widget socket with %v (%v), want going away", st, resumed.err)
	}
	select {
	case <-deskOnB.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("B's desk socket was not closed on SIGTERM")
	}
	if st := websocket.CloseStatus(deskOnB.err); st != websocket.StatusGoingAway {
		t.Fatalf("B closed the desk socket with %v (%v), want going away", st, deskOnB.err)
	}
	select {
	case <-b.done:
	case <-time.After(15 * time.Second):
		t.Fatal("B did not exit within 15 s of SIGTERM")
	}
	stopSending()
	<-sending
	<-resumedDone
	if code := b.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("B exited with %d after SIGTERM", code)
	}
	t.Logf("B stopped %v after SIGTERM; %d messages got 202 before", time.Since(stopping).Round(time.Millisecond), len(acked))
	if len(acked) == 0 {
		t.Fatal("no message was accepted before SIGTERM; the check proves nothing")
	}

	// The citizen resumes on C, the caseworker signs in again there.
	final := dial(t, c.url+"/api/v1/widget/ws?token="+sess.VisitorToken+"&after="+view.last())
	view.follow(final, seen)
	agent = login(t, c.url, "agent1@demo.gov")
	assigned.follow(dial(t, c.url+"/api/v1/desk/ws?token="+agent.token))
	r4 := reply(4, "All your details are in; we are done.")
	waitMessage(t, seen, "a live reply after resuming on C", func(m civicdesk.Message) bool { return m.ID == r4 })

	// The citizen whose message A held when it died is served too: the
	// message is redelivered to another replica after its ack wait (30 s).
	assigned.wait(t, late, 45*time.Second-time.Since(killed))
	t.Logf("the conversation in A's hands at SIGKILL was assigned %v after", time.Since(killed).Round(time.Millisecond))

	// Nothing accepted was lost, nothing stored twice, all in order; and the
	// citizen's sockets together showed exactly the stored history.
	var h history
	api{t: t, base: c.url, token: sess.VisitorToken}.must("GET", "/api/v1/widget/messages", nil, &h, 200)
	var stored, ids []string
	for _, m := range h.Messages {
		ids = append(ids, m.ID)
		if m.Author.Kind == civicdesk.AuthorCitizen && m.ClientMessageID >= uuid(1000) && m.ClientMessageID < uuid(2000) {
			stored = append(stored, m.ClientMessageID)
		}
	}
	if ok, why := sameOrderOnce(acked, stored); !ok {
		t.Fatalf("after SIGTERM: %s", why)
	}
	view.mu.Lock()
	shown := strings.Join(view.shown, " ")
	view.mu.Unlock()
	if shown != strings.Join(ids, " ") {
		t.Fatalf("the citizen's sockets showed\n%s\nbut the conversation holds\n%s", shown, strings.Join(ids, " "))
	}
	agent.must("GET", "/api/v1/desk/conversations/"+conv.ID, nil, &deskView, 200)
	if len(deskView.Messages) != len(h.Messages) {
		t.Fatalf("the caseworker sees %d messages, the citizen %d", len(deskView.Messages), len(h.Messages))
	}

	// No conversation was ever assigned twice: one assignment decision each,
	// and one conversation.assigned event, to the same caseworker.
	for _, id := range convs {
		var v struct {
			Conversation civicdesk.Conversation `json:"conversation"`
		}
		super.must("GET", "/api/v1/desk/conversations/"+id, nil, &v, 200)
		n := 0
		for _, d := range v.Conversation.Decisions {
			if d.Kind == "assign" {
				n++
			}
		}
		if n != 1 || v.Conversation.AssignedAgentID != "ag_agent1" {
			t.Errorf("conversation %s: %d assignment decisions, assigned to %q", id, n, v.Conversation.AssignedAgentID)
		}
		assigned.mu.Lock()
		events := assigned.n[id]
		assigned.mu.Unlock()
		if len(events) != 1 || events["ag_agent1"] != 1 {
			t.Errorf("conversation %s: conversation.assigned events by agent %v, want one to ag_agent1", id, events)
		}
	}
	// Routing stayed with its owner unless that was B, which handed it on.
	if h := routingHolder(t, 10*time.Second, a, c); holder != b && h != holder {
		t.Errorf("routing moved from %s to %s without a failure", holder.name, h.name)
	}
	t.Logf("whole scenario %v", time.Since(began).Round(time.Millisecond))
}

// --nats-replicas takes 1 to 5, and more than 1 only with a NATS cluster.
func TestNATSReplicasSetting(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{[]string{}, true},
		{[]string{"--nats-url", "nats://n1:4222,nats://n2:4222,nats://n3:4222", "--nats-replicas", "3"}, true},
		{[]string{"--nats-replicas", "3"}, false}, // the embedded server is one node
		{[]string{"--nats-url", "nats://n1:4222", "--nats-replicas", "0"}, false},
		{[]string{"--nats-url", "nats://n1:4222", "--nats-replicas", "7"}, false},
		{[]string{"--nats-url", "nats://n1:4222", "--nats-replicas", "three"}, false},
	} {
		cfg, err := parseConfig("t", tc.args, noEnv, io.Discard)
		if (err == nil) != tc.ok {
			t.Errorf("%v: err %v, want ok=%v", tc.args, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "nats-replicas") {
			t.Errorf("%v: %v does not name the setting", tc.args, err)
		}
		if len(tc.args) == 0 && cfg.NATSReplicas != "1" {
			t.Errorf("default nats-replicas %q, want 1", cfg.NATSReplicas)
		}
	}
	cfg, err := parseConfig("t", nil, func(k string) string {
		return map[string]string{"CIVICDESK_NATS_URL": "nats://n1:4222", "CIVICDESK_NATS_REPLICAS": "3"}[k]
	}, io.Discard)
	if err != nil || cfg.NATSReplicas != "3" {
		t.Errorf("CIVICDESK_NATS_REPLICAS=3: %q, %v", cfg.NATSReplicas, err)
	}
}
