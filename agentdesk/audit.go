package agentdesk

import (
	"encoding/csv"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/audit"
	"github.com/labstack/echo/v4"
)

// auditTrail lets a supervisor read (JSON) or export (format=csv) the audit
// trail; reading it is itself audited.
func (d *Desk) auditTrail(c echo.Context) error {
	after, _ := strconv.ParseUint(c.QueryParam("after"), 10, 64)
	limit := 500
	if v, err := strconv.Atoi(c.QueryParam("limit")); err == nil && v > 0 && v <= 10000 {
		limit = v
	}
	format := c.QueryParam("format")
	if format != "" && format != "json" && format != "csv" {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "format must be json or csv")
	}
	entries, err := audit.List(c.Request().Context(), d.store, after, limit)
	if err != nil {
		return err
	}
	action := "audit_read"
	if format == "csv" {
		action = "export"
	}
	if err := d.audit(c, action, "audit", map[string]string{"after": strconv.FormatUint(after, 10)}); err != nil {
		return err
	}
	if format != "csv" {
		return c.JSON(http.StatusOK, map[string]any{"entries": auditViews(entries)})
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="civicdesk-audit.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	return writeAuditCSV(c.Response(), entries)
}

// auditViews returns entries as the API writes them (never null).
func auditViews(entries []audit.Entry) []auditEntryView {
	views := make([]auditEntryView, len(entries))
	for i, e := range entries {
		views[i] = auditEntryView{Entry: e, At: civicdesk.JSONTime(e.At)}
	}
	return views
}

// writeAuditCSV writes entries as the CSV export, a header row first.
func writeAuditCSV(out io.Writer, entries []audit.Entry) error {
	w := csv.NewWriter(out)
	_ = w.Write([]string{"seq", "at", "actor", "action", "target", "detail", "prevHash", "hash"})
	for _, e := range entries {
		var detail []string
		for _, k := range slices.Sorted(maps.Keys(e.Detail)) {
			detail = append(detail, k+"="+e.Detail[k])
		}
		_ = w.Write([]string{strconv.FormatUint(e.Seq, 10), e.At.UTC().Format(civicdesk.TimeLayout), csvSafe(e.Actor), e.Action, csvSafe(e.Target),
			csvSafe(strings.Join(detail, ";")), e.PrevHash, e.Hash})
	}
	w.Flush()
	return w.Error()
}

// auditEntryView is an entry as the API writes it: its time to the
// millisecond like every other. The chain's hashes stay over the stored
// encoding (see audit.Hash), which writes the same instant without trailing
// zeros; a verifier hashes the stored form, as `civicdesk audit verify` does.
type auditEntryView struct {
	audit.Entry
	At civicdesk.JSONTime `json:"at"`
}

// csvSafe defuses spreadsheet formulas in exported cells.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
