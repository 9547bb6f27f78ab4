package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/civicdesk/civicdesk/bot/local"
	"io"
	"os"
	"strings"
)

type triageIn struct {
	ID      json.RawMessage `json:"id"`
	Text    string          `json:"text"`
	Channel string          `json:"channel"`
}

type triageOut struct {
	ID         json.RawMessage `json:"id"`
	Department string          `json:"department"`
	Urgency    string          `json:"urgency"`
	Language   string          `json:"language"`
	WantsHuman bool            `json:"wantsHuman"`
	Confidence float64         `json:"confidence"`
	Error      string          `json:"error,omitempty"`
}

// triageCommand classifies JSON Lines from stdin with the local triager and
// writes one line per input line, in order; a bad line gets an error line.
func triageCommand(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var eval string
	for i := 0; i < len(args); i++ {
		// --eval is triage's own flag; the rest are serve's triager settings.
		if a := args[i]; a == "--eval" || a == "-eval" {
			if i+1 >= len(args) {
				return fmt.Errorf("--eval needs a file")
			}
			eval = args[i+1]
			args = append(args[:i:i], args[i+2:]...)
			i--
		} else if v, ok := strings.CutPrefix(a, "--eval="); ok {
			eval = v
			args = append(args[:i:i], args[i+1:]...)
			i--
		}
	}
	cfg, err := parseConfig("civicdesk triage", args, getenv, stderr)
	if err != nil {
		return err
	}
	t, err := newTriager(cfg, newLogger(stderr, "warn"))
	if err != nil {
		return fmt.Errorf("triager: %w", err)
	}
	if eval != "" {
		loc, err := local.New()
		if err != nil {
			return err
		}
		f, err := os.Open(eval)
		if err != nil {
			return err
		}
		defer f.Close()
		rows, err := local.ReadLabeled(f)
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, local.Evaluate(loc, rows).String())
		return nil
	}
	in := bufio.NewScanner(stdin)
	in.Buffer(make([]byte, 64<<10), 4<<20)
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		line := in.Bytes()
		if len(line) == 0 {
			continue
		}
		var req triageIn
		if err := json.Unmarshal(line, &req); err != nil {
			if err := enc.Encode(triageOut{ID: json.RawMessage("null"), Error: "not a JSON object: " + err.Error()}); err != nil {
				return err
			}
			continue
		}
		if req.ID == nil {
			req.ID = json.RawMessage("null")
		}
		tr := t.Triage(req.Text, req.Channel)
		if err := enc.Encode(triageOut{ID: req.ID, Department: tr.Department, Urgency: string(tr.Urgency), Language: tr.Language,
			WantsHuman: tr.WantsHuman, Confidence: tr.Confidence}); err != nil {
			return err
		}
	}
	return in.Err()
}
