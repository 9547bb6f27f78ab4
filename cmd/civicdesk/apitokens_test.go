package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk/agentdesk"
	"github.com/civicdesk/civicdesk/internal/auth"
)

const adminEmail = "admin@demo.gov"

// addAdmin creates an admin (password DemoPassword) in dataDir with the CLI,
// before the server starts: the demo data has none.
func addAdmin(t *testing.T, dataDir string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"agent", "add", "--email", adminEmail, "--name", "Ada Admin", "--role", "admin",
		"--data-dir", dataDir}, strings.NewReader(DemoPassword+"\n"), &out, &errOut, func(string) string { return "" })
	if code != 0 {
		t.Fatalf("agent add = %d: %s", code, errOut.String())
	}
}

type apiTokenResp struct {
	Token  agentdesk.APIToken `json:"token"`
	Secret string             `json:"secret"`
}

// newAPIToken creates an API token of scope with admin's session and
// returns its secret.
func newAPIToken(t *testing.T, admin api, scope string) string {
	t.Helper()
	var out apiTokenResp
	admin.must("POST", "/api/v1/admin/api-tokens", map[string]string{"name": "test " + scope, "scope": scope}, &out, 201)
	if !strings.HasPrefix(out.Secret, agentdesk.APITokenPrefix) || out.Token.ID == "" || out.Token.Scope != scope {
		t.Fatalf("created token %+v", out)
	}
	return out.Secret
}

