package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/civicdesk/civicdesk/agentdesk"
	"github.com/civicdesk/civicdesk/bot"

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

// externalFromStore returns the external bot saved from the admin pages,
// read at most every two seconds.
func externalFromStore(store Store, log *slog.Logger) func(ctx context.Context) *bot.External {
	var mu sync.Mutex
	var cached *bot.External
	var at time.Time
	return func(ctx context.Context) *bot.External {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(at) < 2*time.Second {
			return cached
		}
		at = time.Now()
		cfg, err := agentdesk.ExternalBot(ctx, store)
		if err != nil {
			log.Warn("external bot settings", "err", err)
			return cached
		}
		cached = nil
		if cfg.Enabled && cfg.URL != "" {
			cached = &bot.External{URL: cfg.URL, Secret: cfg.Secret}
		}
		return cached
	}
}
