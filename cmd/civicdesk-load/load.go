package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// pace calls fn at rate per second for d (open loop: the plan does not wait
// for answers), from workers goroutines. fn gets the planned time, so that
// latency counts any wait for a free worker.
func pace(ctx context.Context, rate float64, d time.Duration, workers int, fn func(planned time.Time)) (started int) {
	if rate <= 0 {
		return 0
	}
	jobs := make(chan time.Time, workers*4)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range jobs {
				if ctx.Err() != nil {
					continue
				}
				fn(p)
			}
		}()
	}
	start := time.Now()
	end := start.Add(d)
	step := float64(time.Second) / rate
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	sent := 0
	// Every message planned before end is sent, also those planned after
	// the last tick.
	planned := plannedCount(rate, d)
loop:
	for {
		now := time.Now()
		if ctx.Err() != nil {
			break
		}
		due := min(int(float64(now.Sub(start))/step)+1, planned)
		if !now.Before(end) {
			due = planned // those of the last tick's millisecond too
		}
		for ; sent < due; sent++ {
			at := start.Add(time.Duration(float64(sent) * step))
			if !at.Before(end) {
				break loop
			}
			select {
			case jobs <- at:
				continue
			default:
			}
			select {
			case jobs <- at:
			case <-ctx.Done():
				break loop
			case <-time.After(time.Until(end)):
				break loop // the server is behind: what is not sent by the end is not sent
			}
		}
		if sent >= planned || !now.Before(end) {
			break
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			break loop
		}
	}
	close(jobs)
	wg.Wait()
	return sent
}

// plannedCount is how many messages a run at rate for d plans: those planned
// at 0, 1/rate, 2/rate, … before d.
func plannedCount(rate float64, d time.Duration) int {
	return int(math.Ceil(rate*d.Seconds() - 1e-9))
}

// report is what a run found, printed and optionally written as JSON.
type report struct {
	Mode         string           `json:"mode"`
	Target       string           `json:"target"`
	ServerPID    int              `json:"serverPid,omitempty"`
	MemorySource string           `json:"memorySource"`
	Started      time.Time        `json:"started"`
	Seconds      float64          `json:"seconds"`
	PlannedRate  float64          `json:"plannedRate"`
	Visitors     int              `json:"visitors"`
	Agents       int              `json:"agents"`
	IdleSockets  int              `json:"idleSockets"`
	CPUs         int              `json:"cpus"`
	LoadBefore   string           `json:"loadAverageBefore"`
	LoadAfter    string           `json:"loadAverageAfter"`
	Planned      int64            `json:"planned"`
	Sent         int64            `json:"sent"`
	Accepted     int64            `json:"accepted"`
	AcceptedRate float64          `json:"acceptedPerSecond"`
	Replies      int64            `json:"replies"`
	SMS          int64            `json:"sms"`
	Mail         int64            `json:"mail"`
	Latency      []summary        `json:"latency"`
	C2A          *deliveryReport  `json:"citizenToCaseworker,omitempty"`
	A2C          *deliveryReport  `json:"caseworkerToCitizen,omitempty"`
	Errors       map[string]int64 `json:"errors"`
	PeakRSS      int64            `json:"serverPeakRssBytes"`
	// ServerCPUSeconds is the CPU time the server used from the start of
	// the load until the recorder caught up; per message (citizen messages
	// and replies), in microseconds.
	ServerCPUSeconds    float64 `json:"serverCpuSeconds,omitempty"`
	ServerCPUPerMessage float64 `json:"serverCpuMicrosecondsPerMessage,omitempty"`
	// CPU is how busy the machine was during the load, in CPUs: the
	// server, this generator, and everything else (the noise).
	CPU      cpuShare        `json:"cpuDuringLoad"`
	FinalRSS int64           `json:"serverFinalRssBytes"`
	Idle     *idleReport     `json:"idle,omitempty"`
	Recorder *recorderReport `json:"recorder,omitempty"`
}

type deliveryReport struct {
	Expected   int64 `json:"expected"`
	Delivered  int64 `json:"delivered"`
	Missing    int64 `json:"missing"`
	Duplicates int64 `json:"duplicates"`
}

