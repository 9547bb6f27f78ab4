package channels

import (
	"context"

	"github.com/civicdesk/civicdesk"
)

// HandleBatch lets tests hand the recorder a batch as its consumer would,
// and again, as a redelivery would.
func (r *Recorder) HandleBatch(ctx context.Context, ds []civicdesk.Delivery) error {
	return r.handleBatch(ctx, ds)
}
