package main

import (
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// parseMemoryLimit reads a memory-limit setting: "off" (or "0") for none,
// else a size in bytes with an optional unit (KiB, MiB, GiB).
func parseMemoryLimit(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return 0, nil
	}
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<50)/mult {
		return 0, fmt.Errorf("not a size such as 400MiB or off")
	}
	if n*mult < 64<<20 {
		return 0, fmt.Errorf("below 64MiB, the process would do little but collect garbage")
	}
	return n * mult, nil
}

// applyMemoryLimit sets the Go runtime's soft memory limit, so that the
// garbage collector works harder near it instead of letting the heap double
// under load (JetStream's caches and the GC's headroom took a 3,000 msg/s
// run past 500 MiB without it). GOMEMLIMIT, the runtime's own variable,
// wins when it is set. It returns a function restoring the previous limit.
func applyMemoryLimit(limit int64, log *slog.Logger) func() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set || limit == 0 {
		return func() {}
	}
	prev := debug.SetMemoryLimit(limit)
	log.Info("soft memory limit", "bytes", limit)
	return func() { debug.SetMemoryLimit(prev) }
}

// parseGCPercent reads the garbage collector's heap growth setting: a
// percentage of the live heap from 25 to 1000.
func parseGCPercent(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 25 || n > 1000 {
		return 0, fmt.Errorf("not a percentage from 25 to 1000")
	}
	return n, nil
}

// applyGCPercent sets how far the heap grows between collections. Go's
// default, 100, has the collector mark the live heap (most of it JetStream's
// indexes, which do not shrink under load) every 1.0-1.5 s at 3,000 messages
// a second; each mark takes a quarter of the CPUs for 100-200 ms, and the
// slowest sends fall in those marks. 200 marks half as often for about
// 100 MiB more at that rate; the memory limit still bounds the heap, as the
// collector runs sooner near it (docs/benchmarks.md). GOGC, the runtime's own
// variable, wins when it is set. It returns a function restoring the
// previous setting.
func applyGCPercent(percent int, log *slog.Logger) func() {
	if _, set := os.LookupEnv("GOGC"); set || percent == 0 {
		return func() {}
	}
	prev := debug.SetGCPercent(percent)
	log.Info("garbage collection", "percent", percent)
	return func() { debug.SetGCPercent(prev) }
}