// storedBytes is everything the SQLite store has written in dataDir.
func storedBytes(t *testing.T, dataDir string) []byte {
	var all []byte
	for _, name := range []string{"civicdesk.db", "civicdesk.db-wal"} {
		b, err := os.ReadFile(filepath.Join(dataDir, name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func TestAPITokensCreateListUseRevoke(t *testing.T) {
	clk := useClock(t)
	dataDir := t.TempDir()
	addAdmin(t, dataDir)
	base, _, _ := startMain(t, dataDir)
	admin := login(t, base, adminEmail)
	sup := login(t, base, "supervisor@demo.gov")

	// Only admins, in person, manage API tokens.
	sup.must("POST", "/api/v1/admin/api-tokens", map[string]string{"name": "x", "scope": "admin"}, nil, 403)
	sup.must("GET", "/api/v1/admin/api-tokens", nil, nil, 403)
	for _, bad := range []map[string]string{
		{"name": "report job", "scope": "root"},
		{"name": "", "scope": "admin"},
		{"name": strings.Repeat("n", 101), "scope": "admin"},
		{"name": "report job", "scope": "admin", "expiresAt": "tomorrow"},
		{"name": "report job", "scope": "admin", "expiresAt": clk.Now().Add(-time.Hour).Format(time.RFC3339)},
	} {
		admin.must("POST", "/api/v1/admin/api-tokens", bad, nil, 400)
	}

	var created apiTokenResp
	admin.must("POST", "/api/v1/admin/api-tokens", map[string]string{"name": "BI export", "scope": "admin"}, &created, 201)
	secret := created.Secret
	if !strings.HasPrefix(secret, "cdk_") || len(secret) < 40 || !strings.HasPrefix(created.Token.CreatedBy, "ag_") {
		t.Fatalf("created %+v", created)
	}
	integ := api{t: t, base: base, token: secret}
	// An API token cannot make more of itself.
	integ.must("POST", "/api/v1/admin/api-tokens", map[string]string{"name": "x", "scope": "admin"}, nil, 403)
	integ.must("GET", "/api/v1/admin/api-tokens", nil, nil, 403)

	// Stored hashed: the secret is nowhere in the database, its hash is.
	db := storedBytes(t, dataDir)
	if bytes.Contains(db, []byte(secret)) || bytes.Contains(db, []byte(strings.TrimPrefix(secret, "cdk_"))) {
		t.Fatal("the API token's secret is stored in the clear")
	}
	if !bytes.Contains(db, []byte(auth.HashToken(secret))) {
		t.Fatal("the API token's hash is not stored")
	}

	// The admin scope reads and writes the supervisor and admin APIs, and
	// nothing else.
	integ.must("GET", "/api/v1/supervisor/queues", nil, nil, 200)
	integ.must("GET", "/api/v1/admin/agents", nil, nil, 200)
	integ.must("PUT", "/api/v1/admin/departments", map[string]string{"id": "parks", "name": "Parks"}, nil, 200)
	integ.must("GET", "/api/v1/desk/me", nil, nil, 403)
	integ.must("GET", "/api/v1/desk/conversations", nil, nil, 403)
	// Only in the Authorization header: not as ?token= (which sockets use).
	api{t: t, base: base}.must("GET", "/api/v1/supervisor/queues?token="+secret, nil, nil, 401)
	api{t: t, base: base, token: secret + "x"}.must("GET", "/api/v1/supervisor/queues", nil, nil, 401)

	// The read-only scope reads only.
	read := api{t: t, base: base, token: newAPIToken(t, admin, "supervisor-read")}
	read.must("GET", "/api/v1/supervisor/stats", nil, nil, 200)
	read.must("PUT", "/api/v1/supervisor/canned", map[string]string{"shortcut": "hi", "title": "Hi", "text": "Hello"}, nil, 403)
	read.must("PUT", "/api/v1/admin/departments", map[string]string{"id": "parks2", "name": "Parks"}, nil, 403)
	// The supervisor scope acts as a supervisor: it may not make admins.
	supTok := api{t: t, base: base, token: newAPIToken(t, admin, "supervisor")}
	supTok.must("PUT", "/api/v1/admin/agents", map[string]any{"email": "x@demo.gov", "name": "X", "role": "admin", "password": "long-enough-password"}, nil, 403)
	supTok.must("PUT", "/api/v1/supervisor/canned", map[string]string{"shortcut": "hi", "title": "Hi", "text": "Hello"}, nil, 200)

	// The list has no secrets and no hashes, and says when each was used.
	var list struct {
		Tokens []map[string]any `json:"tokens"`
	}
	admin.must("GET", "/api/v1/admin/api-tokens", nil, &list, 200)
	raw, _ := json.Marshal(list)
	if len(list.Tokens) != 3 || bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, []byte(auth.HashToken(secret))) ||
		bytes.Contains(raw, []byte(`"secret"`)) || bytes.Contains(raw, []byte(`"hash"`)) {
		t.Fatalf("token list %s", raw)
	}
	var bi map[string]any
	for _, tk := range list.Tokens {
		if tk["id"] == created.Token.ID {
			bi = tk
		}
	}
	if bi == nil || bi["name"] != "BI export" || bi["scope"] != "admin" || bi["lastUsedAt"] == nil || bi["expiresAt"] != nil {
		t.Fatalf("BI export in the list: %v", bi)
	}

	// Revoked: refused at once; revoking again is 404.
	admin.must("DELETE", "/api/v1/admin/api-tokens/"+created.Token.ID, nil, nil, 200)
	integ.must("GET", "/api/v1/supervisor/queues", nil, nil, 401)
	admin.must("DELETE", "/api/v1/admin/api-tokens/"+created.Token.ID, nil, nil, 404)
	admin.must("GET", "/api/v1/admin/api-tokens", nil, &list, 200)
	if len(list.Tokens) != 2 {
		t.Fatalf("after revoking, %d tokens listed", len(list.Tokens))
	}
	waitAudit(t, admin, func(action, target string, _ map[string]string) bool {
		return action == "api_token_create" && target == created.Token.ID
	})
	waitAudit(t, admin, func(action, target string, _ map[string]string) bool {
		return action == "api_token_revoke" && target == created.Token.ID
	})

	// An expiring token stops at its expiry.
	var expiring apiTokenResp
	admin.must("POST", "/api/v1/admin/api-tokens", map[string]string{"name": "one day", "scope": "supervisor-read",
		"expiresAt": clk.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}, &expiring, 201)
	day := api{t: t, base: base, token: expiring.Secret}
	day.must("GET", "/api/v1/supervisor/queues", nil, nil, 200)
	clk.Advance(23 * time.Hour)
	day.must("GET", "/api/v1/supervisor/queues", nil, nil, 200)
	clk.Advance(2 * time.Hour)
	day.must("GET", "/api/v1/supervisor/queues", nil, nil, 401)
}

func TestTokenCommand(t *testing.T) {
	dataDir := t.TempDir()
	run := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), append(args, "--data-dir", dataDir), strings.NewReader(""), &out, &errOut, func(string) string { return "" })
		return out.String(), errOut.String(), code
	}
	out, errOut, code := run("token", "create", "--name", "nightly report", "--scope", "supervisor-read", "--expires", "720h")
	if code != 0 {
		t.Fatalf("token create = %d: %s", code, errOut)
	}
	var secret, id string
	for _, f := range strings.Fields(out) {
		if strings.HasPrefix(f, "cdk_") {
			secret = f
		}
		if strings.HasPrefix(f, "tok_") {
			id = f
		}
	}
	if secret == "" || id == "" {
		t.Fatalf("token create printed %q", out)
	}
	if _, errOut, code := run("token", "create", "--name", "x", "--scope", "root"); code == 0 || !strings.Contains(errOut, "scope") {
		t.Fatalf("bad scope accepted: %d %s", code, errOut)
	}
	out, _, code = run("token", "list")
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "nightly report") || strings.Contains(out, secret) {
		t.Fatalf("token list = %d %q", code, out)
	}

	base, _, _ := startMain(t, dataDir)
	integ := api{t: t, base: base, token: secret}
	integ.must("GET", "/api/v1/supervisor/queues", nil, nil, 200)
	if _, errOut, code := run("token", "revoke", "--id", id); code != 0 {
		t.Fatalf("token revoke = %d: %s", code, errOut)
	}
	integ.must("GET", "/api/v1/supervisor/queues", nil, nil, 401)
	if _, _, code := run("token", "revoke", "--id", id); code == 0 {
		t.Fatal("revoking an unknown token succeeded")
	}
}
