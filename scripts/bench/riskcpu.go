package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// cpuSample is CPU time (user + system, clock ticks) per process group,
// read from /proc: this process (the gateway, its fakes and the clients),
// each function process by binary name, MariaDB and Redis (shared with
// whatever else runs on the machine), and the machine's busy total.
type cpuSample struct {
	ticks map[string]int64
	busy  int64 // all CPUs, from /proc/stat
}

const clockTicks = 100 // USER_HZ on Linux

func readCPU() cpuSample {
	s := cpuSample{ticks: map[string]int64{}}
	self := os.Getpid()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		b, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ... utime(14) stime(15): comm may hold spaces.
		end := strings.LastIndexByte(string(b), ')')
		if end < 0 {
			continue
		}
		comm := string(b[strings.IndexByte(string(b), '(')+1 : end])
		f := strings.Fields(string(b[end+2:]))
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		name := ""
		switch {
		case pid == self:
			name = "bench (gateway, fakes, clients)"
		case comm == "mariadbd" || comm == "mysqld":
			name = "mariadbd (shared)"
		case comm == "redis-server":
			name = "redis-server (shared)"
		default:
			if exe, err := os.Readlink(d + "/exe"); err == nil && strings.Contains(exe, "bench-bin") {
				name = filepath.Base(exe)
			}
		}
		if name != "" {
			s.ticks[name] += ut + st
		}
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		for i, v := range f[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			if i != 3 && i != 4 { // idle, iowait
				s.busy += n
			}
		}
	}
	return s
}

// since is the CPU spent between then and s.
func (s cpuSample) since(then cpuSample) cpuSample {
	d := cpuSample{ticks: map[string]int64{}, busy: s.busy - then.busy}
	for k, v := range s.ticks {
		d.ticks[k] = v - then.ticks[k]
	}
	return d
}

// print reports CPU ms per decision by process and the machine's load.
func (s cpuSample) print(decisions int, elapsed time.Duration) {
	names := make([]string, 0, len(s.ticks))
	for k, v := range s.ticks {
		if v > 0 {
			names = append(names, k)
		}
	}
	sort.Slice(names, func(i, j int) bool { return s.ticks[names[i]] > s.ticks[names[j]] })
	perDecision := func(t int64) float64 { return float64(t) * 1000 / clockTicks / float64(decisions) }
	fmt.Printf("CPU per decision in the timed run (ms; %d cores; /proc, 10 ms ticks):\n", numCPU())
	var ours int64
	for _, k := range names {
		ours += s.ticks[k]
		fmt.Printf("  %-34s %7.2f\n", k, perDecision(s.ticks[k]))
	}
	fmt.Printf("  %-34s %7.2f\n", "total of the above", perDecision(ours))
	fmt.Printf("  %-34s %7.2f\n", "everything else on the machine", perDecision(s.busy-ours))
	capacity := float64(numCPU()) * elapsed.Seconds() * clockTicks
	fmt.Printf("machine busy %.0f%% of %d cores during the run; at %.2f CPU ms per decision the cores alone allow %.0f decisions/s\n",
		100*float64(s.busy)/capacity, numCPU(), perDecision(ours), float64(numCPU())*1000/perDecision(ours))
}

func numCPU() int {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 1
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "cpu") && !strings.HasPrefix(l, "cpu ") {
			n++
		}
	}
	return n
}
