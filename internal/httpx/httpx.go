package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/labstack/echo/v4"
)

// ErrorBody is the public error shape.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Status maps a domain code to an HTTP status.
func Status(code civicdesk.Code) int {
	switch code {
	case civicdesk.CodeInvalid, civicdesk.CodeUnknownField:
		return http.StatusBadRequest
	case civicdesk.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case civicdesk.CodeNotFound:
		return http.StatusNotFound
	case civicdesk.CodeConflict:
		return http.StatusConflict
	case civicdesk.CodeUnauthenticated:
		return http.StatusUnauthorized
	case civicdesk.CodeForbidden:
		return http.StatusForbidden
	case civicdesk.CodeRateLimited:
		return http.StatusTooManyRequests
	case civicdesk.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrorHandler returns echo's error handler: domain errors keep their code
// and message, echo's own errors map to fitting codes, anything else is a 500
// whose cause is logged and never shown.
func ErrorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	log = log.With("component", "http")
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		var de *civicdesk.Error
		var he *echo.HTTPError
		body := ErrorDetail{Code: string(civicdesk.CodeInternal), Message: "something went wrong on our side"}
		status := http.StatusInternalServerError
		switch {
		case errors.As(err, &de):
			status, body.Code, body.Message = Status(de.Code), string(de.Code), de.Message
			if status >= 500 {
				log.Error("request failed", "method", c.Request().Method, "path", c.Path(), "err", err)
			}
		case errors.As(err, &he):
			status = he.Code
			body.Message = http.StatusText(he.Code)
			switch he.Code {
			case http.StatusNotFound:
				body.Code = string(civicdesk.CodeNotFound)
			case http.StatusMethodNotAllowed:
				body.Code = "method_not_allowed"
			case http.StatusRequestEntityTooLarge:
				body.Code = string(civicdesk.CodeTooLarge)
			case http.StatusUnauthorized:
				body.Code = string(civicdesk.CodeUnauthenticated)
			case http.StatusForbidden:
				body.Code = string(civicdesk.CodeForbidden)
			case http.StatusTooManyRequests:
				body.Code = string(civicdesk.CodeRateLimited)
			default:
				if he.Code < 500 {
					body.Code = string(civicdesk.CodeInvalid)
				} else {
					log.Error("request failed", "method", c.Request().Method, "path", c.Path(), "err", err)
				}
			}
		default:
			log.Error("request failed", "method", c.Request().Method, "path", c.Path(), "err", err)
		}
		if status == http.StatusTooManyRequests && c.Response().Header().Get("Retry-After") == "" {
			// Every 429 says when to come back; limiters that know set it
			// exactly (RateLimited), the rest wait a minute.
			c.Response().Header().Set("Retry-After", "60")
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = c.JSON(status, ErrorBody{Error: body})
	}
}

// RateLimited sets Retry-After to wait (whole seconds, at least 1) and
// returns the 429 error with message.
func RateLimited(c echo.Context, wait time.Duration, message string) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	return civicdesk.Errorf(civicdesk.CodeRateLimited, "%s", message)
}

// MaxBody is the default limit of a JSON request body.
const MaxBody = 64 << 10

// Bind decodes the JSON body of c into v strictly: unknown fields, trailing
// data, a wrong type or a body over limit bytes are clear 4xx errors.
func Bind(c echo.Context, v any, limit int64) error {
	if limit <= 0 {
		limit = MaxBody
	}
	r := c.Request()
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "the body must be JSON (Content-Type: application/json)")
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "the body could not be read")
	}
	if int64(len(data)) > limit {
		return civicdesk.Errorf(civicdesk.CodeTooLarge, "the body is larger than %d bytes", limit)
	}
	return Decode(data, v)
}

// Decode is the strict JSON decoding of Bind, on bytes.
func Decode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := err.Error()
		if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
			return civicdesk.Errorf(civicdesk.CodeUnknownField, "unknown field %s", f)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "field %q has the wrong type (want %s)", te.Field, te.Type)
		}
		if errors.Is(err, io.EOF) {
			return civicdesk.Errorf(civicdesk.CodeInvalid, "the body is empty; a JSON object is expected")
		}
		return civicdesk.Errorf(civicdesk.CodeInvalid, "the body is not valid JSON")
	}
	if dec.More() {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "the body has data after the JSON object")
	}
	if badText(data) {
		return civicdesk.Errorf(civicdesk.CodeInvalid, "the body is not valid UTF-8")
	}
	if key, ok := misspeltKey(data, reflect.TypeOf(v)); ok {
		return civicdesk.Errorf(civicdesk.CodeUnknownField, "unknown field %s", strconv.Quote(key))
	}
	return nil
}

// SecurityHeaders sets the headers every response carries. Pages get a
// strict CSP without inline script.
func SecurityHeaders() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
			h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'self'; base-uri 'none'; form-action 'self'; object-src 'none'")
			if c.Request().TLS != nil {
				h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
			}
			return next(c)
		}
	}
}

// Bearer returns the bearer token of the request, or "".
func Bearer(r *http.Request) string {
	v := r.Header.Get("Authorization")
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return strings.TrimSpace(v[7:])
	}
	return ""
}

// SocketToken returns the ?token= of a WebSocket upgrade, the one request a
// browser cannot give an Authorization header; "" for any other request, so
// that secrets stay out of URLs (and proxy logs and history) elsewhere.
func SocketToken(r *http.Request) string {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return ""
	}
	return r.URL.Query().Get("token")
}

// ErrUnauthenticated is the answer for missing or bad credentials.
var ErrUnauthenticated = civicdesk.Errorf(civicdesk.CodeUnauthenticated, "sign in first: missing or invalid credentials")
