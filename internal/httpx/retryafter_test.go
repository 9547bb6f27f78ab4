package httpx

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/labstack/echo/v4"
)

func TestEvery429SaysWhenToRetry(t *testing.T) {
	e := echo.New()
	e.HTTPErrorHandler = ErrorHandler(slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.GET("/exact", func(c echo.Context) error { return RateLimited(c, 2100*time.Millisecond, "slow down") })
	e.GET("/tiny", func(c echo.Context) error { return RateLimited(c, time.Millisecond, "slow down") })
	e.GET("/other", func(c echo.Context) error { return civicdesk.Errorf(civicdesk.CodeRateLimited, "wait a minute") })
	e.GET("/echo", func(c echo.Context) error { return echo.NewHTTPError(http.StatusTooManyRequests) })
	e.GET("/fine", func(c echo.Context) error { return civicdesk.Errorf(civicdesk.CodeInvalid, "bad") })
	for path, want := range map[string]string{"/exact": "3", "/tiny": "1", "/other": "60", "/echo": "60", "/fine": ""} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if got := rec.Header().Get("Retry-After"); got != want {
			t.Errorf("%s: Retry-After %q, want %q (status %d)", path, got, want, rec.Code)
		}
		if want != "" && rec.Code != http.StatusTooManyRequests {
			t.Errorf("%s: status %d", path, rec.Code)
		}
	}
}
