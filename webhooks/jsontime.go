package webhooks

import (
	"encoding/json"

	"github.com/civicdesk/civicdesk"
)

// The API writes times with exactly three fractional digits, in UTC
// (civicdesk.TimeLayout): a delivery and a log line shadow their time
// field with civicdesk.JSONTime, as the domain types do.

// MarshalJSON writes d with its time as the API writes times.
func (d Delivery) MarshalJSON() ([]byte, error) {
	type plain Delivery
	return json.Marshal(struct {
		plain
		CreatedAt civicdesk.JSONTime `json:"createdAt"`
	}{plain(d), civicdesk.JSONTime(d.CreatedAt)})
}

// MarshalJSON writes a with its time as the API writes times.
func (a Attempt) MarshalJSON() ([]byte, error) {
	type plain Attempt
	return json.Marshal(struct {
		plain
		At civicdesk.JSONTime `json:"at"`
	}{plain(a), civicdesk.JSONTime(a.At)})
}
