// Command civicdesk-load plays citizens and caseworkers against a CivicDesk
// server on this machine and reports throughput, latency, errors and memory.
//
//	civicdesk-load --mode send --rate 3000 --duration 60s          # widget messages accepted/s
//	civicdesk-load --mode e2e --rate 1000 --duration 60s           # citizen ↔ caseworker delivery
//	civicdesk-load --mode idle --idle-sockets 10000 --duration 30s # memory per idle widget socket
//	civicdesk-load --mode mixed --idle-sockets 2000 --sms-rate 20 --smtp-rate 10
//	civicdesk-load --mode crash --server-bin bin/civicdesk --cycles 5 # SIGKILL under load, verify
//
// Every mode stops by itself after --duration; it targets only 127.0.0.1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

type config struct {
	url          string
	mode         string
	duration     time.Duration
	rate         float64
	visitors     int
	idleSockets  int
	agents       int
	workers      int
	replyEvery   int
	noSockets    bool
	serverPID    int
	pprofURL     string
	smsRate      float64
	smsTo        string
	twilioToken  string
	smtpRate     float64
	smtpAddr     string
	emailDomain  string
	warmup       time.Duration
	drain        time.Duration
	cleanup      bool
	jsonOut      string
	cpuProfile   string
	quiet        bool
	serverBin    string
	dataDir      string
	cycles       int
	serverStdout bool
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("civicdesk-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "CivicDesk base URL (loopback only)")
	fs.StringVar(&c.mode, "mode", "send", "send | e2e | idle | mixed | crash")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "how long to load (crash: how long between kills, at most)")
	fs.Float64Var(&c.rate, "rate", 1000, "widget messages per second to send (planned, open loop)")
	fs.IntVar(&c.visitors, "visitors", 0, "citizens sending messages, each with a session and a held socket (default: send 200, e2e 30, mixed 100, crash 40)")
	fs.IntVar(&c.idleSockets, "idle-sockets", 0, "extra widget WebSockets to hold idle (idle and mixed modes)")
	fs.IntVar(&c.agents, "agents", 6, "caseworkers agent1…agentN@demo.gov who sign in and answer (e2e and mixed; at most 6)")
	fs.IntVar(&c.workers, "workers", 128, "concurrent HTTP senders (and connections)")
	fs.IntVar(&c.replyEvery, "reply-every", 5, "a caseworker answers every Nth citizen message it receives (0: never)")
	fs.BoolVar(&c.noSockets, "no-visitor-sockets", false, "sending citizens hold no WebSocket (send mode)")
	fs.IntVar(&c.serverPID, "server-pid", 0, "pid of the server, for its memory from /proc (default: found from the listening port, else /metrics)")
	fs.StringVar(&c.pprofURL, "pprof-url", "", "the server's pprof address (CIVICDESK_PPROF), e.g. http://127.0.0.1:6060: idle mode then also measures live heap after a GC")
	fs.Float64Var(&c.smsRate, "sms-rate", 0, "inbound SMS webhooks per second (POST /api/v1/channels/sms/twilio)")
	fs.StringVar(&c.smsTo, "sms-to", "+15550001000", "the agency number the SMS are sent to")
	fs.StringVar(&c.twilioToken, "twilio-auth-token", "", "sign SMS webhooks with this Twilio auth token (when the server checks signatures)")
	fs.Float64Var(&c.smtpRate, "smtp-rate", 0, "inbound mails per second over SMTP")
	fs.StringVar(&c.smtpAddr, "smtp-addr", "127.0.0.1:2525", "the server's inbound SMTP address (loopback only)")
	fs.StringVar(&c.emailDomain, "email-domain", "civicdesk.localhost", "domain the server accepts mail for")
	fs.DurationVar(&c.warmup, "warmup", 20*time.Second, "warm-up before measuring: every citizen first asks for a person (0: no warm-up); e2e/mixed wait at most this long for conversations to reach caseworkers")
	fs.DurationVar(&c.drain, "drain", 15*time.Second, "after the load, wait at most this long for outstanding deliveries")
	fs.BoolVar(&c.cleanup, "cleanup", true, "close conversations left by earlier runs (e2e/mixed) and this run's, so runs can repeat")
	fs.StringVar(&c.jsonOut, "json", "", "also write the report as JSON to this file")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress line")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write the generator's own CPU profile to this file (to see what the load itself costs)")
	fs.StringVar(&c.serverBin, "server-bin", "", "crash: the civicdesk binary to start, kill and restart (default ./bin/civicdesk, else civicdesk on PATH)")
	fs.StringVar(&c.dataDir, "data-dir", "", "crash: the server's data dir (default: a new temporary one, removed after a passing run)")
	fs.IntVar(&c.cycles, "cycles", 3, "crash: how many times to SIGKILL and restart the server")
	fs.BoolVar(&c.serverStdout, "server-logs", false, "crash: copy the server's logs to stderr (they are always kept in the data dir)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	defaults := map[string]int{"send": 200, "e2e": 30, "mixed": 100, "crash": 40, "idle": 0}
	def, ok := defaults[c.mode]
	if !ok {
		return c, fmt.Errorf("--mode must be send, e2e, idle, mixed or crash, not %q", c.mode)
	}
	if c.visitors == 0 {
		c.visitors = def
	}
	switch {
	case c.duration <= 0 || c.duration > 24*time.Hour:
		return c, fmt.Errorf("--duration must be between 0 and 24h")
	case c.rate <= 0 && c.mode != "idle":
		return c, fmt.Errorf("--rate must be positive")
	case c.rate > 100000:
		return c, fmt.Errorf("--rate above 100000/s is not something this generator can plan")
	case c.visitors < 0 || c.visitors > 50000, c.idleSockets < 0 || c.idleSockets > 50000:
		return c, fmt.Errorf("--visitors and --idle-sockets must be between 0 and 50000")
	case c.agents < 0 || c.agents > 6:
		return c, fmt.Errorf("--agents must be 0 to 6 (the demo's caseworkers)")
	case c.workers < 1 || c.workers > 5000:
		return c, fmt.Errorf("--workers must be 1 to 5000")
	case c.mode == "idle" && c.idleSockets == 0:
		return c, fmt.Errorf("--mode idle needs --idle-sockets N")
	case (c.mode == "e2e" || c.mode == "mixed") && c.agents == 0:
		return c, fmt.Errorf("--mode %s needs --agents ≥ 1", c.mode)
	case c.cycles < 1 || c.cycles > 1000:
		return c, fmt.Errorf("--cycles must be 1 to 1000")
	}
	if _, err := parseTarget(c.url); err != nil {
		return c, err
	}
	if c.pprofURL != "" {
		u, err := parseTarget(c.pprofURL)
		if err != nil {
			return c, fmt.Errorf("--pprof-url: %w", err)
		}
		c.pprofURL = u.String()
	}
	if c.smtpRate > 0 {
		if err := checkLoopback(c.smtpAddr); err != nil {
			return c, fmt.Errorf("--smtp-addr: %w", err)
		}
	}
	return c, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		fmt.Fprintln(stderr, "civicdesk-load:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "civicdesk-load:", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "civicdesk-load:", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	if cfg.mode == "crash" {
		return crashRun(ctx, cfg, stdout, stderr)
	}
	return loadRun(ctx, cfg, stdout, stderr)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	fs := strings.Fields(string(b))
	if len(fs) < 3 {
		return "?"
	}
	return strings.Join(fs[:3], " ")
}
