package main

import (
	"encoding/json"

	"github.com/civicdesk/civicdesk/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The shipped Grafana dashboard must parse and query only metrics the
// server really exports; the example config must be valid.
func TestDeployFiles(t *testing.T) {
	data, err := os.ReadFile("../../deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil || len(dash.Panels) < 8 {
		t.Fatalf("dashboard: %v, %d panels", err, len(dash.Panels))
	}
	startMain(t, t.TempDir()) // every channel registers its metrics
	// Every metric the server registers, whether or not it has a sample yet.
	descs := make(chan *prometheus.Desc, 1000)
	metrics.Registry.Describe(descs)
	close(descs)
	exported := map[string]bool{}
	fq := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	for d := range descs {
		if m := fq.FindStringSubmatch(d.String()); m != nil {
			exported[m[1]] = true
		}
	}
	metricName := regexp.MustCompile(`\b(civicdesk_[a-z_]+|process_[a-z_]+)`)
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, name := range metricName.FindAllString(tg.Expr, -1) {
				name = strings.TrimSuffix(name, "_bucket")
				if !exported[name] {
					t.Errorf("panel %q queries %s, which /metrics does not export", p.Title, name)
				}
			}
		}
	}
	if _, err := parseConfig("t", []string{"--config", "../../deploy/civicdesk.example.yaml"}, func(string) string { return "" }, io.Discard); err != nil {
		t.Fatalf("example config: %v", err)
	}
}
