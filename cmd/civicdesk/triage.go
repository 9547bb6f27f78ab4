package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/civicdesk/civicdesk/bot/local"
	"io"
	"os"
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
func triageCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("civicdesk triage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	eval := fs.String("eval", "", "evaluate on a labelled JSON Lines file and print the figures")
	if err := fs.Parse(args); err != nil {
		return err
	}
	t, err := local.New()
	if err != nil {
		return fmt.Errorf("triager: %w", err)
	}
	if *eval != "" {
		f, err := os.Open(*eval)
		if err != nil {
			return err
		}
		defer f.Close()
		rows, err := local.ReadLabeled(f)
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, local.Evaluate(t, rows).String())
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
