package local

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
)

// Labeled is one labelled citizen message, as in training/*.jsonl and the
// project's triage evaluation sets (dev.jsonl).
type Labeled struct {
	ID         string `json:"id"`
	Channel    string `json:"channel"`
	Text       string `json:"text"`
	Department string `json:"department"`
	Urgency    string `json:"urgency"`
	Language   string `json:"language"`
	WantsHuman bool   `json:"wants_human"`
}

// The training set: messages written for this package in the eight
// languages (training/<lang>.jsonl), and the project's labelled development
// set (training/dev.jsonl, a copy of ../shared/triage/dev.jsonl).
//
//go:embed training/*.jsonl
var trainingFS embed.FS

// devFile is the name of the development set inside training/.
const devFile = "dev.jsonl"

// ReadLabeled reads JSON lines of labelled messages; blank lines are
// skipped.
func ReadLabeled(r io.Reader) ([]Labeled, error) {
	var rows []Labeled
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var l Labeled
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		rows = append(rows, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read labelled messages: %w", err)
	}
	return rows, nil
}

// trainingSets returns the embedded messages written for this package and
// the embedded development set, separately, so that cross-validation can
// keep the first always in training.
func trainingSets() (own, dev []Labeled, err error) {
	names, err := fs.Glob(trainingFS, "training/*.jsonl")
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := trainingFS.ReadFile(name)
		if err != nil {
			return nil, nil, err
		}
		rows, err := ReadLabeled(bytes.NewReader(b))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		if strings.HasSuffix(name, "/"+devFile) {
			dev = rows
		} else {
			own = append(own, rows...)
		}
	}
	return own, dev, nil
}
