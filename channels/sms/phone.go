package sms

import (
	"strings"
)

// Normalize returns phone as an E.164 number ("+15551234567"), or false when
// it is not a phone number. Spaces, dots, dashes and parentheses are ignored;
// a leading 00 is the international prefix; ten digits without a country code
// are a North American number (+1), as are eleven digits starting with 1.
func Normalize(phone string) (string, bool) {
	s := strings.TrimSpace(phone)
	if len(s) > 40 {
		return "", false
	}
	var digits []byte
	plus := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= '0' && ch <= '9':
			digits = append(digits, ch)
		case ch == '+' && i == 0:
			plus = true
		case ch == ' ' || ch == '-' || ch == '.' || ch == '(' || ch == ')' || ch == '\t':
		default:
			return "", false
		}
	}
	d := string(digits)
	switch {
	case plus:
	case strings.HasPrefix(d, "00"):
		d = d[2:]
	case len(d) == 10:
		d = "1" + d
	case len(d) == 11 && d[0] == '1':
	default:
		return "", false
	}
	if len(d) < 7 || len(d) > 15 || d[0] == '0' {
		return "", false
	}
	if d[0] == '1' {
		// North American Numbering Plan: +1 and ten digits, the area code
		// starting with 2-9. (The exchange should too, but the fictional
		// 555-123-4567 of examples and tests does not.)
		if len(d) != 11 || d[1] < '2' {
			return "", false
		}
	}
	return "+" + d, true
}
