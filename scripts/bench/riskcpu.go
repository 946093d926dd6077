package main

import (
	"context"
	"database/sql"
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
// whatever else runs on the machine), and the machine's busy total. wait
// is the time the group's threads were runnable but queued for a CPU
// (schedstat), the cost of sharing 2 cores.
type cpuSample struct {
	ticks map[string]int64
	wait  map[string]time.Duration
	busy  int64 // all CPUs, from /proc/stat
	// dbTask is each MariaDB thread's CPU (ticks), by OS thread id: the
	// server runs one thread per connection, so the bench's own
	// connections can be told from everyone else's (dbThreads).
	dbTask map[string]int64
}

const clockTicks = 100 // USER_HZ on Linux

func readCPU() cpuSample {
	s := cpuSample{ticks: map[string]int64{}, wait: map[string]time.Duration{}, dbTask: map[string]int64{}}
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
			readTasks(d, s.dbTask)
		case comm == "redis-server":
			name = "redis-server (shared)"
		default:
			if exe, err := os.Readlink(d + "/exe"); err == nil && strings.Contains(exe, "bench-bin") {
				name = filepath.Base(exe)
			}
		}
		if name != "" {
			s.ticks[name] += ut + st
			s.wait[name] += runQueueWait(d)
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
	d := cpuSample{ticks: map[string]int64{}, wait: map[string]time.Duration{}, busy: s.busy - then.busy, dbTask: map[string]int64{}}
	for k, v := range s.dbTask {
		d.dbTask[k] = v - then.dbTask[k]
	}
	for k, v := range s.ticks {
		d.ticks[k] = v - then.ticks[k]
		d.wait[k] = s.wait[k] - then.wait[k]
	}
	return d
}

// print reports CPU ms per decision by process and the machine's load;
// stackTIDs and watcherTIDs are the OS thread ids of the MariaDB connections of the
// stack's database and of the bench's watcher (dbThreads).
func (s cpuSample) print(decisions int, elapsed time.Duration, stackTIDs, watcherTIDs []string) {
	names := make([]string, 0, len(s.ticks))
	for k, v := range s.ticks {
		if v > 0 {
			names = append(names, k)
		}
	}
	sort.Slice(names, func(i, j int) bool { return s.ticks[names[i]] > s.ticks[names[j]] })
	perDecision := func(t int64) float64 { return float64(t) * 1000 / clockTicks / float64(decisions) }
	waitPer := func(d time.Duration) float64 { return ms(d) / float64(decisions) }
	fmt.Printf("CPU per decision in the timed run (ms; %d cores; /proc: CPU in 10 ms ticks, run-queue wait of all threads):\n", numCPU())
	fmt.Printf("  %-34s %7s %10s\n", "process", "CPU", "queued")
	var ours int64
	var queued time.Duration
	for _, k := range names {
		ours += s.ticks[k]
		queued += s.wait[k]
		fmt.Printf("  %-34s %7.2f %10.2f\n", k, perDecision(s.ticks[k]), waitPer(s.wait[k]))
	}
	fmt.Printf("  %-34s %7.2f %10.2f\n", "total of the above", perDecision(ours), waitPer(queued))
	fmt.Printf("  %-34s %7.2f\n", "everything else on the machine", perDecision(s.busy-ours))
	var conns, watch int64
	for _, t := range stackTIDs {
		conns += s.dbTask[t]
	}
	for _, t := range watcherTIDs {
		watch += s.dbTask[t]
	}
	fmt.Printf("  of mariadbd: the stack's %d connection threads %.2f, of which the bench's watcher %.2f; the rest is other databases and InnoDB's own threads\n",
		len(stackTIDs), perDecision(conns), perDecision(watch))
	capacity := float64(numCPU()) * elapsed.Seconds() * clockTicks
	own := ours - s.ticks["mariadbd (shared)"] + conns - watch // the stack's processes and its statements
	fmt.Printf("machine busy %.0f%% of %d cores during the run; the stack itself (its processes and its statements' threads) %.2f CPU ms per decision: the cores alone would allow %.0f decisions/s\n",
		100*float64(s.busy)/capacity, numCPU(), perDecision(own), float64(numCPU())*1000/perDecision(own))
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

// runQueueWait sums the run-queue wait of every thread of process dir
// (/proc/PID/task/*/schedstat: run ns, wait ns, slices).
func runQueueWait(dir string) time.Duration {
	tasks, _ := filepath.Glob(dir + "/task/[0-9]*/schedstat")
	var sum int64
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) >= 2 {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			sum += n
		}
	}
	return time.Duration(sum)
}

// readTasks adds each thread's CPU ticks of process dir to into, by tid.
func readTasks(dir string, into map[string]int64) {
	tasks, _ := filepath.Glob(dir + "/task/[0-9]*/stat")
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		end := strings.LastIndexByte(string(b), ')')
		if end < 0 {
			continue
		}
		f := strings.Fields(string(b[end+2:]))
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		into[filepath.Base(filepath.Dir(t))] = ut + st
	}
}

// dbThreads lists the OS thread ids serving connections to database name
// (MariaDB's PROCESSLIST.TID) and the one serving db's own connection.
func dbThreads(ctx context.Context, db *sql.DB, name string) (stack, self []string, err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, `SELECT TID, ID = CONNECTION_ID() FROM information_schema.PROCESSLIST WHERE DB = ?`, name)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var tid string
		var mine bool
		if err := rows.Scan(&tid, &mine); err != nil {
			return nil, nil, err
		}
		stack = append(stack, tid)
		if mine {
			self = append(self, tid)
		}
	}
	return stack, self, rows.Err()
}
