package routing

import "time"

// OpenHours reports whether department dept is within its opening hours at
// t and, when it is not, when it next opens (zero if never within a year).
// A department without hours is always open. The widget uses it to tell a
// citizen, before they write, that no one will answer now.
func (c Config) OpenHours(dept string, t time.Time) (open bool, opensAt time.Time, err error) {
	s, err := c.compile()
	if err != nil {
		return false, time.Time{}, err
	}
	h := s.dept(dept).hours
	if h == nil || h.open(t) {
		return true, time.Time{}, nil
	}
	return false, h.nextOpen(t), nil
}
