// Package metrics declares CivicDesk's Prometheus metrics in one place, so
// that every step of the flow counts under the names operators expect, and
// serves them at /metrics.
package metrics
