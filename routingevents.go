package civicdesk

// Routing event verbs on cd.conv.<verb>.<conversationId>, besides queued
// and assigned. Their events carry the whole Conversation.
const (
	// VerbOffered: offered to Event.AgentID (also
	// Conversation.OfferedAgentID) until Conversation.OfferExpiresAt.
	VerbOffered = "offered"
	// VerbOfferEnded: the offer to Event.AgentID ended without an accept;
	// Event.Reason is ReasonTimeout, ReasonDeclined or ReasonWithdrawn.
	VerbOfferEnded = "offer_ended"
	// VerbEscalated: an escalation step widened the queue to
	// Event.DepartmentID (Conversation.WidenedTo) or dropped the language
	// requirement (Conversation.InterpreterNeeded); Event.Reason says which.
	VerbEscalated = "escalated"
)

// Reasons on transfer requests (cd.conv.transfer.<id>) that answer offers,
// and on offer_ended events.
const (
	ReasonAccepted  = "accepted"  // the caseworker Event.AgentID takes it
	ReasonDeclined  = "declined"  // the caseworker Event.AgentID turns the offer down
	ReasonTimeout   = "timeout"   // the offer expired
	ReasonWithdrawn = "withdrawn" // routing took the offer back (agent away, taken by another)
)
