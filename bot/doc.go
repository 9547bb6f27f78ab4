// Package bot is the triage step of the flow. While a conversation is with
// the bot, it reads each citizen message from CD_EVENTS, asks a Triager what
// it is about (department, urgency, language, whether a person is wanted),
// records the Triage on the conversation, tells the citizen what happens next
// (with emergency guidance at once when it is an emergency) and hands the
// conversation off to routing.
package bot
