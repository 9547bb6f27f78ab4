//go:build unix

package webchat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSendAndRecord measures the busiest path of the load target
// (docs/benchmarks.md): a citizen's message posted over HTTP until its 202,
// then recorded (stored and announced) by the recorder, with 64 visitors
// sending at once over keep-alive connections. Besides time and
// allocations per message (client, server and recorder together, in one
// process), it reports the CPU the process spent per message, which is what
// the 3,000 messages a second on two CPUs run out of.
func BenchmarkSendAndRecord(b *testing.B) {
	en := newEnv(b)
	const visitors = 64
	tokens := make([]string, visitors)
	for i := range tokens {
		tokens[i] = en.session()
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: visitors}}
	var next atomic.Int64
	last := make([]atomic.Value, visitors) // each visitor's last accepted message id
	text := []byte(`","text":"Hello, I need help with my benefits renewal form, it says my address is wrong."}`)
	cpu0 := cpuTime()
	b.SetParallelism((visitors + 1) / 2) // × GOMAXPROCS goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		v := int(next.Add(1)-1) % visitors
		var body bytes.Buffer
		for i := 0; pb.Next(); i++ {
			body.Reset()
			fmt.Fprintf(&body, `{"clientMessageId":"bench-%d-%d`, v, i)
			body.Write(text)
			req, _ := http.NewRequest("POST", en.url+"/api/v1/widget/messages", bytes.NewReader(body.Bytes()))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tokens[v])
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				b.Errorf("send: %d %s", resp.StatusCode, data)
				return
			}
			var a messageAccepted
			if err := json.Unmarshal(data, &a); err != nil {
				b.Error(err)
				return
			}
			last[v].Store(a.MessageID)
		}
	})
	// The recorder's share: wait until every visitor's last message is stored.
	deadline := time.Now().Add(time.Minute)
	for v := range last {
		id, _ := last[v].Load().(string)
		for id != "" {
			if _, err := en.store.GetMessage(context.Background(), id); err == nil {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("message %s not recorded within a minute", id)
			}
			time.Sleep(time.Millisecond)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
}

// cpuTime is the CPU the process has used, user and system (getrusage,
// hence unix only).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
