package natsbus

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A JetStream cluster that is still forming answers "no suitable peers for
// placement", "temporarily unavailable" or "not the leader" (seen when
// replicas start together with their NATS cluster): retry asks again. Other
// answers are final and come back at once.
func TestRetryWaitsOutAFormingCluster(t *testing.T) {
	b := &Bus{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, code := range []jetstream.ErrorCode{10005, 10008, 10009} {
		calls := 0
		err := b.retry(ctx, func(context.Context) error {
			if calls++; calls < 3 {
				return &jetstream.APIError{Code: 500, ErrorCode: code, Description: "cluster forming"}
			}
			return nil
		})
		if err != nil || calls != 3 {
			t.Errorf("code %d: %v after %d calls, want success on the third", code, err, calls)
		}
	}
	calls := 0
	err := b.retry(ctx, func(context.Context) error {
		calls++
		return &jetstream.APIError{Code: 404, ErrorCode: jetstream.JSErrCodeStreamNotFound, Description: "stream not found"}
	})
	if err == nil || calls != 1 {
		t.Errorf("stream not found: %v after %d calls, want it at once", err, calls)
	}
}
