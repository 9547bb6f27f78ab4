package auth

import "testing"

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("demo-password")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "demo-password") {
		t.Fatal("right password rejected")
	}
	if CheckPassword(h, "demo-passwor") || CheckPassword(h, "") {
		t.Fatal("wrong password accepted")
	}
	if CheckPassword("", "civicdesk-dummy-password") {
		t.Fatal("unknown account accepted the dummy password")
	}
	if CheckPassword("$bcrypt$junk", "x") {
		t.Fatal("malformed hash accepted")
	}
	h2, _ := HashPassword("demo-password")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
}

func TestTokens(t *testing.T) {
	s1, h1 := NewToken()
	s2, _ := NewToken()
	if s1 == s2 || len(s1) < 43 {
		t.Fatalf("tokens not random or too short: %q %q", s1, s2)
	}
	if HashToken(s1) != h1 || h1 == s1 {
		t.Fatal("hash mismatch")
	}
	if !Equal("abc", "abc") || Equal("abc", "abd") {
		t.Fatal("Equal wrong")
	}
}

func TestPrefixedTokens(t *testing.T) {
	s, h := NewPrefixedToken("cdk_")
	if len(s) < 4+43 || s[:4] != "cdk_" || HashToken(s) != h {
		t.Fatalf("prefixed token %q, hash %q", s, h)
	}
	if s2, _ := NewPrefixedToken("cdk_"); s2 == s {
		t.Fatal("prefixed tokens repeat")
	}
}
