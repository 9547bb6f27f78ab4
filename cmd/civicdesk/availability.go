package main

import (
	"context"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/channels/webchat"
	"github.com/civicdesk/civicdesk/routing"
)

// availabilityStore is what the widget's availability needs of the store.
type availabilityStore interface {
	ListAgents(ctx context.Context) ([]civicdesk.Agent, error)
	ListDepartments(ctx context.Context) ([]civicdesk.Department, error)
}

// widgetAvailability tells the widget whether a caseworker answers now,
// from what routing knows: departments' opening hours (its configuration)
// and caseworkers' presence (stored). "open" needs a department within its
// hours with an available caseworker; "closed" means every department is
// outside its hours.
//
// settings gives the routing settings in force at each call: an admin may
// change a department's hours while running.
func widgetAvailability(store availabilityStore, settings func() routing.Config) func(ctx context.Context) (webchat.Availability, error) {
	return func(ctx context.Context) (webchat.Availability, error) {
		cfg := settings()
		depts, err := store.ListDepartments(ctx)
		if err != nil {
			return webchat.Availability{}, err
		}
		agents, err := store.ListAgents(ctx)
		if err != nil {
			return webchat.Availability{}, err
		}
		now := time.Now()
		anyOpen := false
		var next time.Time
		for _, d := range depts {
			open, opens, err := cfg.OpenHours(d.ID, now)
			if err != nil {
				return webchat.Availability{}, err
			}
			if !open {
				if !opens.IsZero() && (next.IsZero() || opens.Before(next)) {
					next = opens
				}
				continue
			}
			anyOpen = true
			for _, a := range agents {
				if a.Disabled || a.Status != civicdesk.StatusAvailable || !a.InDepartment(d.ID) {
					continue
				}
				if a.Role == civicdesk.RoleCaseworker || cfg.RouteSupervisors {
					return webchat.Availability{Status: webchat.AvailOpen}, nil
				}
			}
		}
		if anyOpen || len(depts) == 0 {
			return webchat.Availability{Status: webchat.AvailUnavailable}, nil
		}
		out := webchat.Availability{Status: webchat.AvailClosed}
		if !next.IsZero() {
			out.OpensAt = &next
		}
		return out, nil
	}
}

// The widget's extensions to API.md, for the OpenAPI document.
type (
	widgetCloseReq struct {
		TranscriptEmail string `json:"transcriptEmail,omitempty"`
	}
	widgetCloseResp struct {
		ConversationID      string `json:"conversationId"`
		State               string `json:"state"`
		TranscriptRequested bool   `json:"transcriptRequested"`
	}
	availabilityResp struct {
		Status  string     `json:"status"`
		OpensAt *time.Time `json:"opensAt,omitempty"`
	}
	leaveReq struct {
		ClientMessageID string `json:"clientMessageId"`
		Text            string `json:"text"`
		Email           string `json:"email,omitempty"`
		Phone           string `json:"phone,omitempty"`
	}
	leaveResp struct {
		MessageID      string            `json:"messageId"`
		ConversationID string            `json:"conversationId"`
		Channel        civicdesk.Channel `json:"channel"`
	}
)
