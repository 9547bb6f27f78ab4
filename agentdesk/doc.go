// Package agentdesk is where caseworkers and supervisors work: sign-in and
// sessions, presence, the conversation list and view, replies (published to
// CD_INBOUND so they are recorded and delivered on the citizen's channel),
// internal notes, accept, transfer, close, the supervisor's queue and agent
// views, and the desk WebSocket that streams each agent's events. It stands
// at the end of the flow, after routing, and serves the desk's web pages.
package agentdesk
