package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// phaseLog is where the stack's logs go during the risk bench
// (WXLEND_LOCAL_LOG), with the functions at debug level: the risk steps
// and credit-apply log where their time went, one line per invocation
// ("risk step phases", "credit apply phases").
func phaseLog() (string, func(), error) {
	if p := os.Getenv("WXLEND_LOCAL_LOG"); p != "" {
		return p, func() {}, nil
	}
	f, err := os.CreateTemp("", "wxlend-bench-risk-*.log")
	if err != nil {
		return "", nil, err
	}
	f.Close()
	os.Setenv("WXLEND_LOCAL_LOG", f.Name())
	return f.Name(), func() { os.Remove(f.Name()) }, nil
}

// printPhases prints the phases inside the handlers of the timed run's
// applications, at p50, p99 and mean.
func printPhases(path string, timed map[int64]time.Time) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rows := map[string][]time.Duration{}
	var order []string
	add := func(name string, us int64) {
		if _, ok := rows[name]; !ok {
			order = append(order, name)
		}
		rows[name] = append(rows[name], time.Duration(us)*time.Microsecond)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, " phases\"") {
			continue
		}
		var l struct {
			Msg           string `json:"msg"`
			Step          string `json:"step"`
			ApplicationID int64  `json:"application_id"`
			Checks        int64  `json:"checks_us"`
			Read          int64  `json:"read_us"`
			Compute       int64  `json:"compute_us"`
			Write         int64  `json:"write_us"`
			Invoke        int64  `json:"invoke_us"`
		}
		if json.Unmarshal([]byte(line[strings.IndexByte(line, '{'):]), &l) != nil {
			continue
		}
		if _, ok := timed[l.ApplicationID]; !ok {
			continue
		}
		switch l.Msg {
		case "credit apply phases":
			add("POST: auth, captcha, consents, state reads", l.Checks)
			add("POST: insert tx", l.Write)
			add("POST: Invoke API call", l.Invoke)
		case "risk step phases":
			add(l.Step+": read", l.Read)
			add(l.Step+": compute", l.Compute)
			add(l.Step+": write tx", l.Write)
			if l.Step != "decide" {
				add(l.Step+": Invoke API call", l.Invoke)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(order) == 0 {
		fmt.Println("inside the handlers: no phase lines in", path)
		return nil
	}
	fmt.Println("inside the handlers (their debug phase lines; the Invoke API call is the whole HTTP round trip to the gateway):")
	fmt.Printf("  %-44s %9s %9s %9s\n", "phase", "p50 ms", "p99 ms", "mean ms")
	for _, name := range order {
		ds := rows[name]
		fmt.Printf("  %-44s %9.2f %9.2f %9.2f\n", name, ms(pct(ds, 50)), ms(pct(ds, 99)), ms(mean(ds)))
	}
	return nil
}
