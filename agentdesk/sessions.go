package agentdesk

import (
	"context"
	"net/http"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/internal/auth"
	"github.com/labstack/echo/v4"
)

// touchEvery is how stale a session's last use may be before a request
// records it again: the idle timeout needs minute precision, not a write per
// request.
const touchEvery = time.Minute

// startSession signs agent a in (by method "password" or "oidc"): it stores a
// new session, sets the session cookie, makes a caseworker available and
// audits the sign-in. It returns the session secret and the agent as now.
func (d *Desk) startSession(c echo.Context, a civicdesk.Agent, method string) (string, civicdesk.Agent, error) {
	ctx := c.Request().Context()
	secret, hash := auth.NewToken()
	now := d.cfg.Now().UTC().Truncate(time.Millisecond)
	exp := now.Add(d.cfg.SessionTTL)
	if err := d.store.PutToken(ctx, civicdesk.Token{Hash: hash, Kind: civicdesk.TokenSession, SubjectID: a.ID, ExpiresAt: exp, LastSeenAt: now}); err != nil {
		return "", a, err
	}
	// Strict: the cookie never rides on a request from another site. The
	// browser still stores it from the single sign-on callback, a top-level
	// navigation.
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: secret, Path: "/", Expires: exp, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: d.cfg.SecureCookies})
	// Signing in makes a caseworker available; supervisors, who mostly
	// watch, keep their status until they set it.
	if a.Role == civicdesk.RoleCaseworker {
		if err := d.changeStatus(ctx, a.ID, civicdesk.StatusAvailable); err != nil {
			return "", a, err
		}
		a.Status = civicdesk.StatusAvailable
	}
	if a.Status == "" {
		a.Status = civicdesk.StatusOffline
	}
	c.Set(agentKey, a)
	if err := d.audit(c, "signin", a.ID, map[string]string{"method": method}); err != nil {
		return "", a, err
	}
	d.log.Info("signed in", "agent", a.ID, "method", method)
	return secret, a, nil
}

// checkIdle ends session t when it has been unused for SessionIdle, and
// otherwise records its use at most once a minute.
func (d *Desk) checkIdle(ctx context.Context, t civicdesk.Token) error {
	if d.cfg.SessionIdle < 0 {
		return nil
	}
	now := d.cfg.Now()
	last := t.LastSeenAt
	if last.IsZero() {
		last = now // a session from before idle timeouts: its clock starts now
	}
	if now.Sub(last) >= d.cfg.SessionIdle {
		d.sessions.drop(t.Hash)
		if err := d.store.DeleteToken(ctx, t.Hash); err != nil {
			return err
		}
		return civicdesk.Errorf(civicdesk.CodeUnauthenticated, "the session ended after %d minutes without activity; sign in again", int(d.cfg.SessionIdle.Minutes()))
	}
	if now.Sub(t.LastSeenAt) >= touchEvery {
		// A failed write only shortens the session; the request goes on.
		if err := d.store.TouchToken(ctx, t.Hash, now.UTC()); err != nil {
			d.log.Warn("recording session use failed", "err", err)
		} else {
			d.sessions.touched(t.Hash, now.UTC())
		}
	}
	return nil
}

// endSessions deletes every session of agent id and closes its desk sockets
// on this replica; it returns how many sessions there were.
func (d *Desk) endSessions(ctx context.Context, id string) (int, error) {
	d.sessions.dropAgent(id)
	n, err := d.store.DeleteTokensOf(ctx, civicdesk.TokenSession, id)
	d.sessions.dropAgent(id) // and what a request read meanwhile
	if err != nil {
		return 0, err
	}
	d.hub.mu.RLock()
	for cl := range d.hub.clients {
		if cl.agent.ID == id {
			cl.stop()
		}
	}
	d.hub.mu.RUnlock()
	return n, nil
}

// revokeMySessions signs the current agent out everywhere: every browser and
// device, this one included.
func (d *Desk) revokeMySessions(c echo.Context) error {
	me := current(c)
	if isAPIToken(c) {
		return civicdesk.Errorf(civicdesk.CodeForbidden, "an API token has no sessions")
	}
	ctx := c.Request().Context()
	if err := d.audit(c, "signout_everywhere", me.ID, nil); err != nil {
		return err
	}
	n, err := d.endSessions(ctx, me.ID)
	if err != nil {
		return err
	}
	if err := d.changeStatus(ctx, me.ID, civicdesk.StatusOffline); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: d.cfg.SecureCookies})
	return c.JSON(http.StatusOK, map[string]any{"revoked": n})
}