type idleReport struct {
	Sockets           int     `json:"sockets"`
	RSSBefore         int64   `json:"rssBefore"`
	RSSAfterConnect   int64   `json:"rssAfterConnect"`
	RSSAfterHold      int64   `json:"rssAfterHold"`
	PerSocketConnect  float64 `json:"rssPerSocketAfterConnect"`
	PerSocketHold     float64 `json:"rssPerSocketAfterHold"`
	RuntimePerSocket  float64 `json:"heapInuseAndStacksPerSocket"`
	LivePerSocket     float64 `json:"liveHeapAndStacksAfterGCPerSocket,omitempty"`
	GoroutinesPerSock float64 `json:"goroutinesPerSocket"`
	ConnectSeconds    float64 `json:"connectSeconds"`
}

type recorderReport struct {
	AcceptedByServer float64 `json:"acceptedByServer"`
	Recorded         float64 `json:"recorded"`
	CatchUpSeconds   float64 `json:"catchUpSecondsAfterLoad"`
}

func loadRun(ctx context.Context, cfg config, stdout, stderr io.Writer) int {
	target, _ := parseTarget(cfg.url)
	base := target.String()
	need := uint64(cfg.visitors+cfg.idleSockets+cfg.workers+cfg.agents) + 256
	if limit, err := raiseFileLimit(need); err != nil {
		fmt.Fprintln(stderr, "civicdesk-load:", err)
		return 2
	} else if limit > 0 && !cfg.quiet {
		logf("open-file limit %d", limit)
	}
	client := newHTTPClient(cfg.workers + 64)
	if code, _, err := do(ctx, client, "GET", base+"/healthz", "", nil, "", nil); err != nil || code != 200 {
		fmt.Fprintf(stderr, "civicdesk-load: %s/healthz does not answer (%v, %d): is the server running? (make run, or civicdesk serve --demo --rate-limit off)\n", base, err, code)
		return 2
	}
	pid := cfg.serverPID
	if pid == 0 {
		pid = findListenerPID(portOf(target))
	}
	mem := newMemWatch(pid, base, client)
	rep := &report{Mode: cfg.mode, Target: base, ServerPID: pid, MemorySource: mem.source, Started: time.Now(), PlannedRate: cfg.rate,
		Visitors: cfg.visitors, Agents: cfg.agents, IdleSockets: cfg.idleSockets, CPUs: runtime.NumCPU(), LoadBefore: loadavg()}
	if cfg.mode == "idle" || cfg.mode == "send" {
		rep.Agents = 0
	}
	if cfg.mode == "idle" {
		rep.Visitors, rep.PlannedRate = 0, 0
	}
	if mem.sample(ctx) == 0 {
		logf("cannot read the server's memory (%s); give --server-pid", mem.source)
	}
	memCtx, stopMem := context.WithCancel(ctx)
	defer stopMem()
	go mem.run(memCtx)

	st := newStats()
	c2a := &tracker{lat: st.c2a}
	a2c := &tracker{lat: st.a2c}
	run := runID()
	sockCtx, closeSockets := context.WithCancel(context.Background())
	var sockWG sync.WaitGroup
	defer func() { closeSockets(); sockWG.Wait() }()

	// Progress, once a second, from the first session on.
	progCtx, stopProgress := context.WithCancel(ctx)
	var progWG sync.WaitGroup
	if !cfg.quiet {
		progWG.Add(1)
		go func() {
			defer progWG.Done()
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-progCtx.Done():
					return
				case <-t.C:
					st.progress(stderr, mem)
				}
			}
		}()
	}
	fail := func(format string, args ...any) int {
		stopProgress()
		progWG.Wait()
		fmt.Fprintf(stderr, "civicdesk-load: "+format+"\n", args...)
		printErrors(stderr, st.errs.snapshot())
		return 1
	}

	var dk *desk
	withDesk := cfg.mode == "e2e" || cfg.mode == "mixed"
	if withDesk {
		dk = newDesk(base, run, client, st, c2a, a2c, cfg.replyEvery)
		if err := dk.start(sockCtx, cfg.agents, &sockWG); err != nil {
			return fail("%v", err)
		}
		if cfg.cleanup {
			n, err := dk.clearStale(ctx)
			if err != nil {
				return fail("clearing earlier conversations: %v", err)
			}
			if n > 0 {
				logf("closed %d conversations left open by earlier runs", n)
			}
		}
	}

	cs := newCitizens(base, run, client, st, a2c)
	defer cs.poster.close()
	if dk != nil {
		cs.ours = dk.ours
	}

	// Idle sockets first, so their memory is measured on a quiet server.
	if cfg.idleSockets > 0 && (cfg.mode == "idle" || cfg.mode == "mixed") {
		ir, err := openIdle(ctx, sockCtx, cfg, cs, mem, client, base, &sockWG)
		if err != nil {
			return fail("idle sockets: %v", err)
		}
		rep.Idle = ir
	}

	var vs []*visitor
	if cfg.mode != "idle" {
		var err error
		vs, err = cs.sessions(ctx, cfg.visitors, 32)
		if err != nil {
			return fail("sessions: %v", err)
		}
		cs.all = vs
		if !cfg.noSockets || withDesk {
			if err := connectAll(ctx, sockCtx, cs, vs, true, &sockWG); err != nil {
				return fail("visitor sockets: %v", err)
			}
		}
	}

	if len(vs) > 0 && cfg.warmup > 0 {
		// Warm-up: every citizen asks for a person first, so the bot hands
		// the conversation off at once; the load that is measured is the
		// conversation that follows (with a caseworker, or queued for one).
		var wg sync.WaitGroup
		sem := make(chan struct{}, 32)
		gap := time.Duration(float64(time.Second) / cfg.rate)
		for _, v := range vs {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				cs.send(ctx, v, time.Now(), nil)
			}()
			time.Sleep(gap)
		}
		wg.Wait()
		if !withDesk {
			// Let the bot and routing take the first messages before the
			// clock starts: the load measured is citizens writing in
			// conversations queued for a person, not the hand-offs.
			waitRecorded(ctx, client, base, min(cfg.warmup, 10*time.Second))
			if !cfg.noSockets {
				deadline := time.Now().Add(cfg.warmup)
				for cs.withPerson.Load() < int64(len(vs)) && time.Now().Before(deadline) && ctx.Err() == nil {
					time.Sleep(100 * time.Millisecond)
				}
				logf("%d of %d conversations are queued for or with a caseworker", cs.withPerson.Load(), len(vs))
			}
		}
	}
	if withDesk {
		// Routing assigns as many conversations as the caseworkers' capacity
		// holds; the rest wait in queues.
		want := min(cfg.visitors, cfg.agents*5)
		deadline := time.Now().Add(cfg.warmup)
		last, lastChange := -1, time.Now()
		for time.Now().Before(deadline) && ctx.Err() == nil {
			n := cs.assignedCount()
			if n >= want {
				break
			}
			if n != last {
				last, lastChange = n, time.Now()
			} else if n > 0 && time.Since(lastChange) > 5*time.Second {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		logf("%d of %d citizens are with a caseworker; measuring delivery on those", cs.assignedCount(), cfg.visitors)
		if cs.assignedCount() == 0 {
			return fail("no conversation reached a caseworker within --warmup %s", cfg.warmup)
		}
	}

	st.send.reset() // the warm-up's sends are not the load
	st.sendLag.reset()
	// The warm-up's messages recorded first, so that the report counts
	// only the load's.
	caughtUp(ctx, client, base, 10*time.Second)
	recBefore, _ := scrape(ctx, client, base+"/metrics")
	// The load.
	cpuBefore, cpuErr := procCPU(pid)
	markStart := markCPU(pid)
	loadStart := time.Now()
	acceptedBefore := st.accepted.Load()
	var loadWG sync.WaitGroup
	if cfg.mode != "idle" {
		loadWG.Add(1)
		go func() {
			defer loadWG.Done()
			onlyAssigned := cfg.mode == "e2e"
			var track *tracker
			if withDesk {
				track = c2a
			}
			n := pace(ctx, cfg.rate, cfg.duration, cfg.workers, func(planned time.Time) {
				if v := cs.pick(onlyAssigned); v != nil {
					cs.send(ctx, v, planned, track)
				}
			})
			rep.Planned = int64(plannedCount(cfg.rate, cfg.duration))
			rep.Sent = int64(n)
		}()
	}
	var smtpS *smtpSender
	if cfg.smsRate > 0 {
		s := &smsSender{url: base + "/api/v1/channels/sms/twilio", token: cfg.twilioToken, to: cfg.smsTo, numbers: 200, client: client, st: st}
		loadWG.Add(1)
		go func() {
			defer loadWG.Done()
			pace(ctx, cfg.smsRate, cfg.duration, 8, func(p time.Time) { s.send(ctx, p) })
		}()
	}
	if cfg.smtpRate > 0 {
		smtpS = &smtpSender{addr: cfg.smtpAddr, domain: cfg.emailDomain, run: run, st: st}
		loadWG.Add(1)
		go func() {
			defer loadWG.Done()
			pace(ctx, cfg.smtpRate, cfg.duration, 8, func(p time.Time) { smtpS.send(ctx, p) })
		}()
	}
	if cfg.mode == "idle" {
		select {
		case <-ctx.Done():
		case <-time.After(cfg.duration):
		}
	}
	loadWG.Wait()
	loadSeconds := time.Since(loadStart).Seconds()
	rep.CPU = markStart.until(markCPU(pid))
	if smtpS != nil {
		smtpS.close()
	}

	// Drain: deliveries in flight, the recorder's backlog.
	drainEnd := time.Now().Add(cfg.drain)
	for time.Now().Before(drainEnd) && ctx.Err() == nil && (c2a.outstanding() > 0 || a2c.outstanding() > 0) {
		time.Sleep(50 * time.Millisecond)
	}
	if cfg.mode != "idle" {
		rep.Recorder = recorderCatchUp(ctx, client, base, recBefore, drainEnd)
	}
	if rep.Idle != nil {
		rep.Idle.RSSAfterHold = mem.sample(ctx)
		if rep.Idle.RSSAfterHold > 0 && rep.Idle.RSSBefore > 0 {
			rep.Idle.PerSocketHold = float64(rep.Idle.RSSAfterHold-rep.Idle.RSSBefore) / float64(rep.Idle.Sockets)
		}
	}
	stopProgress()
	progWG.Wait()

	if cpuAfter, err := procCPU(pid); err == nil && cpuErr == nil && pid > 0 {
		// Until the recorder caught up: the work the load caused.
		rep.ServerCPUSeconds = (cpuAfter - cpuBefore).Seconds()
		if n := st.accepted.Load() - acceptedBefore + st.replies.Load(); n > 0 {
			rep.ServerCPUPerMessage = rep.ServerCPUSeconds / float64(n) * 1e6
		}
	}
	rep.Seconds = loadSeconds
	rep.Accepted = st.accepted.Load() - acceptedBefore
	rep.AcceptedRate = float64(rep.Accepted) / loadSeconds
	rep.Replies, rep.SMS, rep.Mail = st.replies.Load(), st.smsOK.Load(), st.smtpOK.Load()
	rep.Latency = []summary{st.send.summary(), st.sendLag.summary(), st.c2a.summary(), st.reply.summary(), st.a2c.summary(),
		st.sms.summary(), st.smtp.summary(), st.session.summary(), st.wsConnect.summary()}
	if withDesk {
		rep.C2A = &deliveryReport{Expected: c2a.expected.Load(), Delivered: c2a.delivered.Load(), Missing: c2a.outstanding(), Duplicates: c2a.duplicates.Load()}
		rep.A2C = &deliveryReport{Expected: a2c.expected.Load(), Delivered: a2c.delivered.Load(), Missing: a2c.outstanding(), Duplicates: a2c.duplicates.Load()}
	}
	rep.PeakRSS = mem.peakRSS()
	rep.FinalRSS = mem.sample(ctx)
	rep.LoadAfter = loadavg()
	rep.Errors = st.errs.snapshot()

	if cfg.cleanup && len(vs) > 0 && ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		cs.closeAll(cctx, vs)
		cancel()
	}
	printReport(stdout, cfg, rep)
	if cfg.jsonOut != "" {
		data, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(cfg.jsonOut, append(data, '\n'), 0o644); err != nil {
			fmt.Fprintln(stderr, "civicdesk-load:", err)
		}
	}
	if (rep.C2A != nil && (rep.C2A.Missing > 0 || rep.C2A.Duplicates > 0)) || (rep.A2C != nil && (rep.A2C.Missing > 0 || rep.A2C.Duplicates > 0)) {
		return 1
	}
	return 0
}

