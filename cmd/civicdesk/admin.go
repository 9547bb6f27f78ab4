package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/bot/kb"
	"github.com/civicdesk/civicdesk/internal/auth"
)

// adminCommand runs the store administration subcommands. Each takes the
// store flags of serve (--data-dir, --mongodb-uri, …) after its own.
func adminCommand(ctx context.Context, name string, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: civicdesk %s <verb> …; see civicdesk help", name)
	}
	verb, args := args[0], args[1:]
	switch name + " " + verb {
	case "agent add":
		return agentAdd(ctx, args, stdin, stdout, stderr, getenv)
	case "agent list":
		return withStore(ctx, "agent list", args, stderr, getenv, nil, func(s Store) error { return agentList(ctx, s, stdout) })
	case "agent disable":
		var email string
		return withStore(ctx, "agent disable", args, stderr, getenv, func(fs *flag.FlagSet) {
			fs.StringVar(&email, "email", "", "the agent's email")
		}, func(s Store) error { return agentDisable(ctx, s, email, stdout) })
	case "department add":
		var id, dname string
		return withStore(ctx, "department add", args, stderr, getenv, func(fs *flag.FlagSet) {
			fs.StringVar(&id, "id", "", "department id (lower-case letters, digits, -)")
			fs.StringVar(&dname, "name", "", "display name")
		}, func(s Store) error { return departmentAdd(ctx, s, id, dname, stdout) })
	case "department list":
		return withStore(ctx, "department list", args, stderr, getenv, nil, func(s Store) error { return departmentList(ctx, s, stdout) })
	case "kb import":
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return errors.New("usage: civicdesk kb import DIR [store flags]")
		}
		dir := args[0]
		return withStore(ctx, "kb import", args[1:], stderr, getenv, nil, func(s Store) error { return kbImport(ctx, s, dir, stdout, stderr) })
	case "export conversations":
		var sinceStr, format string
		return withStore(ctx, "export conversations", args, stderr, getenv, func(fs *flag.FlagSet) {
			fs.StringVar(&sinceStr, "since", "", "RFC 3339 time or a duration such as 24h (default: everything)")
			fs.StringVar(&format, "format", "csv", "csv or jsonl")
		}, func(s Store) error { return exportConversations(ctx, s, sinceStr, format, stdout, stderr) })
	case "migrate run":
		return withStore(ctx, "migrate", args, stderr, getenv, nil, func(s Store) error {
			fmt.Fprintln(stdout, "store schema and indexes are up to date")
			return nil
		})
	}
	return fmt.Errorf("unknown command %q; see civicdesk help", name+" "+verb)
}

// withStore parses the command's own flags with the store settings, opens
// the store (which creates schema and indexes) and runs fn.
func withStore(ctx context.Context, name string, args []string, stderr io.Writer, getenv func(string) string, own func(*flag.FlagSet), fn func(Store) error) error {
	var extra []func(*flag.FlagSet)
	if own != nil {
		extra = append(extra, own)
	}
	cfg, err := parseConfig("civicdesk "+name, args, getenv, stderr, extra...)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	return fn(store)
}

func agentAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var email, name, role, depts, langs string
	return withStore(ctx, "agent add", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "sign-in email (required)")
		fs.StringVar(&name, "name", "", "display name (required)")
		fs.StringVar(&role, "role", "caseworker", "caseworker, supervisor or admin")
		fs.StringVar(&depts, "departments", "", "comma-separated department ids")
		fs.StringVar(&langs, "languages", "en", "comma-separated language codes")
	}, func(s Store) error {
		if !strings.Contains(email, "@") || strings.TrimSpace(name) == "" {
			return errors.New("--email and --name are required")
		}
		r := civicdesk.Role(role)
		if r != civicdesk.RoleCaseworker && r != civicdesk.RoleSupervisor && r != civicdesk.RoleAdmin {
			return fmt.Errorf("--role must be caseworker, supervisor or admin, not %q", role)
		}
		known, err := s.ListDepartments(ctx)
		if err != nil {
			return err
		}
		ds := splitList(depts)
		for _, d := range ds {
			if !hasDepartment(known, d) {
				return fmt.Errorf("--departments: no department %q (civicdesk department list)", d)
			}
		}
		if _, err := s.GetAgentByEmail(ctx, email); err == nil {
			return fmt.Errorf("an agent with email %s exists", email)
		}
		// The password comes on standard input, never as an argument that
		// would stay in shell history and process lists.
		pw, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		pw = strings.TrimRight(pw, "\r\n")
		if len(pw) < 12 {
			return errors.New("give a password of at least 12 characters on standard input")
		}
		hash, err := auth.HashPassword(pw)
		if err != nil {
			return err
		}
		a := civicdesk.Agent{ID: civicdesk.NewID("ag"), Name: strings.TrimSpace(name), Email: strings.ToLower(email), Role: r,
			Departments: ds, Languages: splitList(langs), Status: civicdesk.StatusOffline, PasswordHash: hash}
		if err := s.PutAgent(ctx, a); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s (%s)\n", a.ID, a.Role)
		return nil
	})
}

func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func hasDepartment(ds []civicdesk.Department, id string) bool {
	for _, d := range ds {
		if d.ID == id {
			return true
		}
	}
	return false
}

func agentList(ctx context.Context, s Store, stdout io.Writer) error {
	agents, err := s.ListAgents(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tEMAIL\tNAME\tROLE\tDEPARTMENTS\tSTATUS\tDISABLED")
	for _, a := range agents {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%v\n", a.ID, a.Email, a.Name, a.Role, strings.Join(a.Departments, ","), a.Status, a.Disabled)
	}
	return w.Flush()
}

func agentDisable(ctx context.Context, s Store, email string, stdout io.Writer) error {
	if email == "" {
		return errors.New("--email is required")
	}
	a, err := s.GetAgentByEmail(ctx, email)
	if err != nil {
		return fmt.Errorf("agent %s: %w", email, err)
	}
	a.Disabled, a.Status = true, civicdesk.StatusOffline
	if err := s.PutAgent(ctx, a); err != nil {
		return err
	}
	if _, err := s.DeleteTokensOf(ctx, civicdesk.TokenSession, a.ID); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "disabled %s; their sessions no longer work\n", a.ID)
	return nil
}

var departmentID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

func departmentAdd(ctx context.Context, s Store, id, name string, stdout io.Writer) error {
	if !departmentID.MatchString(id) {
		return errors.New("--id must be 1-40 lower-case letters, digits or -")
	}
	if strings.TrimSpace(name) == "" {
		return errors.New("--name is required")
	}
	if err := s.PutDepartment(ctx, civicdesk.Department{ID: id, Name: strings.TrimSpace(name)}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "department %s saved\n", id)
	return nil
}

