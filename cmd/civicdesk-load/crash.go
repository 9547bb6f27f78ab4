package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// crashServer is a civicdesk child process on a fixed data dir and ports.
type crashServer struct {
	bin, dataDir, httpAddr, smtpAddr string
	logs                             io.Writer
	cmd                              *exec.Cmd
	done                             chan struct{}
}

func (s *crashServer) start(ctx context.Context, client *http.Client) (time.Duration, error) {
	t0 := time.Now()
	s.cmd = exec.Command(s.bin, "serve", "--demo", "--http-addr", s.httpAddr, "--smtp-addr", s.smtpAddr, "--data-dir", s.dataDir, "--rate-limit", "off")
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", s.bin, err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return 0, fmt.Errorf("the server exited while starting; see %s", filepath.Join(s.dataDir, "server.log"))
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if code, _, err := do(ctx, client, "GET", "http://"+s.httpAddr+"/readyz", "", nil, "", nil); err == nil && code == 200 {
			return time.Since(t0), nil
		}
	}
	return 0, fmt.Errorf("the server was not ready after 90s")
}

func (s *crashServer) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

func (s *crashServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.kill()
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func findServerBin(flagValue string) (string, error) {
	if flagValue != "" {
		return filepath.Abs(flagValue)
	}
	if st, err := os.Stat("bin/civicdesk"); err == nil && !st.IsDir() {
		return filepath.Abs("bin/civicdesk")
	}
	if p, err := exec.LookPath("civicdesk"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("no civicdesk binary: build one (go build -o bin/civicdesk ./cmd/civicdesk) or pass --server-bin")
}

// crashCitizen sends numbered messages one at a time and retries each one,
// with the same clientMessageId, until it gets its 202: as the widget does
// across a server crash.
type crashCitizen struct {
	v       *visitor
	mu      sync.Mutex
	acked   []string // clientMessageIds that got 202, in send order
	retried int      // sends that needed more than one attempt
}

// crashRun starts the server as a child, loads it, SIGKILLs it at a random
// moment, restarts it on the same data dir, --cycles times, under continuous
// load, then verifies that every acknowledged message is stored exactly once
// and in order and that every conversation was routed.
func crashRun(ctx context.Context, cfg config, stdout, stderr io.Writer) int {
	bin, err := findServerBin(cfg.serverBin)
	if err != nil {
		fmt.Fprintln(stderr, "civicdesk-load:", err)
		return 2
	}
	if _, err := raiseFileLimit(uint64(cfg.visitors) + 256); err != nil {
		fmt.Fprintln(stderr, "civicdesk-load:", err)
		return 2
	}
	dataDir, keep := cfg.dataDir, cfg.dataDir != ""
	if dataDir == "" {
		if dataDir, err = os.MkdirTemp("", "civicdesk-crash-"); err != nil {
			fmt.Fprintln(stderr, "civicdesk-load:", err)
			return 2
		}
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		fmt.Fprintln(stderr, "civicdesk-load:", err)
		return 2
	}
	logFile, err := os.OpenFile(filepath.Join(dataDir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		fmt.Fprintln(stderr, "civicdesk-load:", err)
		return 2
	}
	defer logFile.Close()
	var logs io.Writer = logFile
	if cfg.serverStdout {
		logs = io.MultiWriter(logFile, stderr)
	}
	httpAddr, err1 := freeAddr()
	smtpAddr, err2 := freeAddr()
	if err1 != nil || err2 != nil {
		fmt.Fprintln(stderr, "civicdesk-load: no free port:", err1, err2)
		return 2
	}
	base := "http://" + httpAddr
	client := newHTTPClient(cfg.workers + 16)
	client.Timeout = 10 * time.Second
	srv := &crashServer{bin: bin, dataDir: dataDir, httpAddr: httpAddr, smtpAddr: smtpAddr, logs: logs}
	defer srv.stop()
	logf("crash run: %s serve on %s, data dir %s, %d cycles", bin, base, dataDir, cfg.cycles)

	ready, err := srv.start(ctx, client)
	if err != nil {
		fmt.Fprintln(stderr, "civicdesk-load:", err)
		return 1
	}
	logf("server ready in %s", ready.Round(time.Millisecond))
	st := newStats()
	run := runID()
	cs := newCitizens(base, run, client, st, &tracker{lat: st.a2c})
	vs, err := cs.sessions(ctx, cfg.visitors, 16)
	if err != nil {
		fmt.Fprintln(stderr, "civicdesk-load: sessions:", err)
		return 1
	}
	cits := make([]*crashCitizen, len(vs))
	for i, v := range vs {
		cits[i] = &crashCitizen{v: v}
	}

	// The load: every citizen sends continuously, across kills.
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var attempts, refused atomic.Int64
	gap := time.Duration(float64(time.Second) * float64(len(cits)) / cfg.rate)
	for _, c := range cits {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(rand.N(gap + time.Millisecond))
			for n := 1; loadCtx.Err() == nil; n++ {
				cmid := fmt.Sprintf("k-%s-%d-%d", run, c.v.idx, n)
				text := followText(int64(n))
				if n == 1 {
					text = firstText(c.v.idx)
				}
				c.v.sent.Store(int64(n))
				for try := 0; loadCtx.Err() == nil; try++ {
					attempts.Add(1)
					t0 := time.Now()
					code, body, err := do(loadCtx, client, "POST", base+"/api/v1/widget/messages", c.v.token, messageBody(cmid, text, ""), "", nil)
					if err == nil && code == http.StatusAccepted {
						st.send.observe(time.Since(t0))
						st.accepted.Add(1)
						c.mu.Lock()
						c.acked = append(c.acked, cmid)
						if try > 0 {
							c.retried++
						}
						c.mu.Unlock()
						break
					}
					if loadCtx.Err() != nil {
						break
					}
					if err != nil {
						refused.Add(1)
					} else if code != http.StatusServiceUnavailable && code != http.StatusTooManyRequests && code < 500 {
						st.errs.add(errKind("widget send", code, body, err))
						break // a 4xx will not change on retry
					}
					time.Sleep(100 * time.Millisecond)
				}
				if gap > 0 {
					time.Sleep(gap)
				}
			}
		}()
	}

	var restarts []time.Duration
	killedAt := make([]int64, 0, cfg.cycles)
	for cycle := 1; cycle <= cfg.cycles && ctx.Err() == nil; cycle++ {
		wait := cfg.duration/2 + rand.N(cfg.duration/2+time.Millisecond)
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		if ctx.Err() != nil {
			break
		}
		if rss, hwm, err := procStatus(srv.cmd.Process.Pid); err == nil {
			logf("cycle %d: %d messages acknowledged so far; server RSS %s (peak %s); SIGKILL", cycle, st.accepted.Load(), mib(rss), mib(hwm))
		}
		srv.kill()
		killedAt = append(killedAt, st.accepted.Load())
		took, err := srv.start(ctx, client)
		if err != nil {
			stopLoad()
			wg.Wait()
			fmt.Fprintln(stderr, "civicdesk-load: restart:", err)
			return 1
		}
		restarts = append(restarts, took)
		logf("cycle %d: restarted on the same data dir, ready in %s", cycle, took.Round(time.Millisecond))
	}
	// Let the last incarnation take load too, then stop sending.
	select {
	case <-ctx.Done():
	case <-time.After(cfg.duration / 2):
	}
	stopLoad()
	wg.Wait()

	// Verify.
	logf("verifying %d citizens' histories", len(cits))
	type problem struct{ citizen, why string }
	var problems []problem
	acked, retried := 0, 0
	stored := 0
	deadline := time.Now().Add(90 * time.Second)
	for _, c := range cits {
		acked += len(c.acked)
		retried += c.retried
		for {
			var h struct {
				State    *string `json:"state"`
				Messages []struct {
					ClientMessageID string `json:"clientMessageId"`
					Author          struct {
						Kind string `json:"kind"`
					} `json:"author"`
				} `json:"messages"`
			}
			code, body, err := do(ctx, client, "GET", base+"/api/v1/widget/messages", c.v.token, nil, "", &h)
			why := ""
			n := 0
			if err != nil || code != 200 {
				why = errKind("history", code, body, err)
			} else {
				var got []string
				for _, m := range h.Messages {
					if m.Author.Kind == "citizen" {
						got = append(got, m.ClientMessageID)
					}
				}
				n = len(got)
				ok, w := sameOrderOnce(c.acked, got)
				switch {
				case !ok:
					why = w
				case len(c.acked) > 0 && (h.State == nil || (*h.State != "assigned" && *h.State != "queued")):
					state := "none"
					if h.State != nil {
						state = *h.State
					}
					why = "conversation not routed (state " + state + ")"
				}
			}
			if why == "" {
				stored += n
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				problems = append(problems, problem{c.v.contactID, why})
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	if rss, hwm, err := procStatus(srv.cmd.Process.Pid); err == nil {
		logf("server RSS %s, peak of this incarnation %s", mib(rss), mib(hwm))
	}

	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "CivicDesk crash report")
	fmt.Fprintf(stdout, "  server       %s, data dir %s\n", bin, dataDir)
	fmt.Fprintf(stdout, "  run          %d SIGKILLs under load from %d citizens (planned %.0f msg/s), load average %s\n", len(restarts), len(cits), cfg.rate, loadavg())
	fmt.Fprintf(stdout, "  kills        after %v acknowledged messages\n", killedAt)
	fmt.Fprintf(stdout, "  restarts     ready after %v\n", roundAll(restarts))
	fmt.Fprintf(stdout, "  messages     %d acknowledged (202), %d of them after retrying across a crash; %d send attempts, %d refused while down\n", acked, retried, attempts.Load(), refused.Load())
	fmt.Fprintf(stdout, "  stored       %d citizen messages (acknowledged ones plus any that were in flight at a kill)\n", stored)
	table(stdout, []summary{st.send.summary()})
	printErrors(stdout, st.errs.snapshot())
	if len(problems) > 0 {
		fmt.Fprintf(stdout, "  FAILED       %d citizens with lost, doubled, reordered or unrouted messages:\n", len(problems))
		for i, p := range problems {
			if i == 20 {
				fmt.Fprintf(stdout, "               … and %d more\n", len(problems)-20)
				break
			}
			fmt.Fprintf(stdout, "               %s: %s\n", p.citizen, p.why)
		}
		fmt.Fprintf(stdout, "  the data dir %s and its server.log are kept for inspection\n", dataDir)
		return 1
	}
	fmt.Fprintf(stdout, "  PASSED       every acknowledged message stored exactly once, in order; every conversation routed\n")
	if cfg.jsonOut != "" {
		data, _ := json.MarshalIndent(map[string]any{"kills": len(restarts), "citizens": len(cits), "acknowledged": acked, "retriedAcrossCrash": retried,
			"stored": stored, "restartSeconds": seconds(restarts), "send": st.send.summary(), "passed": true}, "", "  ")
		_ = os.WriteFile(cfg.jsonOut, append(data, '\n'), 0o644)
	}
	if !keep {
		srv.stop()
		logFile.Close()
		_ = os.RemoveAll(dataDir)
	}
	return 0
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

func seconds(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = d.Seconds()
	}
	return out
}

// sameOrderOnce checks that every acknowledged id is stored exactly once and
// in the order sent; stored messages that never got their 202 (in flight at
// a kill) may be there too, once.
func sameOrderOnce(acked, stored []string) (bool, string) {
	count := map[string]int{}
	for _, id := range stored {
		count[id]++
		if count[id] > 1 {
			return false, "message " + id + " stored twice"
		}
	}
	j := 0
	for _, id := range stored {
		if j < len(acked) && id == acked[j] {
			j++
		}
	}
	if j != len(acked) {
		if count[acked[j]] == 0 {
			return false, fmt.Sprintf("acknowledged message %s missing (%d of %d stored so far)", acked[j], j, len(acked))
		}
		return false, "acknowledged message " + acked[j] + " out of order"
	}
	return true, ""
}
