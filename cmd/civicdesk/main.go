package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

const usage = `civicdesk: an omnichannel contact center for public services

Usage:
  civicdesk serve [--demo] [flags]   run the contact center (see civicdesk serve -h)
  civicdesk triage [--eval FILE]     triage JSON Lines from stdin, one JSON line out per line in
  civicdesk audit verify [flags]     check that no audit entry was edited or removed
  civicdesk agent add --email E --name N [--role R] [--departments a,b] [--languages en,es]
                                     (password on standard input)
  civicdesk agent list | agent disable --email E
  civicdesk department add --id ID --name NAME | department list
  civicdesk kb import DIR            Markdown articles with front matter
  civicdesk export conversations [--since 24h|TIME] [--format csv|jsonl]
  civicdesk migrate                  create or update store schema and indexes
  civicdesk token create --name N [--scope admin|supervisor|supervisor-read] [--expires 720h]
  civicdesk token list | token revoke --id ID   API tokens for integrations
  civicdesk contact export --contact ID          a contact's data as JSON (audited)
  civicdesk contact erase --contact ID [--yes]   erase a contact's messages and details (audited)
Store flags (--data-dir, --mongodb-uri, …) follow a command's own flags.
`

// Main runs the command line and returns the exit code. ctx ends the server.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		var cfg Config
		cfg, err = parseConfig("civicdesk serve", args[1:], getenv, stderr)
		if err == nil {
			err = serve(ctx, cfg, stderr)
		}
	case "triage":
		err = triageCommand(args[1:], stdin, stdout, stderr, getenv)
	case "agent", "department", "kb", "export":
		err = adminCommand(ctx, args[0], args[1:], stdin, stdout, stderr, getenv)
	case "migrate":
		err = adminCommand(ctx, "migrate", append([]string{"run"}, args[1:]...), stdin, stdout, stderr, getenv)
	case "audit":
		err = auditCommand(ctx, args[1:], stdout, stderr, getenv)
	case "token":
		err = tokenCommand(ctx, args[1:], stdout, stderr, getenv)
	case "contact":
		err = contactCommand(ctx, args[1:], stdin, stdout, stderr, getenv)
	case "sms":
		err = smsCommand(ctx, args[1:], stdout, stderr, getenv)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "civicdesk: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "civicdesk: %v\n", err)
		return 1
	}
	return 0
}