func departmentList(ctx context.Context, s Store, stdout io.Writer) error {
	ds, err := s.ListDepartments(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME")
	for _, d := range ds {
		fmt.Fprintf(w, "%s\t%s\n", d.ID, d.Name)
	}
	return w.Flush()
}

// kbRecordKind holds imported knowledge-base articles (Markdown with front
// matter), keyed by their path; the server loads them at start.
const kbRecordKind = "kb_article"

func kbImport(ctx context.Context, s Store, dir string, stdout, stderr io.Writer) error {
	// Parse everything first: a broken article imports nothing.
	ix, err := kb.Load(os.DirFS(dir), ".")
	if err != nil {
		return err
	}
	if ix.Len() == 0 {
		return fmt.Errorf("no *.md articles under %s", dir)
	}
	n := 0
	err = fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".md" {
			return err
		}
		data, err := fs.ReadFile(os.DirFS(dir), p)
		if err != nil {
			return err
		}
		n++
		progress(stderr, "importing", n, ix.Len())
		return s.PutRecord(ctx, civicdesk.Record{Kind: kbRecordKind, Key: strings.TrimSuffix(p, ".md"), Value: data, UpdatedAt: civicdesk.Now()})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d articles; restart the server to use them\n", n)
	return nil
}

// progress draws a one-line progress bar on a terminal-ish writer.
func progress(w io.Writer, what string, done, total int) {
	if total <= 0 {
		return
	}
	const width = 30
	filled := done * width / total
	fmt.Fprintf(w, "\r%s [%s%s] %d/%d", what, strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total)
	if done == total {
		fmt.Fprintln(w)
	}
}

func exportConversations(ctx context.Context, s Store, sinceStr, format string, stdout, stderr io.Writer) error {
	var since time.Time
	if sinceStr != "" {
		if d, err := time.ParseDuration(sinceStr); err == nil {
			since = time.Now().Add(-d)
		} else if t, err := time.Parse(time.RFC3339, sinceStr); err == nil {
			since = t
		} else {
			return fmt.Errorf("--since %q is neither RFC 3339 nor a duration", sinceStr)
		}
	}
	if format != "csv" && format != "jsonl" {
		return fmt.Errorf("--format must be csv or jsonl, not %q", format)
	}
	convs, err := s.ListConversations(ctx, civicdesk.ConversationFilter{})
	if err != nil {
		return err
	}
	var picked []civicdesk.Conversation
	for _, c := range convs {
		if !c.CreatedAt.Before(since) {
			picked = append(picked, c)
		}
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	cw := csv.NewWriter(out)
	enc := json.NewEncoder(out)
	if format == "csv" {
		_ = cw.Write([]string{"id", "contactId", "channel", "state", "department", "assignedAgentId", "priority", "urgency", "createdAt", "closedAt", "disposition", "rating", "messages"})
	}
	for i, c := range picked {
		ms, err := s.ListMessages(ctx, c.ID, 0, 0)
		if err != nil {
			return err
		}
		if format == "jsonl" {
			if err := enc.Encode(map[string]any{"conversation": c, "messages": ms}); err != nil {
				return err
			}
		} else {
			urgency, closed := "", ""
			if c.Triage != nil {
				urgency = string(c.Triage.Urgency)
			}
			if c.ClosedAt != nil {
				closed = c.ClosedAt.Format(time.RFC3339)
			}
			_ = cw.Write([]string{c.ID, c.ContactID, string(c.Channel), string(c.State), c.DepartmentID, c.AssignedAgentID, strconv.Itoa(c.Priority),
				urgency, c.CreatedAt.Format(time.RFC3339), closed, c.Disposition, strconv.Itoa(c.Rating), strconv.Itoa(len(ms))})
		}
		progress(stderr, "exporting", i+1, len(picked))
	}
	cw.Flush()
	return cw.Error()
}

// loadKnowledge indexes the imported articles, plus the demo set with --demo
// (an imported article with the same id replaces the demo one).
func loadKnowledge(ctx context.Context, s Store, demo bool) (*kb.Index, error) {
	byID := map[string]*kb.Article{}
	if demo {
		ix, err := kb.Demo()
		if err != nil {
			return nil, err
		}
		for _, a := range ix.Articles() {
			byID[a.ID] = a
		}
	}
	recs, err := s.ListRecords(ctx, kbRecordKind, "", 0)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		a, err := kb.Parse(r.Key, r.Value)
		if err != nil {
			return nil, fmt.Errorf("article %s: %w", r.Key, err)
		}
		byID[a.ID] = a
	}
	arts := make([]*kb.Article, 0, len(byID))
	for _, a := range byID {
		arts = append(arts, a)
	}
	sort.Slice(arts, func(i, j int) bool { return arts[i].ID < arts[j].ID })
	return kb.New(arts), nil
}
