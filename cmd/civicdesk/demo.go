package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/auth"
)

// DemoPassword is every demo account's password.
const DemoPassword = "demo-password"

var demoDepartments = []civicdesk.Department{
	{ID: "benefits", Name: "Benefits"},
	{ID: "taxes", Name: "Taxes"},
	{ID: "vehicles", Name: "Vehicles"},
	{ID: "permits", Name: "Permits"},
	{ID: "housing", Name: "Housing"},
	{ID: "utilities", Name: "Utilities"},
	{ID: "general", Name: "General"},
}

func demoAgents() []civicdesk.Agent {
	all := make([]string, len(demoDepartments))
	for i, d := range demoDepartments {
		all[i] = d.ID
	}
	return []civicdesk.Agent{
		{ID: "ag_supervisor", Name: "Sam Supervisor", Email: "supervisor@demo.gov", Role: civicdesk.RoleSupervisor, Departments: all, Languages: []string{"en", "es"}},
		{ID: "ag_agent1", Name: "Alex Rivera", Email: "agent1@demo.gov", Role: civicdesk.RoleCaseworker, Departments: all, Languages: []string{"en", "es"}},
		{ID: "ag_agent2", Name: "Bea Nguyen", Email: "agent2@demo.gov", Role: civicdesk.RoleCaseworker, Departments: []string{"benefits", "housing"}, Languages: []string{"en", "vi"}},
		{ID: "ag_agent3", Name: "Chen Wei", Email: "agent3@demo.gov", Role: civicdesk.RoleCaseworker, Departments: []string{"taxes", "general"}, Languages: []string{"en", "zh"}},
		{ID: "ag_agent4", Name: "Dana Okafor", Email: "agent4@demo.gov", Role: civicdesk.RoleCaseworker, Departments: []string{"vehicles", "permits"}, Languages: []string{"en", "fr"}},
		{ID: "ag_agent5", Name: "Eli Haddad", Email: "agent5@demo.gov", Role: civicdesk.RoleCaseworker, Departments: []string{"utilities", "housing"}, Languages: []string{"en", "ar"}},
		{ID: "ag_agent6", Name: "Fe Santos", Email: "agent6@demo.gov", Role: civicdesk.RoleCaseworker, Departments: []string{"benefits", "general", "utilities"}, Languages: []string{"en", "es", "tl", "ht"}},
	}
}

// seedDemo creates the demo departments and accounts; run again, it changes
// nothing (existing accounts keep their id, password hash and status).
func seedDemo(ctx context.Context, store Store, log *slog.Logger) error {
	have, err := store.ListDepartments(ctx)
	if err != nil {
		return err
	}
	for _, d := range demoDepartments {
		// A retention set by an admin survives a restart.
		for _, h := range have {
			if h.ID == d.ID {
				d.RetentionDays, d.RetentionAction = h.RetentionDays, h.RetentionAction
			}
		}
		if err := store.PutDepartment(ctx, d); err != nil {
			return err
		}
	}
	created := 0
	for _, a := range demoAgents() {
		if _, err := store.GetAgentByEmail(ctx, a.Email); err == nil {
			continue
		} else if !civicdesk.IsNotFound(err) {
			return err
		}
		hash, err := auth.HashPassword(DemoPassword)
		if err != nil {
			return err
		}
		a.PasswordHash, a.Status = hash, civicdesk.StatusOffline
		if err := store.PutAgent(ctx, a); err != nil {
			return fmt.Errorf("agent %s: %w", a.Email, err)
		}
		created++
	}
	log.Info("demo data ready", "departments", len(demoDepartments), "agentsCreated", created)
	return nil
}
