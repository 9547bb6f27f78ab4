package main

import (
	"fmt"
	"net"
	"strings"

	"github.com/labstack/echo/v4"
)

// ipExtractor decides where a request's client address comes from, which
// the per-IP limits and the sign-in throttling key on. By default it is the
// TCP peer: echo's own default believes X-Forwarded-For and X-Real-IP from
// anyone, so a client could pick a new address per request and walk past
// every per-IP limit (GO-2026-6872). Behind a load balancer, trusted lists
// its addresses (CIDRs); only then is X-Forwarded-For read, from the right,
// skipping those proxies.
func ipExtractor(trusted string) (echo.IPExtractor, error) {
	trusted = strings.TrimSpace(trusted)
	if trusted == "" {
		return echo.ExtractIPDirect(), nil
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, s := range strings.Split(trusted, ",") {
		_, n, err := net.ParseCIDR(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", strings.TrimSpace(s))
		}
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...), nil
}
