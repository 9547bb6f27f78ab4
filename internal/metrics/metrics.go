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
	// DeliveryFailures counts replies that could not be delivered.
	DeliveryFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "civicdesk_delivery_failures_total", Help: "Replies not delivered, by channel and state (failed, undelivered).",
	}, []string{"channel", "state"})
	// LongestWait is the wait of the oldest queued conversation per department.
	LongestWait = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "civicdesk_queue_longest_wait_seconds", Help: "Wait of the longest-waiting conversation, by department.",
	}, []string{"department"})
	// NATSPublish is the time JetStream takes to acknowledge a publish.
	NATSPublish = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "civicdesk_nats_publish_seconds", Help: "Time to a JetStream publish acknowledgement.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	})
	// StoreOps is the time store operations take, by operation.
	StoreOps = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "civicdesk_store_seconds", Help: "Time store operations take, by operation.",
		Buckets: []float64{.0001, .0005, .001, .0025, .005, .01, .025, .05, .1, .5},
	}, []string{"op"})
	// Sockets is the number of open WebSockets by kind (widget, desk).
	Sockets = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "civicdesk_websockets", Help: "Open WebSockets by kind.",
	}, []string{"kind"})
)

func init() {
	Registry.MustRegister(Messages, Accepted, RoutingDecisions, QueueDepth, Triages, Sockets, DeliveryFailures, LongestWait, NATSPublish, StoreOps,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}
