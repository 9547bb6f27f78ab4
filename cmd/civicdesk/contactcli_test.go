package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk/internal/audit"
	"github.com/civicdesk/civicdesk/internal/privacy"
	"github.com/civicdesk/civicdesk/internal/sqlitestore"
)

// runCLI runs a command line in-process and returns its exit code and output.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := func(k string) string {
		if k == "USER" {
			return "ops-tester"
		}
		return ""
	}
	code := Main(context.Background(), args, strings.NewReader(stdin), &out, &errOut, env)
	return code, out.String(), errOut.String()
}

func TestContactExportAndEraseFromTheCommandLine(t *testing.T) {
	dataDir := t.TempDir()
	base, stop, _ := startMain(t, dataDir)
	agent := login(t, base, "agent1@demo.gov")
	ws := dial(t, base+"/api/v1/desk/ws?token="+agent.token)
	const secret = "okapi-lantern-9931 agent please"
	_, cv := startChat(t, base, ws, secret)

	// While the server runs on the data directory the CLI stays out of its
	// message streams.
	if code, _, errOut := runCLI(t, "", "contact", "erase", "--contact", cv.ContactID, "--yes", "--data-dir", dataDir); code == 0 || !strings.Contains(errOut, "in use") {
		t.Fatalf("erase beside a running server = %d %q", code, errOut)
	}
	time.Sleep(300 * time.Millisecond) // let consumers settle
	if code := stop(); code != 0 {
		t.Fatalf("stop = %d", code)
	}

	code, out, errOut := runCLI(t, "", "contact", "export", "--contact", cv.ContactID, "--data-dir", dataDir)
	if code != 0 {
		t.Fatalf("export = %d: %s", code, errOut)
	}
	var export privacy.Export
	if err := json.Unmarshal([]byte(out), &export); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out)
	}
	if export.Contact.ID != cv.ContactID || len(export.Conversations) != 1 || !strings.Contains(out, "okapi-lantern-9931") {
		t.Fatalf("export = %s", out)
	}
	if code, _, errOut := runCLI(t, "", "contact", "export", "--contact", "ct_nobody", "--data-dir", dataDir); code != 1 || !strings.Contains(errOut, "no such contact") {
		t.Fatalf("export of an unknown contact = %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "contact", "export", "--data-dir", dataDir); code != 1 || !strings.Contains(errOut, "--contact is required") {
		t.Fatalf("export without --contact = %d %q", code, errOut)
	}

	// Without --yes it asks, and anything but "yes" erases nothing.
	if code, _, errOut := runCLI(t, "no\n", "contact", "erase", "--contact", cv.ContactID, "--data-dir", dataDir); code != 1 || !strings.Contains(errOut, "not erased") {
		t.Fatalf("erase answered no = %d %q", code, errOut)
	}
	if n := filesHolding(t, dataDir, "okapi-lantern-9931"); n == 0 {
		t.Fatal("refused erasure removed the text, or the scan below proves nothing")
	}
	code, out, errOut = runCLI(t, "yes\n", "contact", "erase", "--contact", cv.ContactID, "--data-dir", dataDir)
	if code != 0 || !strings.Contains(out, "1 conversations emptied") {
		t.Fatalf("erase = %d %q %q", code, out, errOut)
	}
	// Nothing on disk, in the store or in the streams, holds the text.
	if n := filesHolding(t, dataDir, "okapi-lantern-9931"); n != 0 {
		t.Fatalf("%d files still hold the erased text", n)
	}

	// Both are in the audit trail, which still verifies.
	if code, out, errOut := runCLI(t, "", "audit", "verify", "--data-dir", dataDir); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify = %d %q %q", code, out, errOut)
	}
	store, err := sqlitestore.New(context.Background(), sqlitestore.Config{Path: filepath.Join(dataDir, "civicdesk.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	entries, err := audit.List(context.Background(), store, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if e.Actor == "cli:ops-tester" && e.Target == "contact/"+cv.ContactID {
			seen[e.Action] = true
		}
	}
	if !seen["export"] || !seen["erase"] {
		t.Fatalf("audit trail lacks the CLI's export and erase: %v", seen)
	}
}