// connectAll opens the visitors' sockets, 64 at a time.
func connectAll(ctx, sockCtx context.Context, cs *citizens, vs []*visitor, active bool, wg *sync.WaitGroup) error {
	sem := make(chan struct{}, 64)
	var failed atomic.Int64
	var cwg sync.WaitGroup
	for _, v := range vs {
		if ctx.Err() != nil {
			break
		}
		cwg.Add(1)
		sem <- struct{}{}
		go func() {
			defer cwg.Done()
			defer func() { <-sem }()
			for attempt := 0; attempt < 3; attempt++ {
				if cs.connect(sockCtx, v, active, wg) == nil {
					return
				}
				time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
			}
			failed.Add(1)
		}()
	}
	cwg.Wait()
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d of %d sockets could not be opened", n, len(vs))
	}
	return ctx.Err()
}

// openIdle creates sessions for the idle sockets, measures the server, opens
// the sockets, lets the server settle and measures again.
func openIdle(ctx, sockCtx context.Context, cfg config, cs *citizens, mem *memWatch, client *http.Client, base string, wg *sync.WaitGroup) (*idleReport, error) {
	n := cfg.idleSockets
	logf("creating %d sessions for idle sockets", n)
	vs, err := cs.sessions(ctx, n, 32)
	if err != nil {
		return nil, err
	}
	settle := func() {
		select {
		case <-ctx.Done():
		case <-time.After(3 * time.Second):
		}
	}
	settle()
	var liveBefore int64
	if cfg.pprofURL != "" {
		var err error
		if liveBefore, err = liveAfterGC(ctx, client, cfg.pprofURL); err != nil {
			logf("live heap: %v", err)
		}
	}
	ir := &idleReport{Sockets: n, RSSBefore: mem.sample(ctx)}
	rtBefore, rtErr := readRuntimeMem(ctx, client, base)
	logf("opening %d idle widget sockets (server RSS before: %s)", n, mib(ir.RSSBefore))
	t0 := time.Now()
	if err := connectAll(ctx, sockCtx, cs, vs, false, wg); err != nil {
		return nil, err
	}
	ir.ConnectSeconds = time.Since(t0).Seconds()
	settle()
	ir.RSSAfterConnect = mem.sample(ctx)
	if ir.RSSBefore > 0 && ir.RSSAfterConnect > 0 {
		ir.PerSocketConnect = float64(ir.RSSAfterConnect-ir.RSSBefore) / float64(n)
	}
	if rtAfter, err := readRuntimeMem(ctx, client, base); err == nil && rtErr == nil {
		ir.RuntimePerSocket = (rtAfter.heapInuse + rtAfter.stackInuse - rtBefore.heapInuse - rtBefore.stackInuse) / float64(n)
		ir.GoroutinesPerSock = (rtAfter.goroutines - rtBefore.goroutines) / float64(n)
	}
	if liveBefore > 0 {
		if liveAfter, err := liveAfterGC(ctx, client, cfg.pprofURL); err == nil {
			ir.LivePerSocket = float64(liveAfter-liveBefore) / float64(n)
		}
	}
	logf("%d idle sockets open in %.1fs: server RSS %s, %s per socket", n, ir.ConnectSeconds, mib(ir.RSSAfterConnect), kib(ir.PerSocketConnect))
	return ir, nil
}

