package agentdesk

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/labstack/echo/v4"
)

// convStats are the figures of one conversation the export and the stats
// share.
type convStats struct {
	firstResponse time.Duration // first agent message after queueing; -1 if none
	handle        time.Duration // close - assignment; -1 if not both
	contained     bool          // resolved by the bot: never queued, citizen wrote
}

func (d *Desk) statsOf(c echo.Context, cv civicdesk.Conversation) (convStats, error) {
	s := convStats{firstResponse: -1, handle: -1}
	ms, err := d.store.ListMessages(c.Request().Context(), cv.ID, 0, 0)
	if err != nil {
		return s, err
	}
	citizen := false
	for _, m := range ms {
		if m.Author.Kind == civicdesk.AuthorCitizen {
			citizen = true
		}
		if m.Author.Kind == civicdesk.AuthorAgent && s.firstResponse < 0 && cv.QueuedAt != nil {
			s.firstResponse = max(0, m.CreatedAt.Sub(*cv.QueuedAt))
		}
	}
	if cv.AssignedAt != nil && cv.ClosedAt != nil {
		s.handle = max(0, cv.ClosedAt.Sub(*cv.AssignedAt))
	}
	s.contained = citizen && cv.QueuedAt == nil
	return s, nil
}

func since(c echo.Context) (time.Time, error) {
	v := c.QueryParam("since")
	if v == "" {
		return time.Now().Add(-24 * time.Hour), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, civicdesk.Errorf(civicdesk.CodeInvalid, "since must be an RFC 3339 time such as 2026-11-27T00:00:00Z")
	}
	return t, nil
}

func seconds(d time.Duration) string {
	if d < 0 {
		return ""
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 0, 64)
}

// exportConversations writes conversations created since ?since= (default
// the last 24 hours) as CSV, with disposition, handle time, first response
// time and rating. The export is audited.
func (d *Desk) exportConversations(c echo.Context) error {
	from, err := since(c)
	if err != nil {
		return err
	}
	convs, err := d.store.ListConversations(c.Request().Context(), civicdesk.ConversationFilter{})
	if err != nil {
		return err
	}
	if err := d.audit(c, "export", "conversations", map[string]string{"since": from.Format(time.RFC3339)}); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="civicdesk-conversations.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"id", "channel", "department", "state", "urgency", "createdAt", "assignedAgentId", "disposition",
		"firstResponseSeconds", "handleSeconds", "rating", "containedByBot"})
	for _, cv := range convs {
		if cv.CreatedAt.Before(from) {
			continue
		}
		st, err := d.statsOf(c, cv)
		if err != nil {
			return err
		}
		urgency := ""
		if cv.Triage != nil {
			urgency = string(cv.Triage.Urgency)
		}
		rating := ""
		if cv.Rating > 0 {
			rating = strconv.Itoa(cv.Rating)
		}
		_ = w.Write([]string{cv.ID, string(cv.Channel), cv.DepartmentID, string(cv.State), urgency, cv.CreatedAt.UTC().Format(time.RFC3339),
			cv.AssignedAgentID, csvSafe(cv.Disposition), seconds(st.firstResponse), seconds(st.handle), rating, strconv.FormatBool(st.contained)})
	}
	w.Flush()
	return w.Error()
}

// stats reports the day's figures: conversations, the bot's containment
// rate (resolved without a person), average first response and handle time.
func (d *Desk) stats(c echo.Context) error {
	from, err := since(c)
	if err != nil {
		return err
	}
	convs, err := d.store.ListConversations(c.Request().Context(), civicdesk.ConversationFilter{})
	if err != nil {
		return err
	}
	var total, contained, ratings, ratingSum, nFirst, nHandle int
	var first, handle time.Duration
	for _, cv := range convs {
		if cv.CreatedAt.Before(from) {
			continue
		}
		st, err := d.statsOf(c, cv)
		if err != nil {
			return err
		}
		total++
		if st.contained {
			contained++
		}
		if st.firstResponse >= 0 {
			first += st.firstResponse
			nFirst++
		}
		if st.handle >= 0 {
			handle += st.handle
			nHandle++
		}
		if cv.Rating > 0 {
			ratings++
			ratingSum += cv.Rating
		}
	}
	avg := func(sum time.Duration, n int) float64 {
		if n == 0 {
			return 0
		}
		return (sum / time.Duration(n)).Seconds()
	}
	rate, rating := 0.0, 0.0
	if total > 0 {
		rate = float64(contained) / float64(total)
	}
	if ratings > 0 {
		rating = float64(ratingSum) / float64(ratings)
	}
	return c.JSON(http.StatusOK, map[string]any{"since": from.UTC().Format(civicdesk.TimeLayout), "conversations": total, "containedByBot": contained,
		"containmentRate": rate, "averageFirstResponseSeconds": avg(first, nFirst), "averageHandleSeconds": avg(handle, nHandle),
		"ratings": ratings, "averageRating": rating})
}
