package agentdesk

import (
	"encoding/json"

	"github.com/civicdesk/civicdesk"
)

// The API writes times with exactly three fractional digits, in UTC
// (civicdesk.TimeLayout): these responses shadow their time fields with
// civicdesk.JSONTime, as the domain types do (see civicdesk's jsontime.go).

// MarshalJSON writes a with its time as the API writes times.
func (a KBArticle) MarshalJSON() ([]byte, error) {
	type plain KBArticle
	return json.Marshal(struct {
		plain
		UpdatedAt civicdesk.JSONTime `json:"updatedAt"`
	}{plain(a), civicdesk.JSONTime(a.UpdatedAt)})
}

// MarshalJSON writes t with its times as the API writes times.
func (t APIToken) MarshalJSON() ([]byte, error) {
	type plain APIToken
	return json.Marshal(struct {
		plain
		CreatedAt  civicdesk.JSONTime  `json:"createdAt"`
		ExpiresAt  *civicdesk.JSONTime `json:"expiresAt,omitempty"`
		LastUsedAt *civicdesk.JSONTime `json:"lastUsedAt,omitempty"`
	}{plain(t), civicdesk.JSONTime(t.CreatedAt), (*civicdesk.JSONTime)(t.ExpiresAt), (*civicdesk.JSONTime)(t.LastUsedAt)})
}

// MarshalJSON writes the stored record as before: APIToken's MarshalJSON,
// promoted to it, would leave out its hash.
func (r apiTokenRecord) MarshalJSON() ([]byte, error) {
	type plain APIToken
	return json.Marshal(struct {
		plain
		Hash string `json:"hash"`
	}{plain(r.APIToken), r.Hash})
}

// MarshalJSON writes s with its time as the API writes times.
func (s Sample) MarshalJSON() ([]byte, error) {
	type plain Sample
	return json.Marshal(struct {
		plain
		At civicdesk.JSONTime `json:"at"`
	}{plain(s), civicdesk.JSONTime(s.At)})
}
