package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// memWatch samples the server's resident memory once a second: from
// /proc/<pid>/status when the server runs on this machine under a known pid
// (VmRSS now, VmHWM the kernel's own peak), else from the server's /metrics
// (process_resident_memory_bytes).
type memWatch struct {
	pid     int
	metrics string // URL of /metrics
	client  *http.Client
	last    atomic.Int64
	peak    atomic.Int64
	hwm     atomic.Int64 // VmHWM, when read from /proc
	source  string
}

func newMemWatch(pid int, baseURL string, client *http.Client) *memWatch {
	m := &memWatch{pid: pid, metrics: baseURL + "/metrics", client: client}
	if pid > 0 {
		m.source = fmt.Sprintf("/proc/%d/status", pid)
	} else {
		m.source = baseURL + "/metrics"
	}
	return m
}

// sample reads RSS now; 0 when it cannot.
func (m *memWatch) sample(ctx context.Context) int64 {
	var rss int64
	if m.pid > 0 {
		r, hwm, err := procStatus(m.pid)
		if err == nil {
			rss = r
			if hwm > m.hwm.Load() {
				m.hwm.Store(hwm)
			}
		}
	} else if v, err := scrape(ctx, m.client, m.metrics); err == nil {
		rss = int64(v["process_resident_memory_bytes"])
	}
	if rss > 0 {
		m.last.Store(rss)
		if rss > m.peak.Load() {
			m.peak.Store(rss)
		}
	}
	return rss
}

func (m *memWatch) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		m.sample(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// peakRSS is the highest resident size seen: the kernel's VmHWM when known.
func (m *memWatch) peakRSS() int64 { return max(m.peak.Load(), m.hwm.Load()) }

func procStatus(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		field := func(name string) (int64, bool) {
			if !strings.HasPrefix(line, name) {
				return 0, false
			}
			fs := strings.Fields(line[len(name):])
			if len(fs) < 1 {
				return 0, false
			}
			v, err := strconv.ParseInt(fs[0], 10, 64)
			return v * 1024, err == nil
		}
		if v, ok := field("VmRSS:"); ok {
			rss = v
		}
		if v, ok := field("VmHWM:"); ok {
			hwm = v
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return rss, hwm, sc.Err()
}

// scrape reads a Prometheus text page into name{labels} → value (and, for
// unlabelled series, name → value).
func scrape(ctx context.Context, client *http.Client, url string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("GET %s: %d", url, resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[line[:i]] = v
	}
	return out, sc.Err()
}

// findListenerPID finds the process listening on 127.0.0.1:port (or any
// address) by matching the socket's inode in /proc/net/tcp{,6} with the
// open files of this user's processes. 0 when not found.
func findListenerPID(port int) int {
	inodes := map[string]bool{}
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 10 || fs[3] != "0A" { // 0A: LISTEN
				continue
			}
			local := fs[1]
			j := strings.LastIndexByte(local, ':')
			if j < 0 {
				continue
			}
			if p, err := strconv.ParseInt(local[j+1:], 16, 32); err == nil && int(p) == port {
				inodes["socket:["+fs[9]+"]"] = true
			}
		}
		f.Close()
	}
	if len(inodes) == 0 {
		return 0
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		fds, err := os.ReadDir(p + "/fd")
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if target, err := os.Readlink(p + "/fd/" + fd.Name()); err == nil && inodes[target] {
				pid, _ := strconv.Atoi(filepath.Base(p))
				return pid
			}
		}
	}
	return 0
}

// runtimeMem is the Go runtime's view of the server from /metrics: heap in
// use and goroutine stacks, both independent of when the OS takes pages back.
type runtimeMem struct {
	heapInuse, stackInuse, goroutines float64
}

func readRuntimeMem(ctx context.Context, client *http.Client, base string) (runtimeMem, error) {
	v, err := scrape(ctx, client, base+"/metrics")
	if err != nil {
		return runtimeMem{}, err
	}
	return runtimeMem{heapInuse: v["go_memstats_heap_inuse_bytes"], stackInuse: v["go_memstats_stack_inuse_bytes"], goroutines: v["go_goroutines"]}, nil
}

// liveAfterGC asks the server's pprof endpoint (CIVICDESK_PPROF) for a
// garbage collection and returns the live heap plus goroutine stacks then:
// memory that does not depend on when the collector last ran.
func liveAfterGC(ctx context.Context, client *http.Client, pprofURL string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", pprofURL+"/debug/pprof/heap?debug=1&gc=1", nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("GET %s: %d", req.URL, resp.StatusCode)
	}
	var heap, stack int64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "# HeapAlloc = "); ok {
			heap, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
		if v, ok := strings.CutPrefix(line, "# Stack = "); ok {
			stack, _ = strconv.ParseInt(strings.TrimSpace(strings.Split(v, "/")[0]), 10, 64)
		}
	}
	if heap == 0 {
		return 0, fmt.Errorf("no HeapAlloc in %s", req.URL)
	}
	return heap + stack, sc.Err()
}

// procCPU returns the user+system CPU time a process has used so far.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command (which may hold spaces) start after ")".
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("odd /proc/%d/stat", pid)
	}
	fs := strings.Fields(string(b[i+1:]))
	if len(fs) < 13 {
		return 0, fmt.Errorf("odd /proc/%d/stat", pid)
	}
	utime, _ := strconv.ParseInt(fs[11], 10, 64)
	stime, _ := strconv.ParseInt(fs[12], 10, 64)
	const hz = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / hz, nil
}

// machineCPU returns the CPU time all CPUs spent busy and in total so far,
// from /proc/stat.
func machineCPU() (busy, total time.Duration, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fs := strings.Fields(line)
	if len(fs) < 6 || fs[0] != "cpu" {
		return 0, 0, fmt.Errorf("odd /proc/stat")
	}
	var sum, idle int64
	for i, f := range fs[1:] {
		v, _ := strconv.ParseInt(f, 10, 64)
		if i >= 7 { // guest time is already in user time
			break
		}
		sum += v
		if i == 3 || i == 4 { // idle, iowait
			idle += v
		}
	}
	const hz = 100
	return time.Duration(sum-idle) * time.Second / hz, time.Duration(sum) * time.Second / hz, nil
}

// cpuShare splits the machine's CPU over a run: the server, this generator
// and everything else (other people's builds and tests), in CPUs.
type cpuShare struct {
	Server, Generator, Others, Capacity float64
}

type cpuMark struct {
	at                        time.Time
	server, self, busy, total time.Duration
}

func markCPU(pid int) cpuMark {
	m := cpuMark{at: time.Now()}
	m.server, _ = procCPU(pid)
	m.self, _ = procCPU(os.Getpid())
	m.busy, m.total, _ = machineCPU()
	return m
}

func (a cpuMark) until(b cpuMark) cpuShare {
	wall := b.at.Sub(a.at).Seconds()
	if wall <= 0 {
		return cpuShare{}
	}
	s := cpuShare{Server: (b.server - a.server).Seconds() / wall, Generator: (b.self - a.self).Seconds() / wall,
		Capacity: (b.total - a.total).Seconds() / wall}
	s.Others = max(0, (b.busy-a.busy).Seconds()/wall-s.Server-s.Generator)
	return s
}
