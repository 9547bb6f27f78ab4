package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/civicdesk/civicdesk"
	"github.com/civicdesk/civicdesk/agentdesk"
)

// identitySettings are the settings of staff sessions and single sign-on.
type identitySettings struct {
	SessionTTL, SessionIdle                                  string
	OIDCIssuer, OIDCClientID, OIDCClientSecret, OIDCRedirect string
	OIDCScopes, OIDCEmailClaim, OIDCNameClaim                string
	OIDCRolesClaim, OIDCRoleMap                              string
	OIDCDepartmentsClaim, OIDCDepartmentMap                  string
	OIDCAutoProvision                                        string
}

func (c *Config) identitySettings() []setting {
	s := &c.Identity
	return []setting{
		{"session-ttl", "CIVICDESK_SESSION_TTL", "12h", "a staff session's absolute lifetime", &s.SessionTTL},
		{"session-idle", "CIVICDESK_SESSION_IDLE", "30m", "a staff session ends after this long unused (0: never)", &s.SessionIdle},
		{"oidc-issuer", "CIVICDESK_OIDC_ISSUER", "", "OpenID Connect issuer URL for staff single sign-on (default: off)", &s.OIDCIssuer},
		{"oidc-client-id", "CIVICDESK_OIDC_CLIENT_ID", "", "OpenID Connect client id", &s.OIDCClientID},
		{"oidc-client-secret", "CIVICDESK_OIDC_CLIENT_SECRET", "", "OpenID Connect client secret", &s.OIDCClientSecret},
		{"oidc-redirect-url", "CIVICDESK_OIDC_REDIRECT_URL", "", "callback URL registered at the identity provider (default <public-url>/api/v1/auth/oidc/callback)", &s.OIDCRedirect},
		{"oidc-scopes", "CIVICDESK_OIDC_SCOPES", "openid email profile", "scopes asked for, space-separated", &s.OIDCScopes},
		{"oidc-email-claim", "CIVICDESK_OIDC_EMAIL_CLAIM", "email", "ID token claim with the staff member's email", &s.OIDCEmailClaim},
		{"oidc-name-claim", "CIVICDESK_OIDC_NAME_CLAIM", "name", "ID token claim with the display name", &s.OIDCNameClaim},
		{"oidc-roles-claim", "CIVICDESK_OIDC_ROLES_CLAIM", "groups", "ID token claim with groups or roles", &s.OIDCRolesClaim},
		{"oidc-role-map", "CIVICDESK_OIDC_ROLE_MAP", "", "claim value=role pairs, e.g. civicdesk-admins=admin,civicdesk-staff=caseworker (set: sign-ins mapping to no role are refused)", &s.OIDCRoleMap},
		{"oidc-departments-claim", "CIVICDESK_OIDC_DEPARTMENTS_CLAIM", "", "ID token claim with department ids (default: departments are kept as set in CivicDesk)", &s.OIDCDepartmentsClaim},
		{"oidc-department-map", "CIVICDESK_OIDC_DEPARTMENT_MAP", "", "claim value=department id pairs (default: the values are department ids)", &s.OIDCDepartmentMap},
		{"oidc-auto-provision", "CIVICDESK_OIDC_AUTO_PROVISION", "off", "on: create an agent at the first single sign-on of an unknown email", &s.OIDCAutoProvision},
	}
}

// pairs parses "a=b,c=d".
func pairs(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%q is not value=target", p)
		}
		out[k] = v
	}
	return out, nil
}

func (s *identitySettings) validate() []error {
	var errs []error
	if d, err := time.ParseDuration(s.SessionTTL); err != nil || d < time.Minute {
		errs = append(errs, fmt.Errorf("session-ttl (CIVICDESK_SESSION_TTL) must be a duration of at least 1m, not %q", s.SessionTTL))
	}
	if d, err := time.ParseDuration(s.SessionIdle); err != nil || (d != 0 && d < time.Minute) {
		errs = append(errs, fmt.Errorf("session-idle (CIVICDESK_SESSION_IDLE) must be 0 or a duration of at least 1m, not %q", s.SessionIdle))
	}
	if s.OIDCAutoProvision != "on" && s.OIDCAutoProvision != "off" {
		errs = append(errs, fmt.Errorf("oidc-auto-provision (CIVICDESK_OIDC_AUTO_PROVISION) must be on or off, not %q", s.OIDCAutoProvision))
	}
	if s.OIDCIssuer == "" {
		return errs
	}
	if s.OIDCClientID == "" {
		errs = append(errs, fmt.Errorf("oidc-issuer is set but oidc-client-id (CIVICDESK_OIDC_CLIENT_ID) is not"))
	}
	if m, err := pairs(s.OIDCRoleMap); err != nil {
		errs = append(errs, fmt.Errorf("oidc-role-map (CIVICDESK_OIDC_ROLE_MAP): %w", err))
	} else {
		for k, r := range m {
			switch civicdesk.Role(r) {
			case civicdesk.RoleCaseworker, civicdesk.RoleSupervisor, civicdesk.RoleAdmin:
			default:
				errs = append(errs, fmt.Errorf("oidc-role-map (CIVICDESK_OIDC_ROLE_MAP): %s maps to %q; roles are caseworker, supervisor and admin", k, r))
			}
		}
	}
	if _, err := pairs(s.OIDCDepartmentMap); err != nil {
		errs = append(errs, fmt.Errorf("oidc-department-map (CIVICDESK_OIDC_DEPARTMENT_MAP): %w", err))
	}
	return errs
}

// deskIdentity fills the desk's session and single sign-on settings from
// validated ones.
func (c Config) deskIdentity(dc *agentdesk.Config) {
	s := c.Identity
	dc.SessionTTL, _ = time.ParseDuration(s.SessionTTL)
	dc.SessionIdle, _ = time.ParseDuration(s.SessionIdle)
	if dc.SessionIdle == 0 {
		dc.SessionIdle = -1 // never
	}
	if s.OIDCIssuer == "" {
		return
	}
	redirect := s.OIDCRedirect
	if redirect == "" {
		redirect = strings.TrimSuffix(c.PublicURL, "/") + "/api/v1/auth/oidc/callback"
	}
	roles, _ := pairs(s.OIDCRoleMap)
	roleMap := map[string]civicdesk.Role{}
	for k, v := range roles {
		roleMap[k] = civicdesk.Role(v)
	}
	var deptMap map[string]string
	if s.OIDCDepartmentMap != "" {
		deptMap, _ = pairs(s.OIDCDepartmentMap)
	}
	dc.OIDC = &agentdesk.OIDCConfig{Issuer: s.OIDCIssuer, ClientID: s.OIDCClientID, ClientSecret: s.OIDCClientSecret,
		RedirectURL: redirect, Scopes: strings.Fields(s.OIDCScopes), EmailClaim: s.OIDCEmailClaim, NameClaim: s.OIDCNameClaim,
		RolesClaim: s.OIDCRolesClaim, RoleMap: roleMap, DepartmentsClaim: s.OIDCDepartmentsClaim, DepartmentMap: deptMap,
		AutoProvision: s.OIDCAutoProvision == "on"}
}
