package civicdesk

// Stream names and the subjects they hold.
const (
	StreamInbound  = "CD_INBOUND"  // cd.in.>: every message to record, whoever wrote it
	StreamEvents   = "CD_EVENTS"   // cd.conv.>, cd.agent.>: what happened; cd.bot.>: work for the bot
	StreamOutbound = "CD_OUTBOUND" // cd.out.>: messages to deliver on a channel
	StreamAudit    = "CD_AUDIT"    // cd.audit.>: audit entries, chained in order
	StreamWebhooks = "CD_WEBHOOKS" // cd.hook.>: webhook deliveries, one subject per endpoint

	SubjectsInbound  = "cd.in.>"
	SubjectsConv     = "cd.conv.>"
	SubjectsAgent    = "cd.agent.>"
	SubjectsBot      = "cd.bot.>"
	SubjectsOutbound = "cd.out.>"
	SubjectsAudit    = "cd.audit.>"
	SubjectsWebhooks = "cd.hook.>"
)

// Message sources on cd.in.<source>.<conversationId>: a channel for citizens'
// messages, or who inside wrote it.
const (
	SourceAgent  = "agent"
	SourceBot    = "bot"
	SourceSystem = "system"
)

// Conversation event verbs on cd.conv.<verb>.<conversationId>.
const (
	VerbMessage  = "message"  // a message was recorded
	VerbHandoff  = "handoff"  // the bot handed off: route it
	VerbQueued   = "queued"   // waiting for a caseworker
	VerbAssigned = "assigned" // a caseworker has it
	VerbClosed   = "closed"
	VerbTransfer = "transfer" // re-route to another department or agent
	VerbUpdated  = "updated"  // triage or other fields changed
	VerbTyping   = "typing"   // core NATS only, never stored
	VerbCreated  = "created"  // a new conversation's first message was recorded
	VerbRated    = "rated"    // the citizen rated the conversation
)

// InboundSubject is where a message from source to conversation convID is
// published for recording.
func InboundSubject(source, convID string) string { return "cd.in." + source + "." + convID }

// ConvSubject is the subject of a conversation event.
func ConvSubject(verb, convID string) string { return "cd.conv." + verb + "." + convID }

// BotTriageSubject is where the recorder asks the bot to triage a citizen
// message it recorded while conversation convID was with the bot (the
// message event again). It is apart from the message events, which every
// socket hub hears, so that the bot hears nothing of conversations with a
// person.
func BotTriageSubject(convID string) string { return "cd.bot.triage." + convID }

// AgentStatusSubject is where an agent's presence changes are published.
func AgentStatusSubject(agentID string) string { return "cd.agent.status." + agentID }

// OutboundSubject is where a message to deliver on channel is published.
func OutboundSubject(ch Channel, convID string) string { return "cd.out." + string(ch) + "." + convID }

// TypingSubject is the core NATS subject for typing indicators.
func TypingSubject(convID string) string { return "cd.typing." + convID }

// EventTypeOf maps a conversation verb to its public event type.
func EventTypeOf(verb string) string {
	switch verb {
	case VerbMessage:
		return "message"
	case VerbTyping:
		return "typing"
	}
	return "conversation." + verb
}

// AuditSubject is where an audit entry for action is published.
func AuditSubject(action string) string { return "cd.audit." + action }

// WebhookSubject is where deliveries to one webhook endpoint wait.
func WebhookSubject(endpointID string) string { return "cd.hook." + endpointID }

// NoteSubject is the core NATS subject of internal-note events, outside every
// stream and outside cd.conv.> so no citizen-facing consumer can see them.
func NoteSubject(convID string) string { return "cd.note." + convID }