// waitRecorded waits (at most d) until the server has recorded every widget
// message it accepted, then two seconds more for the bot and routing.
func waitRecorded(ctx context.Context, client *http.Client, base string, d time.Duration) {
	caughtUp(ctx, client, base, d)
	select {
	case <-ctx.Done():
	case <-time.After(2 * time.Second):
	}
}

// caughtUp waits (at most d) until the server has recorded every widget
// message it accepted.
func caughtUp(ctx context.Context, client *http.Client, base string, d time.Duration) {
	const acc = `civicdesk_accepted_total{channel="webchat"}`
	const rec = `civicdesk_messages_total{channel="webchat",direction="in"}`
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		m, err := scrape(ctx, client, base+"/metrics")
		if err != nil || m[rec] >= m[acc] {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// recorderCatchUp waits (until deadline) for the server to have recorded
// every message it accepted during the load, from its /metrics.
func recorderCatchUp(ctx context.Context, client *http.Client, base string, before map[string]float64, deadline time.Time) *recorderReport {
	if before == nil {
		return nil
	}
	const acc = `civicdesk_accepted_total{channel="webchat"}`
	const rec = `civicdesk_messages_total{channel="webchat",direction="in"}`
	t0 := time.Now()
	deadline = deadline.Add(30 * time.Second)
	for {
		now, err := scrape(ctx, client, base+"/metrics")
		if err != nil {
			return nil
		}
		r := &recorderReport{AcceptedByServer: now[acc] - before[acc], Recorded: now[rec] - before[rec], CatchUpSeconds: time.Since(t0).Seconds()}
		if r.Recorded >= r.AcceptedByServer || time.Now().After(deadline) || ctx.Err() != nil {
			return r
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func printErrors(w io.Writer, errs map[string]int64) {
	if len(errs) == 0 {
		fmt.Fprintln(w, "  errors       none")
		return
	}
	fmt.Fprintln(w, "  errors by kind:")
	for _, k := range sortedKinds(errs) {
		fmt.Fprintf(w, "    %8d  %s\n", errs[k], k)
	}
}

func printReport(w io.Writer, cfg config, r *report) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "CivicDesk load report")
	srv := r.MemorySource
	if r.ServerPID > 0 {
		srv = fmt.Sprintf("pid %d, memory from %s", r.ServerPID, r.MemorySource)
	}
	fmt.Fprintf(w, "  target       %s (%s)\n", r.Target, srv)
	fmt.Fprintf(w, "  run          --mode %s, %.1fs", r.Mode, r.Seconds)
	if r.Mode != "idle" {
		fmt.Fprintf(w, ", planned %.0f msg/s, %d visitors", r.PlannedRate, r.Visitors)
	}
	if r.Agents > 0 {
		fmt.Fprintf(w, ", %d caseworkers (reply every %d)", r.Agents, cfg.replyEvery)
	}
	if r.IdleSockets > 0 {
		fmt.Fprintf(w, ", %d idle sockets", r.IdleSockets)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  machine      %d CPUs, %s %s/%s; load average %s before, %s after\n", r.CPUs, runtime.Version(), runtime.GOOS, runtime.GOARCH, r.LoadBefore, r.LoadAfter)
	if r.Mode != "idle" {
		fmt.Fprintf(w, "  throughput   %d widget messages accepted (202) = %.1f/s; %d of %d planned were sent", r.Accepted, r.AcceptedRate, r.Sent, r.Planned)
		if r.Replies > 0 {
			fmt.Fprintf(w, "; %d caseworker replies", r.Replies)
		}
		if cfg.smsRate > 0 {
			fmt.Fprintf(w, "; %d SMS (200)", r.SMS)
		}
		if cfg.smtpRate > 0 {
			fmt.Fprintf(w, "; %d mails (250)", r.Mail)
		}
		fmt.Fprintln(w)
	}
	table(w, r.Latency)
	for _, d := range []struct {
		name string
		r    *deliveryReport
	}{{"citizen → caseworker", r.C2A}, {"caseworker → citizen", r.A2C}} {
		if d.r != nil {
			fmt.Fprintf(w, "  delivery     %s: %d expected, %d delivered, %d missing, %d twice\n", d.name, d.r.Expected, d.r.Delivered, d.r.Missing, d.r.Duplicates)
		}
	}
	if rr := r.Recorder; rr != nil {
		fmt.Fprintf(w, "  recorder     %.0f of %.0f accepted widget messages recorded, %.1fs after the load stopped\n", rr.Recorded, rr.AcceptedByServer, rr.CatchUpSeconds)
	}
	printErrors(w, r.Errors)
	if r.CPU.Capacity > 0 {
		fmt.Fprintf(w, "  CPU in use   during the load, of %.1f CPUs: server %.2f, this generator %.2f, other processes %.2f (the noise)\n",
			r.CPU.Capacity, r.CPU.Server, r.CPU.Generator, r.CPU.Others)
	}
	if r.ServerCPUSeconds > 0 && r.ServerCPUPerMessage > 0 {
		fmt.Fprintf(w, "  server CPU   %.1fs during the load and its catch-up = %.0fµs per message (of %d CPUs × %.1fs)\n", r.ServerCPUSeconds, r.ServerCPUPerMessage, r.CPUs, r.Seconds)
	}
	fmt.Fprintf(w, "  memory       server peak RSS %s, at the end %s\n", mib(r.PeakRSS), mib(r.FinalRSS))
	if ir := r.Idle; ir != nil {
		fmt.Fprintf(w, "  idle sockets %d opened in %.1fs; server RSS %s before → %s after connect (%s per socket) → %s after holding (%s per socket)\n",
			ir.Sockets, ir.ConnectSeconds, mib(ir.RSSBefore), mib(ir.RSSAfterConnect), kib(ir.PerSocketConnect), mib(ir.RSSAfterHold), kib(ir.PerSocketHold))
		if ir.RuntimePerSocket != 0 {
			fmt.Fprintf(w, "               Go heap in use + stacks %s per socket (garbage included), %.2f goroutines per socket\n", kib(ir.RuntimePerSocket), ir.GoroutinesPerSock)
		}
		if ir.LivePerSocket != 0 {
			fmt.Fprintf(w, "               live heap + stacks after a GC: %s per socket\n", kib(ir.LivePerSocket))
		}
	}
}
