package routing

import (
	"testing"
	"time"
)

func TestOpenHoursPerDepartment(t *testing.T) {
	weekdays := &Hours{TimeZone: "America/New_York", Holidays: []string{"2026-12-25"}}
	for d := time.Monday; d <= time.Friday; d++ {
		weekdays.Week[d] = []Span{{From: "08:00", To: "18:00"}}
	}
	cfg := Config{Default: Department{Hours: weekdays}, Departments: map[string]Department{
		"emergencies": {Hours: &Hours{Week: [7][]Span{{{From: "00:00", To: "24:00"}}, {{From: "00:00", To: "24:00"}},
			{{From: "00:00", To: "24:00"}}, {{From: "00:00", To: "24:00"}}, {{From: "00:00", To: "24:00"}},
			{{From: "00:00", To: "24:00"}}, {{From: "00:00", To: "24:00"}}}}},
	}}
	ny, _ := time.LoadLocation("America/New_York")
	cases := []struct {
		dept  string
		at    time.Time
		open  bool
		opens time.Time
	}{
		{"utilities", time.Date(2026, 11, 27, 10, 0, 0, 0, ny), true, time.Time{}},                              // Friday morning
		{"utilities", time.Date(2026, 11, 27, 19, 0, 0, 0, ny), false, time.Date(2026, 11, 30, 8, 0, 0, 0, ny)}, // Friday evening: Monday
		{"utilities", time.Date(2026, 12, 25, 10, 0, 0, 0, ny), false, time.Date(2026, 12, 28, 8, 0, 0, 0, ny)}, // a holiday
		{"emergencies", time.Date(2026, 11, 28, 3, 0, 0, 0, ny), true, time.Time{}},                             // its own hours
	}
	for _, c := range cases {
		open, opens, err := cfg.OpenHours(c.dept, c.at)
		if err != nil {
			t.Fatal(err)
		}
		if open != c.open || !opens.Equal(c.opens) {
			t.Errorf("%s at %v: open %v opens %v, want %v %v", c.dept, c.at, open, opens, c.open, c.opens)
		}
	}
	if open, _, err := (Config{}).OpenHours("any", time.Now()); err != nil || !open {
		t.Errorf("no hours: open %v err %v, want always open", open, err)
	}
}
