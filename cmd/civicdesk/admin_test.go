package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, stdin string, args ...string) (int, string) {
	t.Helper()
	var out syncBuffer
	code := Main(context.Background(), args, strings.NewReader(stdin), &out, &out, func(string) string { return "" })
	return code, out.String()
}

func TestAdminCommands(t *testing.T) {
	dir := t.TempDir()
	store := []string{"--data-dir", dir}
	if code, out := run(t, "", append([]string{"department", "add", "--id", "parks", "--name", "Parks"}, store...)...); code != 0 {
		t.Fatalf("department add: %d %s", code, out)
	}
	if code, out := run(t, "", append([]string{"department", "add", "--id", "Bad Id", "--name", "x"}, store...)...); code == 0 {
		t.Fatalf("bad department id accepted: %s", out)
	}
	code, out := run(t, "", append([]string{"department", "list"}, store...)...)
	if code != 0 || !strings.Contains(out, "parks") || !strings.Contains(out, "Parks") {
		t.Fatalf("department list: %d %s", code, out)
	}
	if code, out := run(t, "a-long-enough-password\n", append([]string{"agent", "add", "--email", "Pat@City.gov", "--name", "Pat", "--departments", "parks"}, store...)...); code != 0 {
		t.Fatalf("agent add: %d %s", code, out)
	}
	if code, out := run(t, "short\n", append([]string{"agent", "add", "--email", "x@city.gov", "--name", "X"}, store...)...); code == 0 {
		t.Fatalf("short password accepted: %s", out)
	}
	if code, out := run(t, "a-long-enough-password\n", append([]string{"agent", "add", "--email", "y@city.gov", "--name", "Y", "--departments", "nope"}, store...)...); code == 0 {
		t.Fatalf("unknown department accepted: %s", out)
	}
	code, out = run(t, "", append([]string{"agent", "list"}, store...)...)
	if code != 0 || !strings.Contains(out, "pat@city.gov") || strings.Contains(out, "x@city.gov") {
		t.Fatalf("agent list: %d %s", code, out)
	}
	if code, out := run(t, "", append([]string{"agent", "disable", "--email", "pat@city.gov"}, store...)...); code != 0 {
		t.Fatalf("agent disable: %d %s", code, out)
	}
	if _, out := run(t, "", append([]string{"agent", "list"}, store...)...); !strings.Contains(out, "true") {
		t.Fatalf("agent not disabled: %s", out)
	}

	kbDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(kbDir, "a.md"), []byte("---\ntitle: Park permits\nurl: https://x.gov/p\ndepartment: parks\nlanguage: en\n---\nBook a picnic shelter online.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := run(t, "", append([]string{"kb", "import", kbDir}, store...)...); code != 0 || !strings.Contains(out, "imported 1") {
		t.Fatalf("kb import: %d %s", code, out)
	}
	if err := os.WriteFile(filepath.Join(kbDir, "b.md"), []byte("no front matter"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := run(t, "", append([]string{"kb", "import", kbDir}, store...)...); code == 0 {
		t.Fatalf("broken article imported: %s", out)
	}
	code, out = run(t, "", append([]string{"export", "conversations", "--format", "csv"}, store...)...)
	if code != 0 || !strings.HasPrefix(out, "id,contactId,channel") {
		t.Fatalf("export: %d %s", code, out)
	}
	if code, _ := run(t, "", append([]string{"export", "conversations", "--format", "xml"}, store...)...); code == 0 {
		t.Fatal("bad format accepted")
	}
	if code, out := run(t, "", append([]string{"migrate"}, store...)...); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate: %d %s", code, out)
	}
}
