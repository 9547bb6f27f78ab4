package main

import (
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/agentdesk"
	"github.com/civicdesk/civicdesk/internal/openapi"
	"github.com/civicdesk/civicdesk/webhooks"
)

// The public request and response shapes of API.md, for the OpenAPI document.
type (
	idOnly struct {
		ConversationID string `json:"conversationId"`
	}
	sessionReq struct {
		Name    string `json:"name,omitempty"`
		Email   string `json:"email,omitempty"`
		Phone   string `json:"phone,omitempty"`
		Locale  string `json:"locale,omitempty"`
		PageURL string `json:"pageUrl,omitempty"`
	}
	sessionResp struct {
		VisitorToken string `json:"visitorToken"`
		ContactID    string `json:"contactId"`
	}
	sendReq struct {
		ClientMessageID string `json:"clientMessageId"`
		Text            string `json:"text"`
	}
	widgetSendReq struct {
		ClientMessageID string `json:"clientMessageId"`
		Text            string `json:"text"`
		SocketID        string `json:"socketId,omitempty"` // this tab's ?socket= name: no echo of the message to it
	}
	acceptedResp struct {
		MessageID      string `json:"messageId"`
		ConversationID string `json:"conversationId,omitempty"`
	}
	widgetAcceptedResp struct {
		MessageID      string     `json:"messageId"`
		ConversationID string     `json:"conversationId"`
		Seq            uint64     `json:"seq,omitempty"`       // with socketId: the message's place
		CreatedAt      *time.Time `json:"createdAt,omitempty"` // with socketId
	}
	historyResp struct {
		ConversationID *string `json:"conversationId"`
		State          *string `json:"state"`
		// AgentName (an extension) is the assigned caseworker's name.
		AgentName string              `json:"agentName,omitempty"`
		Messages  []civicdesk.Message `json:"messages"`
	}
	ratingReq struct {
		Score   int    `json:"score"`
		Comment string `json:"comment,omitempty"`
	}
	typingReq struct {
		Typing bool `json:"typing"`
	}
	loginReq struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	loginResp struct {
		Token string          `json:"token"`
		Agent civicdesk.Agent `json:"agent"`
	}
	agentResp struct {
		Agent civicdesk.Agent `json:"agent"`
	}
	statusReq struct {
		Status civicdesk.AgentStatus `json:"status"`
	}
	conversationsResp struct {
		Conversations []civicdesk.Conversation `json:"conversations"`
	}
	conversationResp struct {
		Conversation civicdesk.Conversation `json:"conversation"`
		Messages     []civicdesk.Message    `json:"messages,omitempty"`
		Notes        []civicdesk.Note       `json:"notes,omitempty"`
		Contact      *civicdesk.Contact     `json:"contact,omitempty"`
	}
	noteReq struct {
		Text string `json:"text"`
	}
	transferReq struct {
		DepartmentID string `json:"departmentId,omitempty"`
		AgentID      string `json:"agentId,omitempty"`
		Note         string `json:"note,omitempty"`
	}
	closeReq struct {
		Disposition string `json:"disposition,omitempty"`
	}
	assignReq struct {
		AgentID string `json:"agentId"`
	}
	departmentsResp struct {
		Departments []civicdesk.Department `json:"departments"`
	}
	queueLine struct {
		DepartmentID       string  `json:"departmentId"`
		Waiting            int     `json:"waiting"`
		LongestWaitSeconds int     `json:"longestWaitSeconds"`
		AgentsAvailable    int     `json:"agentsAvailable"`
		AgentsBusy         int     `json:"agentsBusy"`
		ServiceLevel       float64 `json:"serviceLevel"`
	}
	queuesResp struct {
		Queues []queueLine `json:"queues"`
	}
	agentLine struct {
		civicdesk.Agent
		ActiveConversations int `json:"activeConversations"`
	}
	agentsResp struct {
		Agents []agentLine `json:"agents"`
	}
	contactEditReq struct {
		Name   *string `json:"name,omitempty"`
		Email  *string `json:"email,omitempty"`
		Phone  *string `json:"phone,omitempty"`
		Locale *string `json:"locale,omitempty"`
	}
	mergeReq struct {
		IntoContactID string `json:"intoContactId"`
		Confirm       bool   `json:"confirm,omitempty"`
	}
	mergeConfirm struct {
		Confirm bool `json:"confirm"`
	}
	cannedItem struct {
		ID       string `json:"id,omitempty"`
		Shortcut string `json:"shortcut"`
		Title    string `json:"title"`
		Text     string `json:"text"`
		Language string `json:"language,omitempty"`
	}
	cannedResp struct {
		Canned []cannedItem `json:"canned"`
	}
	auditEntry struct {
		Seq      uint64            `json:"seq"`
		At       time.Time         `json:"at"`
		Actor    string            `json:"actor"`
		Action   string            `json:"action"`
		Target   string            `json:"target,omitempty"`
		Detail   map[string]string `json:"detail,omitempty"`
		PrevHash string            `json:"prevHash"`
		Hash     string            `json:"hash"`
	}
	auditResp struct {
		Entries []auditEntry `json:"entries"`
	}
	statsResp struct {
		Conversations               int     `json:"conversations"`
		ContainedByBot              int     `json:"containedByBot"`
		ContainmentRate             float64 `json:"containmentRate"`
		AverageFirstResponseSeconds float64 `json:"averageFirstResponseSeconds"`
		AverageHandleSeconds        float64 `json:"averageHandleSeconds"`
		AverageRating               float64 `json:"averageRating"`
	}
	historySamplesResp struct {
		Since         string             `json:"since"`
		StepSeconds   int                `json:"stepSeconds"`
		WindowSeconds int                `json:"windowSeconds"`
		Samples       []agentdesk.Sample `json:"samples"`
	}
	healthResp struct {
		Status string `json:"status"`
	}
	authConfigResp struct {
		Password     bool   `json:"password"`
		OIDC         bool   `json:"oidc"`
		OIDCLoginURL string `json:"oidcLoginUrl,omitempty"`
	}
	revokedResp struct {
		Revoked int `json:"revoked"`
	}
	apiTokenReq struct {
		Name      string `json:"name"`
		Scope     string `json:"scope"`               // admin, supervisor or supervisor-read
		ExpiresAt string `json:"expiresAt,omitempty"` // RFC 3339; none: never
	}
	apiTokenCreated struct {
		Token  agentdesk.APIToken `json:"token"`
		Secret string             `json:"secret"`
	}
	apiTokensResp struct {
		Tokens []agentdesk.APIToken `json:"tokens"`
	}
	kbArticleReq struct {
		Title      string `json:"title"`
		Language   string `json:"language"`   // en, es, fr, vi, zh, ar, ht or tl
		Department string `json:"department"` // an existing department id
		URL        string `json:"url"`        // https://
		Summary    string `json:"summary,omitempty"`
		Body       string `json:"body"` // Markdown
	}
	kbArticleResp struct {
		Article agentdesk.KBArticle `json:"article"`
	}
	kbArticlesResp struct {
		Articles  []agentdesk.KBArticle `json:"articles"`
		Languages []string              `json:"languages"`
	}
	twilioInbound struct {
		From       string `json:"From"`
		To         string `json:"To"`
		Body       string `json:"Body"`
		MessageSid string `json:"MessageSid"`
		NumMedia   string `json:"NumMedia,omitempty"`
	}
)

