package civicdesk

import "time"

// Event is what flows on CD_EVENTS and, as JSON, over the WebSockets:
// {"type":"message","message":…} or {"type":"conversation.assigned","conversation":…}.
// A message event's Conversation is its head only (whose, where it stands,
// who has it; no triage, preview or decisions); conversation.* events carry
// the whole conversation.
type Event struct {
	Type         string        `json:"type"`
	Message      *Message      `json:"message,omitempty"`
	Conversation *Conversation `json:"conversation,omitempty"`
	// Note accompanies note events (desk only, never to citizens).
	Note *Note `json:"note,omitempty"`
	// Position and EstimatedWaitSeconds accompany conversation.queued.
	Position             int `json:"position,omitempty"`
	EstimatedWaitSeconds int `json:"estimatedWaitSeconds,omitempty"`
	// Typing events say who types.
	Author *Author `json:"author,omitempty"`
	// AgentID names the agent of agent.* events and of a transfer target.
	AgentID      string      `json:"agentId,omitempty"`
	DepartmentID string      `json:"departmentId,omitempty"`
	Status       AgentStatus `json:"status,omitempty"`
	Reason       string      `json:"reason,omitempty"`
	// PreviousAgentID is set on events that take a conversation from an agent.
	PreviousAgentID string    `json:"previousAgentId,omitempty"`
	At              time.Time `json:"at"`
}

// InboundMessage is what a channel publishes on cd.in.>: the message to
// record plus what the recorder needs to open its conversation.
type InboundMessage struct {
	Message Message `json:"message"`
}

// TypingEvent says who is typing (or stopped) in conv, which it carries as
// message events do (its head: no triage, no zero times).
func TypingEvent(conv Conversation, who Author, typing bool) Event {
	head := conv.Head()
	reason := "stopped"
	if typing {
		reason = "typing"
	}
	return Event{Type: "typing", Conversation: &head, Author: &who, Reason: reason, At: Now()}
}
