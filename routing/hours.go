package routing

import (
	"fmt"
	"slices"
	"time"
)

// hours are compiled opening hours: minutes of the day per weekday, in a
// time zone, with closed dates.
type hours struct {
	loc      *time.Location
	week     [7][]minuteSpan
	holidays map[string]bool // "2006-01-02"
}

type minuteSpan struct{ from, to int }

func parseClock(s string) (int, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("time %q is not HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time %q is not HH:MM", s)
	}
	return h*60 + m, nil
}

func compileHours(h Hours) (*hours, error) {
	loc := time.UTC
	if h.TimeZone != "" {
		var err error
		if loc, err = time.LoadLocation(h.TimeZone); err != nil {
			return nil, fmt.Errorf("hours: time zone %q: %w", h.TimeZone, err)
		}
	}
	out := &hours{loc: loc, holidays: map[string]bool{}}
	for d, spans := range h.Week {
		for _, sp := range spans {
			from, err := parseClock(sp.From)
			if err != nil {
				return nil, fmt.Errorf("hours: %s: %w", time.Weekday(d), err)
			}
			to, err := parseClock(sp.To)
			if err != nil {
				return nil, fmt.Errorf("hours: %s: %w", time.Weekday(d), err)
			}
			if to <= from {
				return nil, fmt.Errorf("hours: %s: %s-%s ends before it starts", time.Weekday(d), sp.From, sp.To)
			}
			out.week[d] = append(out.week[d], minuteSpan{from, to})
		}
		slices.SortFunc(out.week[d], func(a, b minuteSpan) int { return a.from - b.from })
	}
	for _, day := range h.Holidays {
		if _, err := time.ParseInLocation("2006-01-02", day, loc); err != nil {
			return nil, fmt.Errorf("hours: holiday %q is not YYYY-MM-DD", day)
		}
		out.holidays[day] = true
	}
	return out, nil
}

// at is the given minute of a day, in the office's time zone.
func (h *hours) at(y int, m time.Month, d, minute int) time.Time {
	return time.Date(y, m, d, minute/60, minute%60, 0, 0, h.loc)
}

// open reports whether t falls in opening hours.
func (h *hours) open(t time.Time) bool {
	lt := t.In(h.loc)
	if h.holidays[lt.Format("2006-01-02")] {
		return false
	}
	min := lt.Hour()*60 + lt.Minute()
	for _, sp := range h.week[lt.Weekday()] {
		if min >= sp.from && min < sp.to {
			return true
		}
	}
	return false
}

// nextOpen is the first moment at or after t when the office is open; the
// zero time if it never opens within a year.
func (h *hours) nextOpen(t time.Time) time.Time {
	if h.open(t) {
		return t
	}
	lt := t.In(h.loc)
	y, m, d := lt.Date()
	for i := 0; i <= 366; i++ {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, h.loc)
		if h.holidays[day.Format("2006-01-02")] {
			continue
		}
		dy, dm, dd := day.Date()
		for _, sp := range h.week[day.Weekday()] {
			start := h.at(dy, dm, dd, sp.from)
			if !start.Before(t) {
				return start.UTC()
			}
		}
	}
	return time.Time{}
}
