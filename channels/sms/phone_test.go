package sms

import (
	"regexp"
	"testing"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"+15551234567", "+15551234567", true},
		{"5551234567", "+15551234567", true},
		{"(555) 123-4567", "+15551234567", true},
		{"555.123.4567", "+15551234567", true},
		{"1 555 123 4567", "+15551234567", true},
		{"15551234567", "+15551234567", true},
		{"+1 (555) 123-4567", "+15551234567", true},
		{"  +15551234567\t", "+15551234567", true},
		{"+447911123456", "+447911123456", true},
		{"00447911123456", "+447911123456", true},
		{"+44 7911 123456", "+447911123456", true},
		{"+33612345678", "+33612345678", true},
		{"+6836831234", "+6836831234", true},
		{"+861012345678901", "+861012345678901", true},          // 15 digits, the most E.164 has
		{"+8610123456789012", "", false},                        // 16 digits
		{"+1555123456", "", false},                              // +1 needs ten digits after it
		{"+155512345678", "", false},                            // and not eleven
		{"0551234567", "", false},                               // area code cannot start with 0
		{"1551234567", "", false},                               // nor with 1
		{"+0123456789", "", false},                              // no country code 0
		{"555123456", "", false},                                // nine digits, no country
		{"447911123456", "", false},                             // twelve digits need a +
		{"", "", false},                                         //
		{"+", "", false},                                        //
		{"++15551234567", "", false},                            //
		{"1-800-FLOWERS", "", false},                            // no letters
		{"+1555123456x7", "", false},                            // no extensions
		{"whatsapp:+15551234567", "", false},                    // not a plain number
		{"+1555123456７", "", false},                             // fullwidth digit
		{"+15551234567+", "", false},                            //
		{"12345", "", false},                                    // a short code is not a citizen's number
		{"+1 555 123 4567 0000 0000 0000 0000 0000", "", false}, //
	} {
		got, ok := Normalize(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Normalize(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

var e164RE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"+15551234567", "5551234567", "(555) 123-4567", "00447911123456", "+", "", "1-800-FLOWERS", "+1 555"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := Normalize(in)
		if !ok {
			if got != "" {
				t.Fatalf("Normalize(%q) = %q but not ok", in, got)
			}
			return
		}
		if !e164RE.MatchString(got) {
			t.Fatalf("Normalize(%q) = %q, not E.164", in, got)
		}
		if again, ok := Normalize(got); !ok || again != got {
			t.Fatalf("Normalize(Normalize(%q)) = %q, %v; want %q", in, again, ok, got)
		}
	})
}
