package agentdesk

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

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
		if entries == nil {
			entries = []audit.Entry{}
		}
		return c.JSON(http.StatusOK, map[string]any{"entries": entries})
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="civicdesk-audit.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"seq", "at", "actor", "action", "target", "detail", "prevHash", "hash"})
	for _, e := range entries {
		var detail []string
		for k, v := range e.Detail {
			detail = append(detail, k+"="+v)
		}
		_ = w.Write([]string{strconv.FormatUint(e.Seq, 10), e.At.Format(time.RFC3339Nano), csvSafe(e.Actor), e.Action, csvSafe(e.Target),
			csvSafe(strings.Join(detail, ";")), e.PrevHash, e.Hash})
	}
	w.Flush()
	return w.Error()
}

// csvSafe defuses spreadsheet formulas in exported cells.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
