package local

import (
	"testing"
)

// BenchmarkTriage measures triage throughput on one core over the
// development messages (the target is at least 5,000 messages a second).
func BenchmarkTriage(b *testing.B) {
	tr := triager(b)
	_, dev, err := trainingSets()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := dev[i%len(dev)]
		tr.Triage(r.Text, r.Channel)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkNew measures training at start-up.
func BenchmarkNew(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := New(); err != nil {
			b.Fatal(err)
		}
	}
}
