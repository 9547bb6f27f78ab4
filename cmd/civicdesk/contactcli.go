package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/audit"
	"github.com/civicdesk/civicdesk/internal/natsbus"
	"github.com/civicdesk/civicdesk/internal/privacy"
	"github.com/nats-io/nats-server/v2/server"
)

// contactCommand runs `civicdesk contact export|erase --contact ID`: a
// subject access request or an erasure from the command line, on the same
// store and message streams as serve, each recorded in the audit trail.
func contactCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || (args[0] != "export" && args[0] != "erase") {
		return errors.New("usage: civicdesk contact export|erase --contact ID [--yes] [store flags]")
	}
	verb := args[0]
	var id string
	var yes bool
	cfg, err := parseConfig("civicdesk contact "+verb, args[1:], getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&id, "contact", "", "the contact's id (required)")
		if verb == "erase" {
			fs.BoolVar(&yes, "yes", false, "erase without asking")
		}
	})
	if err != nil {
		return err
	}
	if id == "" {
		return errors.New("--contact is required")
	}
	log := newLogger(stderr, "error")
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	out, err := privacy.ExportContact(ctx, store, id)
	if err != nil {
		return err
	}
	bus, closeBus, err := cliBus(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeBus()
	if verb == "export" {
		if err := cliAudit(ctx, store, bus, cfg, log, "export", "contact/"+id, getenv); err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if !yes {
		fmt.Fprintf(stderr, "Erase contact %s and the messages of their %d conversations? This cannot be undone. Type yes: ", id, len(out.Conversations))
		answer, _ := bufio.NewReader(stdin).ReadString('\n')
		if strings.TrimSpace(answer) != "yes" {
			return errors.New("not erased")
		}
	}
	// Audit first: an erasure that fails half way is still on record.
	if err := cliAudit(ctx, store, bus, cfg, log, "erase", "contact/"+id, getenv); err != nil {
		return err
	}
	n, err := privacy.EraseContact(ctx, store, bus, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "erased contact %s: %d conversations emptied\n", id, n)
	return nil
}

// cliBus connects to --nats-url, or starts the embedded server on the data
// directory, which must not be in use by a running serve.
func cliBus(ctx context.Context, cfg Config, log *slog.Logger) (*natsbus.Bus, func(), error) {
	natsCfg := natsbus.Config{URL: cfg.NATSURL, Name: "civicdesk-cli"}
	var ns *server.Server
	unlock := func() {}
	if cfg.NATSURL == "" {
		var err error
		if unlock, err = lockDataDir(cfg.DataDir); err != nil {
			return nil, nil, err
		}
		ns, err = natsbus.StartServer(natsbus.ServerConfig{StoreDir: filepath.Join(cfg.DataDir, "nats")})
		if err != nil {
			unlock()
			return nil, nil, err
		}
		natsCfg.Embedded = ns
	}
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	bus, err := natsbus.Connect(cctx, natsCfg, log)
	if err != nil {
		if ns != nil {
			ns.Shutdown()
		}
		unlock()
		return nil, nil, err
	}
	return bus, func() {
		_ = bus.Drain()
		bus.Close()
		if ns != nil {
			ns.Shutdown()
			ns.WaitForShutdown()
		}
		unlock()
	}, nil
}

// lockDataDir takes the data directory's embedded-NATS lock: two processes
// running JetStream on one store directory would corrupt it.
func lockDataDir(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "nats.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data dir lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("data dir %s is in use by a running civicdesk: stop it, or give --nats-url of its NATS", dir)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// cliAudit records an action of the command line in the audit trail. With
// the embedded server no serve is running to chain it, so the command
// chains it itself before going on; with --nats-url the running server's
// chainer does.
func cliAudit(ctx context.Context, store Store, bus *natsbus.Bus, cfg Config, log *slog.Logger, action, target string, getenv func(string) string) error {
	user := getenv("USER")
	if user == "" {
		user = "unknown"
	}
	e := audit.Entry{At: civicdesk.Now(), Actor: "cli:" + user, Action: action, Target: target, Detail: map[string]string{"via": "cli"}}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	seq, _, err := bus.Publish(ctx, civicdesk.AuditSubject(action), data, "")
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if cfg.NATSURL != "" {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- audit.NewChainer(store, bus, log).Run(cctx) }()
	defer func() { cancel(); <-done }()
	for {
		got, err := audit.List(cctx, store, seq-1, 1)
		if err != nil {
			return err
		}
		if len(got) == 1 && got[0].Seq == seq {
			return nil
		}
		select {
		case <-cctx.Done():
			return errors.New("audit: the entry was not chained in time")
		case <-time.After(20 * time.Millisecond):
		}
	}
}
