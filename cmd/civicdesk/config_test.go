package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/civicdesk/civicdesk/internal/testworld"
)

func TestConfigPrecedenceFileEnvFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "civicdesk.yaml")
	if err := os.WriteFile(file, []byte("http-addr: 127.0.0.1:9000\nsmtp-addr: 127.0.0.1:2600\nrate-limit: \"off\"\nemail-domain: city.gov\ndemo: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CIVICDESK_SMTP_ADDR": "127.0.0.1:2700", "CIVICDESK_EMAIL_DOMAIN": "env.gov"}
	getenv := func(k string) string { return env[k] }
	c, err := parseConfig("t", []string{"--config", file, "--email-domain", "flag.gov"}, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:9000" || c.SMTPAddr != "127.0.0.1:2700" || c.EmailDomain != "flag.gov" || c.RateLimit != "off" || !c.Demo {
		t.Fatalf("config = %+v", c)
	}
	if c.EmailFrom != "help@flag.gov" || c.DataDir != "./data" {
		t.Fatalf("derived defaults = %q %q", c.EmailFrom, c.DataDir)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"htp-addr: x\n":              `unknown key "htp-addr"`,
		"http-addr:\n  nested: 1\n":  "http-addr must be a single value",
		"- a\n- b\n":                 "top level must be a mapping",
		"rate-limit: sometimes\n":    "rate-limit (CIVICDESK_RATE_LIMIT) must be on or off",
		"http-addr: nocolon\n":       "http-addr (CIVICDESK_HTTP_ADDR)",
		"log-level: loud\n":          "log-level",
		"http-addr: [unterminated\n": "config file",
		"memory-limit: lots\n":       "memory-limit (CIVICDESK_MEMORY_LIMIT)",
		"memory-limit: 10MiB\n":      "below 64MiB",
	}
	for body, want := range cases {
		file := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := parseConfig("t", []string{"--config=" + file}, func(string) string { return "" }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want it to mention %q", body, err, want)
		}
	}
	if _, err := parseConfig("t", []string{"--config", filepath.Join(dir, "missing.yaml")}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("a missing config file was accepted")
	}
}

func TestMemoryLimitSizes(t *testing.T) {
	for in, want := range map[string]int64{"off": 0, "0": 0, "400MiB": 400 << 20, "1GiB": 1 << 30, "134217728": 128 << 20, "200 MiB": 200 << 20} {
		if got, err := parseMemoryLimit(in); err != nil || got != want {
			t.Errorf("parseMemoryLimit(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1MiB", "1TB", "MiB", "9999999999999GiB", "1KiB"} {
		if _, err := parseMemoryLimit(in); err == nil {
			t.Errorf("parseMemoryLimit(%q) accepted", in)
		}
	}
}

func TestGCPercentSetting(t *testing.T) {
	for in, want := range map[string]int{"200": 200, " 100 ": 100, "25": 25, "1000": 1000} {
		if got, err := parseGCPercent(in); err != nil || got != want {
			t.Errorf("parseGCPercent(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "off", "-1", "0", "24", "1001", "2e2"} {
		if _, err := parseGCPercent(in); err == nil {
			t.Errorf("parseGCPercent(%q) accepted", in)
		}
	}
	if _, err := parseConfig("t", []string{"--gc-percent", "5"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("--gc-percent 5 was accepted")
	}
	cfg, err := parseConfig("t", nil, func(string) string { return "" }, io.Discard)
	if err != nil || cfg.GCPercent != "200" {
		t.Fatalf("default gc-percent %q, %v; want 200", cfg.GCPercent, err)
	}

	// The setting reaches the runtime, unless GOGC is set, and is undone.
	t.Setenv("GOGC", "") // restored after the test
	os.Unsetenv("GOGC")
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	restore := applyGCPercent(300, testworld.Quiet())
	if got := debug.SetGCPercent(300); got != 300 {
		t.Errorf("GC percent %d after applying 300", got)
	}
	restore()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent %d after restoring, want 100", got)
	}
	t.Setenv("GOGC", "150")
	applyGCPercent(300, testworld.Quiet())()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent %d with GOGC set; the setting must not apply", got)
	}
}

func TestClientAddressComesFromTrustedProxiesOnly(t *testing.T) {
	req := func(peer, xff string) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer + ":40000"
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		return r
	}
	direct, err := ipExtractor("")
	if err != nil {
		t.Fatal(err)
	}
	if got := direct(req("192.0.2.7", "203.0.113.9")); got != "192.0.2.7" {
		t.Errorf("no trusted proxy: client %s, want the peer", got)
	}
	behind, err := ipExtractor("10.0.0.0/8, 192.168.1.0/24")
	if err != nil {
		t.Fatal(err)
	}
	if got := behind(req("10.1.2.3", "198.51.100.1, 203.0.113.9")); got != "203.0.113.9" {
		t.Errorf("behind the balancer: client %s, want the address it saw", got)
	}
	if got := behind(req("192.0.2.7", "203.0.113.9")); got != "192.0.2.7" {
		t.Errorf("from an untrusted peer: client %s, want the peer", got)
	}
	if _, err := ipExtractor("10.0.0.0/8,nonsense"); err == nil {
		t.Error("a bad CIDR was accepted")
	}
}
