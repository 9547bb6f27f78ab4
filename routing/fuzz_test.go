package routing

import (
	"bytes"
	"os"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzLoadConfig feeds the routing settings parser arbitrary YAML: it never
// panics, and settings it accepts say the same thing when written out and
// read again.
func FuzzLoadConfig(f *testing.F) {
	if data, err := os.ReadFile("../deploy/routing.example.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("default:\n  strategy: least_busy\n  mode: offer\n  offerTimeout: 30s\n"))
	f.Add([]byte("departments:\n  taxes:\n    hours:\n      timeZone: America/New_York\n      week: [[], [{from: \"09:00\", to: \"17:00\"}], [], [], [], [], []]\n"))
	f.Add([]byte("capacity: 3\nagentCapacity: {ag_1: 5}\nweights: {sms: 1.5}\n"))
	f.Add([]byte("default: {escalation: [{after: 5m, widen: [general]}, {after: 10m, dropLanguage: true}]}\n"))
	f.Add([]byte("unknown: 1\n"))
	f.Add([]byte("capacity: [\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := LoadConfig(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("accepted settings do not encode: %v", err)
		}
		again, err := LoadConfig(out)
		if err != nil {
			t.Fatalf("accepted settings, written out, are refused: %v\n%s", err, out)
		}
		// Compared as written: an empty map and a missing one say the same.
		out2, err := yaml.Marshal(again)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the settings (%v):\n%s\n%s", err, out, out2)
		}
	})
}
