package natsbus

import (
	"github.com/civicdesk/civicdesk/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// leaseHeld says which leases this process owns, so that operators (and the
// scale-out test) can see which replica runs routing.
var leaseHeld = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "civicdesk_lease_held", Help: "1 while this replica holds the lease (routing: it runs the routing engine), else 0.",
}, []string{"lease"})

func init() { metrics.Registry.MustRegister(leaseHeld) }
