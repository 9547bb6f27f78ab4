package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/civicdesk/civicdesk/internal/audit"
)

// auditCommand runs `civicdesk audit verify`: it opens the configured store
// (the same flags and environment as serve) and walks the hash chain.
func auditCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: civicdesk audit verify [--data-dir DIR | --mongodb-uri URI]")
	}
	cfg, err := parseConfig("civicdesk audit verify", args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := audit.Verify(ctx, store)
	if err != nil {
		return fmt.Errorf("%d entries verified before: %w", n, err)
	}
	fmt.Fprintf(stdout, "audit trail intact: %d entries verified\n", n)
	return nil
}