// apiOperations is every public endpoint, for /api/v1/openapi.json. The
// OpenAPI test fails when a registered route is missing here or an entry
// here is not registered.
func apiOperations() []openapi.Op {
	const w, d, s, o = "widget", "desk", "supervisor", "operations"
	return []openapi.Op{
		{Method: "GET", Path: "/healthz", Summary: "The process runs", Tag: o, Response: healthResp{}},
		{Method: "GET", Path: "/readyz", Summary: "NATS and the store answer", Tag: o, Response: healthResp{}},
		{Method: "GET", Path: "/metrics", Summary: "Prometheus metrics", Tag: o, ContentType: "text/plain"},
		{Method: "GET", Path: "/api/v1/openapi.json", Summary: "This document", Tag: o, ContentType: "application/json"},

		{Method: "POST", Path: "/api/v1/widget/sessions", Summary: "Start a visitor session", Tag: w, Request: sessionReq{}, Status: 201, Response: sessionResp{}},
		{Method: "POST", Path: "/api/v1/widget/messages", Summary: "Send a message (202 once durably accepted; idempotent on clientMessageId). With socketId, the socket of that name gets no echo of it and the 202 carries its seq and createdAt", Tag: w, Auth: openapi.Visitor, Request: widgetSendReq{}, Status: 202, Response: widgetAcceptedResp{}},
		{Method: "GET", Path: "/api/v1/widget/messages", Summary: "The current conversation's messages, oldest first", Tag: w, Auth: openapi.Visitor, Query: []string{"after"}, Response: historyResp{}},
		{Method: "POST", Path: "/api/v1/widget/conversation/close", Summary: "Close the conversation; transcriptEmail (an extension) mails its transcript", Tag: w, Auth: openapi.Visitor, Request: widgetCloseReq{}, Response: widgetCloseResp{}},
		{Method: "GET", Path: "/api/v1/widget/availability", Summary: "Extension: whether a caseworker answers now (open, closed outside opening hours, unavailable)", Tag: w, Response: availabilityResp{}},
		{Method: "POST", Path: "/api/v1/widget/leave-message", Summary: "Extension: leave a message for a caseworker, answered by email or SMS (202; idempotent on clientMessageId)", Tag: w, Auth: openapi.Visitor, Request: leaveReq{}, Status: 202, Response: leaveResp{}},
		{Method: "POST", Path: "/api/v1/widget/conversation/rating", Summary: "Rate the conversation 1 to 5", Tag: w, Auth: openapi.Visitor, Request: ratingReq{}, Response: idOnly{}},
		{Method: "POST", Path: "/api/v1/widget/typing", Summary: "The visitor is typing", Tag: w, Auth: openapi.Visitor, Request: typingReq{}, Status: 204},
		{Method: "GET", Path: "/api/v1/widget/ws", Summary: "WebSocket of this visitor's events (resume with ?after=; name it with ?socket=, 8 to 64 letters, digits, - or _, to send messages without their echo); a {\"type\":\"keepalive\"} event every 30 s on a quiet socket", Tag: w, Auth: openapi.Visitor, Query: []string{"token", "after", "socket"}, Status: 101},
		{Method: "POST", Path: "/api/v1/channels/sms/twilio", Summary: "Twilio's inbound SMS/MMS webhook (X-Twilio-Signature checked when an auth token is set); TwiML once durably accepted", Tag: "sms", Request: twilioInbound{}, Form: true, ContentType: "text/xml"},
		{Method: "POST", Path: "/api/v1/channels/sms/twilio/status", Summary: "Twilio's status callback of a sent text (signed; only with a Twilio account)", Tag: "sms", Form: true, Query: []string{"c", "m", "p"}},

		{Method: "POST", Path: "/api/v1/desk/login", Summary: "Sign in", Tag: d, Request: loginReq{}, Response: loginResp{}},
		{Method: "POST", Path: "/api/v1/desk/logout", Summary: "Sign out", Tag: d, Auth: openapi.Staff},
		{Method: "POST", Path: "/api/v1/desk/me/sessions/revoke", Summary: "Sign out everywhere: end every session of the signed-in agent", Tag: d, Auth: openapi.Staff, Response: revokedResp{}},
		{Method: "GET", Path: "/api/v1/auth/config", Summary: "Ways to sign in (password; single sign-on when configured)", Tag: d, Response: authConfigResp{}},
		{Method: "GET", Path: "/api/v1/auth/oidc/login", Summary: "Start single sign-on: redirect to the identity provider (next: the desk page to return to)", Tag: d, Query: []string{"next"}, Status: 302},
		{Method: "GET", Path: "/api/v1/auth/oidc/callback", Summary: "The identity provider's redirect back: checks state, nonce and the ID token, sets the session cookie and redirects to the desk", Tag: d, Query: []string{"code", "state"}, Status: 303},
		{Method: "GET", Path: "/api/v1/admin/api-tokens", Summary: "API tokens for integrations (no secrets)", Tag: "admin", Auth: openapi.Admin, Response: apiTokensResp{}},
		{Method: "POST", Path: "/api/v1/admin/api-tokens", Summary: "Create an API token; its secret is shown only in this answer (audited)", Tag: "admin", Auth: openapi.Admin, Request: apiTokenReq{}, Status: 201, Response: apiTokenCreated{}},
		{Method: "DELETE", Path: "/api/v1/admin/api-tokens/:id", Summary: "Revoke an API token at once (audited)", Tag: "admin", Auth: openapi.Admin},
		{Method: "GET", Path: "/api/v1/desk/me", Summary: "The signed-in agent", Tag: d, Auth: openapi.Staff, Response: agentResp{}},
		{Method: "PUT", Path: "/api/v1/desk/me/status", Summary: "Set presence", Tag: d, Auth: openapi.Staff, Request: statusReq{}, Response: statusReq{}},
		{Method: "GET", Path: "/api/v1/desk/departments", Summary: "Departments", Tag: d, Auth: openapi.Staff, Response: departmentsResp{}},
		{Method: "GET", Path: "/api/v1/desk/conversations", Summary: "Mine (assigned), my departments' queue (queued), or closed", Tag: d, Auth: openapi.Staff, Query: []string{"state"}, Response: conversationsResp{}},
		{Method: "GET", Path: "/api/v1/desk/conversations/:id", Summary: "A conversation with its messages", Tag: d, Auth: openapi.Staff, Response: conversationResp{}},
		{Method: "POST", Path: "/api/v1/desk/conversations/:id/messages", Summary: "Reply on the citizen's channel", Tag: d, Auth: openapi.Staff, Request: sendReq{}, Status: 202, Response: acceptedResp{}},
		{Method: "POST", Path: "/api/v1/desk/conversations/:id/notes", Summary: "Add an internal note", Tag: d, Auth: openapi.Staff, Request: noteReq{}, Status: 201},
		{Method: "POST", Path: "/api/v1/desk/conversations/:id/accept", Summary: "Take a queued conversation or accept an offer", Tag: d, Auth: openapi.Staff, Response: conversationResp{}},
		{Method: "POST", Path: "/api/v1/desk/conversations/:id/decline", Summary: "Decline an offer", Tag: d, Auth: openapi.Staff, Response: conversationResp{}},
		{Method: "POST", Path: "/api/v1/desk/conversations/:id/transfer", Summary: "Transfer to a department or an agent", Tag: d, Auth: openapi.Staff, Request: transferReq{}, Response: conversationResp{}},
		{Method: "POST", Path: "/api/v1/desk/conversations/:id/close", Summary: "Close with a disposition", Tag: d, Auth: openapi.Staff, Request: closeReq{}, Response: conversationResp{}},
		{Method: "POST", Path: "/api/v1/desk/conversations/:id/typing", Summary: "The agent is typing", Tag: d, Auth: openapi.Staff, Request: typingReq{}, Status: 204},
		{Method: "GET", Path: "/api/v1/desk/ws", Summary: "WebSocket of this agent's events", Tag: d, Auth: openapi.Staff, Query: []string{"token"}, Status: 101},
		{Method: "GET", Path: "/api/v1/desk/contacts/:id/history", Summary: "A contact's conversations across channels", Tag: d, Auth: openapi.Staff},
		{Method: "PUT", Path: "/api/v1/desk/contacts/:id", Summary: "Edit a contact", Tag: d, Auth: openapi.Staff, Request: contactEditReq{}},
		{Method: "POST", Path: "/api/v1/desk/contacts/:id/merge", Summary: "Merge a duplicate contact (confirm: true to do it)", Tag: d, Auth: openapi.Staff, Request: mergeReq{}},
		{Method: "GET", Path: "/api/v1/channels/email/attachments/:id", Summary: "Download an email attachment (as a file)", Tag: d, Auth: openapi.Staff, ContentType: "application/octet-stream"},
		{Method: "GET", Path: "/api/v1/desk/canned", Summary: "Canned responses", Tag: d, Auth: openapi.Staff, Response: cannedResp{}},

		{Method: "GET", Path: "/api/v1/supervisor/queues", Summary: "Every department's queue", Tag: s, Auth: openapi.Supervisor, Response: queuesResp{}},
		{Method: "GET", Path: "/api/v1/supervisor/agents", Summary: "Every agent with status and load", Tag: s, Auth: openapi.Supervisor, Response: agentsResp{}},
		{Method: "POST", Path: "/api/v1/supervisor/conversations/:id/assign", Summary: "Force-assign to an agent", Tag: s, Auth: openapi.Supervisor, Request: assignReq{}, Response: conversationResp{}},
		{Method: "GET", Path: "/api/v1/supervisor/audit", Summary: "The audit trail (format=csv to export)", Tag: s, Auth: openapi.Supervisor, Query: []string{"after", "limit", "format"}, Response: auditResp{}},
		{Method: "GET", Path: "/api/v1/supervisor/stats", Summary: "Containment, first response, handle time, rating", Tag: s, Auth: openapi.Supervisor, Query: []string{"since"}, Response: statsResp{}},
		{Method: "GET", Path: "/api/v1/supervisor/stats/history", Summary: "Queue length and service level through the day, as samples", Tag: s, Auth: openapi.Supervisor, Query: []string{"since", "step", "departmentId"}, Response: historySamplesResp{}},
		{Method: "GET", Path: "/api/v1/supervisor/conversations", Summary: "Every open (or queued, assigned, closed) conversation, for the console", Tag: s, Auth: openapi.Supervisor, Query: []string{"state"}, Response: conversationsResp{}},
		{Method: "GET", Path: "/api/v1/supervisor/export/conversations", Summary: "Conversations as CSV", Tag: s, Auth: openapi.Supervisor, Query: []string{"since"}, ContentType: "text/csv"},
		{Method: "PUT", Path: "/api/v1/supervisor/canned", Summary: "Create or replace a canned response", Tag: s, Auth: openapi.Supervisor, Request: cannedItem{}},
		{Method: "GET", Path: "/api/v1/admin/external-bot", Summary: "The agency's own bot (secret hidden)", Tag: "admin", Auth: openapi.Supervisor},
		{Method: "PUT", Path: "/api/v1/admin/external-bot", Summary: "Set the agency's own bot, asked before the built-in one", Tag: "admin", Auth: openapi.Supervisor, Request: agentdesk.ExternalBotConfig{}},
		{Method: "GET", Path: "/api/v1/admin/agents", Summary: "Every agent", Tag: "admin", Auth: openapi.Supervisor, Response: agentsResp{}},
		{Method: "PUT", Path: "/api/v1/admin/agents", Summary: "Create (no id) or update an agent", Tag: "admin", Auth: openapi.Supervisor},
		{Method: "PUT", Path: "/api/v1/admin/departments", Summary: "Create or rename a department, or set its retention (retentionDays, 0 = keep; retentionAction delete or anonymize)", Tag: "admin", Auth: openapi.Supervisor, Request: civicdesk.Department{}},
		{Method: "GET", Path: "/api/v1/admin/routing", Summary: "The routing settings in force (--routing-config with the admins' department settings over it)", Tag: "admin", Auth: openapi.Supervisor},
		{Method: "GET", Path: "/api/v1/admin/departments/:id/routing", Summary: "A department's routing settings in force (every default applied) and the admins' own (override, or null)", Tag: "admin", Auth: openapi.Supervisor, Response: deptRoutingResp{}},
		{Method: "PUT", Path: "/api/v1/admin/departments/:id/routing", Summary: "Set a department's routing settings (strategy, mode, offerTimeout, hours, serviceLevelTarget, serviceLevelGoal, escalation; durations as \"90s\" or seconds); checked like --routing-config, in force at once on every replica (audited)", Tag: "admin", Auth: openapi.Admin, Request: agentdesk.DeptRouting{}, Response: deptRoutingResp{}},
		{Method: "GET", Path: "/api/v1/admin/contacts/:id/export", Summary: "A citizen's data as JSON (audited)", Tag: "admin", Auth: openapi.Supervisor},
		{Method: "POST", Path: "/api/v1/admin/contacts/:id/erase", Summary: "Erase a citizen's messages everywhere (confirm: true; audited)", Tag: "admin", Auth: openapi.Supervisor, Request: mergeConfirm{}},
		{Method: "GET", Path: "/api/v1/admin/webhooks", Summary: "Webhook endpoints (secrets hidden)", Tag: "admin", Auth: openapi.Supervisor},
		{Method: "PUT", Path: "/api/v1/admin/webhooks", Summary: "Create or replace a webhook endpoint", Tag: "admin", Auth: openapi.Supervisor, Request: webhooks.Endpoint{}},
		{Method: "DELETE", Path: "/api/v1/admin/webhooks/:id", Summary: "Remove a webhook endpoint", Tag: "admin", Auth: openapi.Supervisor},
		{Method: "GET", Path: "/api/v1/admin/webhooks/:id/deliveries", Summary: "The endpoint's delivery log", Tag: "admin", Auth: openapi.Supervisor},
		{Method: "GET", Path: "/api/v1/admin/kb", Summary: "Knowledge-base articles kept in the store (without bodies)", Tag: "admin", Auth: openapi.Supervisor, Response: kbArticlesResp{}},
		{Method: "GET", Path: "/api/v1/admin/kb/:id", Summary: "One knowledge-base article with its body (id slashes sent as %2F)", Tag: "admin", Auth: openapi.Supervisor, Response: kbArticleResp{}},
		{Method: "PUT", Path: "/api/v1/admin/kb/:id", Summary: "Create (201) or replace a knowledge-base article; the bot uses it at once on every replica (audited)", Tag: "admin", Auth: openapi.Supervisor, Request: kbArticleReq{}, Response: kbArticleResp{}},
		{Method: "DELETE", Path: "/api/v1/admin/kb/:id", Summary: "Delete a knowledge-base article; the bot stops using it at once (audited)", Tag: "admin", Auth: openapi.Supervisor},
		{Method: "DELETE", Path: "/api/v1/supervisor/canned/:id", Summary: "Delete a canned response", Tag: s, Auth: openapi.Supervisor},
	}
}
