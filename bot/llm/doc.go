// Package llm is the optional triager the bot uses when CIVICDESK_OPENAI_*
// are set: it asks a model on any OpenAI-compatible server (OpenAI, Azure
// through a compatible gateway, vLLM, Ollama, llama.cpp, …) what a citizen
// message is about, with the same fields as civicdesk.Triage.
//
// It stands between the bot and the network, with the local triager
// (package bot/local, no network) behind it:
//
//	citizen text ──► local triager ─────────────────────────┐ safety net
//	      │                                                 ▼
//	      └─► pii.Redact ─► prompt v1 ─► model (JSON schema) ─► validate ─► merge ─► Triage
//	                                   │ slow, down, nonsense, circuit open
//	                                   └──────────────► local triage + "llm unavailable: …"
//
// The model never sees personal data: the text is redacted by bot/pii
// before the prompt is built. The request asks for structured output (a
// strict JSON schema with the department, urgency and language enums) at
// temperature 0, with a timeout. Answers are validated; a slow, failing or
// nonsensical model falls back to the local triager, with the reason
// recorded, and a circuit breaker stops calling the model after repeated
// failures until a cooldown has passed. The local triager also runs on
// every message as a safety net: if it finds an emergency or a request
// for a person, the result keeps it whatever the model says, so emergency
// recall is never below the local triager's. Each triage records the
// model (as the server reports it) and the prompt version in its reasons.
// Message text is never logged.
package llm
