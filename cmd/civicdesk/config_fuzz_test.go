package main

import (
	"maps"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzConfigFile feeds the --config file reader arbitrary YAML: it never
// panics, it accepts only known keys with single values, and what it
// accepts, written out again, reads back the same.
func FuzzConfigFile(f *testing.F) {
	if data, err := os.ReadFile("../../deploy/civicdesk.example.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("http-addr: 127.0.0.1:8080\ndemo: true\nrate-limit: \"on\"\n"))
	f.Add([]byte("data-dir: /var/lib/civicdesk\nlog-level: debug\n"))
	f.Add([]byte("http-addr: [a, b]\n"))
	f.Add([]byte("no-such-setting: 1\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Add([]byte("&a x: *a\n"))
	f.Add([]byte(""))
	known := map[string]bool{"demo": true}
	for _, s := range (&Config{}).settings() {
		known[s.flag] = true
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		env := func(k string) string {
			if k == "CIVICDESK_CONFIG" {
				return path
			}
			return ""
		}
		got, err := configFile(nil, env)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		for k := range got {
			if !known[k] {
				t.Fatalf("accepted unknown key %q", k)
			}
		}
		out, err := yaml.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, out, 0o600); err != nil {
			t.Fatal(err)
		}
		again, err := configFile(nil, env)
		if err != nil {
			t.Fatalf("accepted settings, written out, are refused: %v\n%s", err, out)
		}
		if !maps.Equal(got, again) {
			t.Fatalf("round trip changed %v to %v", got, again)
		}
	})
}
