package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Registry holds every CivicDesk metric plus the Go and process collectors.
var Registry = prometheus.NewRegistry()

var (
	// Messages counts recorded messages by channel and direction (in, out).
	Messages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "civicdesk_messages_total", Help: "Messages recorded, by channel and direction.",
	}, []string{"channel", "direction"})
	// Accepted counts messages durably accepted at the edge, by channel.
	Accepted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "civicdesk_accepted_total", Help: "Messages durably accepted by a channel (202 given).",
	}, []string{"channel"})
	// RoutingDecisions counts routing decisions by kind.
	RoutingDecisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "civicdesk_routing_decisions_total", Help: "Routing decisions by kind (assign, queue, requeue).",
	}, []string{"decision"})
	// QueueDepth is the number of conversations waiting per department.
	QueueDepth = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "civicdesk_queue_depth", Help: "Conversations waiting for a caseworker, by department.",
	}, []string{"department"})
	// Triages counts triage outcomes.
	Triages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "civicdesk_triage_total", Help: "Triage decisions by department and urgency.",
	}, []string{"department", "urgency"})
	// Sockets is the number of open WebSockets by kind (widget, desk).
	Sockets = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "civicdesk_websockets", Help: "Open WebSockets by kind.",
	}, []string{"kind"})
)

func init() {
	Registry.MustRegister(Messages, Accepted, RoutingDecisions, QueueDepth, Triages, Sockets,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}
