package webhooks

import (
	"encoding/json"
	"testing"
	"time"
)

// A delivery's body and the delivery log write times as the API does.
func TestDeliveryTimesHaveMilliseconds(t *testing.T) {
	at := time.Date(2026, 11, 29, 18, 1, 17, 0, time.UTC)
	got, err := json.Marshal(Delivery{ID: "whd_1", Type: "message", CreatedAt: at, Data: json.RawMessage(`{"at":"2026-11-29T18:01:17.000Z"}`)})
	if want := `{"id":"whd_1","type":"message","data":{"at":"2026-11-29T18:01:17.000Z"},"createdAt":"2026-11-29T18:01:17.000Z"}`; err != nil || string(got) != want {
		t.Errorf("got  %s, %v\nwant %s", got, err, want)
	}
	got, err = json.Marshal(Attempt{DeliveryID: "whd_1", Type: "message", Attempts: 1, Status: 200, Delivered: true, At: at.Add(260 * time.Millisecond)})
	if want := `{"deliveryId":"whd_1","type":"message","attempts":1,"status":200,"delivered":true,"at":"2026-11-29T18:01:17.260Z"}`; err != nil || string(got) != want {
		t.Errorf("got  %s, %v\nwant %s", got, err, want)
	}
}
