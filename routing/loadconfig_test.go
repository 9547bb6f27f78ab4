package routing

import (
	"strings"
	"testing"
	"time"
)

func TestLoadConfigFromYAML(t *testing.T) {
	c, err := LoadConfig([]byte(`
capacity: 4
weights: {webchat: 1, sms: 0.5, email: 0.25}
default:
  strategy: least_busy
  serviceLevelTarget: 45s
  serviceLevelGoal: 0.9
departments:
  housing:
    mode: offer
    offerTimeout: 20s
    hours:
      timeZone: America/New_York
      week:
        - []
        - [{from: "08:30", to: "17:00"}]
        - [{from: "08:30", to: "17:00"}]
        - [{from: "08:30", to: "17:00"}]
        - [{from: "08:30", to: "17:00"}]
        - [{from: "08:30", to: "17:00"}]
        - []
      holidays: ["2026-12-25"]
`))
	if err != nil {
		t.Fatal(err)
	}
	h := c.Departments["housing"]
	if c.Capacity != 4 || c.Default.Strategy != "least_busy" || c.Default.ServiceLevelTarget != 45*time.Second ||
		h.Mode != "offer" || h.OfferTimeout != 20*time.Second || h.Hours == nil || h.Hours.TimeZone != "America/New_York" || len(h.Hours.Week[1]) != 1 {
		t.Fatalf("config = %+v, housing %+v", c, h)
	}
	for body, want := range map[string]string{
		"capacty: 4\n":                                       "capacty",
		"default: {strategy: fastest}\n":                     "strategy",
		"default: {offerTimeout: soon}\n":                    "line 1",
		"departments: {x: {hours: {timeZone: Mars/Base}}}\n": "Mars/Base",
	} {
		if _, err := LoadConfig([]byte(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want it to mention %q", body, err, want)
		}
	}
}
