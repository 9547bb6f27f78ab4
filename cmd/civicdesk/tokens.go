package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/agentdesk"
)

// tokenCommand manages API tokens from the command line, for the first
// integration set up before any admin signs in. It works on the store
// directly; the audit trail (which needs NATS) records only the API's
// changes.
func tokenCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return errors.New("usage: civicdesk token create|list|revoke …; see civicdesk help")
	}
	verb, args := args[0], args[1:]
	switch verb {
	case "create":
		var name, scope string
		var expires time.Duration
		return withStore(ctx, "token create", args, stderr, getenv, func(fs *flag.FlagSet) {
			fs.StringVar(&name, "name", "", "what the token is for (required)")
			fs.StringVar(&scope, "scope", "supervisor-read", "admin, supervisor or supervisor-read")
			fs.DurationVar(&expires, "expires", 0, "lifetime, e.g. 720h (default: no expiry)")
		}, func(s Store) error {
			now := time.Now()
			var exp time.Time
			if expires < 0 {
				return errors.New("--expires must be positive")
			} else if expires > 0 {
				exp = now.Add(expires)
			}
			t, secret, err := agentdesk.CreateAPIToken(ctx, s, name, scope, "cli", exp, now)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "created API token %s (%s, scope %s)\n", t.ID, t.Name, t.Scope)
			fmt.Fprintf(stdout, "secret, shown only now; send it as Authorization: Bearer <secret>:\n%s\n", secret)
			return nil
		})
	case "list":
		return withStore(ctx, "token list", args, stderr, getenv, nil, func(s Store) error {
			ts, err := agentdesk.ListAPITokens(ctx, s)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tSCOPE\tCREATED\tEXPIRES\tLAST USED")
			for _, t := range ts {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Scope, t.CreatedAt.Format(time.RFC3339), timeOr(t.ExpiresAt, "never"), timeOr(t.LastUsedAt, "never"))
			}
			return w.Flush()
		})
	case "revoke":
		var id string
		return withStore(ctx, "token revoke", args, stderr, getenv, func(fs *flag.FlagSet) {
			fs.StringVar(&id, "id", "", "the token's id (tok_…)")
		}, func(s Store) error {
			if id == "" {
				return errors.New("--id is required")
			}
			t, err := agentdesk.RevokeAPIToken(ctx, s, id)
			if err != nil {
				if civicdesk.IsNotFound(err) {
					return fmt.Errorf("no API token %s", id)
				}
				return err
			}
			fmt.Fprintf(stdout, "revoked API token %s (%s)\n", t.ID, t.Name)
			return nil
		})
	}
	return fmt.Errorf("unknown command %q; see civicdesk help", "token "+verb)
}

func timeOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.UTC().Format(time.RFC3339)
}
