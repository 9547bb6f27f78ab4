package main

import (
	"log/slog"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/bot/llm"
	"github.com/civicdesk/civicdesk/bot/local"
)

// triager is what the bot and `civicdesk triage` classify with.
type triager interface {
	Triage(text, channel string) civicdesk.Triage
}

// newTriager returns the local triager, or the LLM triager in front of it
// when an OpenAI-compatible server is configured.
func newTriager(cfg Config, log *slog.Logger) (triager, error) {
	loc, err := local.New()
	if err != nil {
		return nil, err
	}
	if cfg.OpenAIBaseURL == "" && cfg.OpenAIModel == "" {
		return loc, nil
	}
	return llm.New(llm.Config{BaseURL: cfg.OpenAIBaseURL, APIKey: cfg.OpenAIAPIKey, Model: cfg.OpenAIModel}, loc, log)
}
