package webhooks

import (
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"whd_1","type":"message"}`)
	h := Sign("secret-secret-secret", now, body)
	if h != "t=1800000000,v1="+h[len("t=1800000000,v1="):] || len(h) != len("t=1800000000,v1=")+64 {
		t.Fatalf("header = %q", h)
	}
	if !Verify("secret-secret-secret", h, body, now.Add(time.Minute), 5*time.Minute) {
		t.Fatal("valid signature refused")
	}
	for name, ok := range map[string]bool{
		"tampered body": Verify("secret-secret-secret", h, []byte(`{"id":"whd_2"}`), now, 5*time.Minute),
		"wrong secret":  Verify("other-secret-secret", h, body, now, 5*time.Minute),
		"replayed late": Verify("secret-secret-secret", h, body, now.Add(time.Hour), 5*time.Minute),
		"no v1":         Verify("secret-secret-secret", "t=1800000000", body, now, 5*time.Minute),
		"garbage":       Verify("secret-secret-secret", "x", body, now, 5*time.Minute),
	} {
		if ok {
			t.Errorf("%s: accepted", name)
		}
	}
}
