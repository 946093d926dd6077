// Command fuzz runs every Go fuzz target of the repository in turn, each
// for a fixed time, keeps what the fuzzer found in the repository, and
// prints a table. Run from the repository root:
//
//	go run ./scripts/fuzz -seconds 60 [-match Quote]
//
// Targets are found by reading the test files (func FuzzXxx(f
// *testing.F)), so a new target is run without being listed anywhere.
// The fuzzer keeps the inputs that reached new code in Go's build cache;
// after each target they are copied into the package's testdata/fuzz/<Name>/
// (committed: every later `go test` replays them as regression cases, and
// the next fuzz run starts from them). A crash leaves its input there too,
// and the command fails.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// target is one fuzz function and the package directory it lives in.
type target struct{ Dir, Name string }

// result is what one run reported.
type result struct {
	target
	Execs, NewInteresting, Corpus, Kept int
	Crashed                             bool
	Took                                time.Duration
}

func main() {
	seconds := flag.Int("seconds", 60, "fuzzing time per target")
	match := flag.String("match", "", "only targets whose name matches this regexp")
	flag.Parse()
	filter, err := regexp.Compile(*match)
	if err != nil {
		fail(err)
	}
	targets, err := findTargets(".")
	if err != nil {
		fail(err)
	}
	cache, module, err := goEnv()
	if err != nil {
		fail(err)
	}
	var results []result
	for _, t := range targets {
		if !filter.MatchString(t.Name) {
			continue
		}
		fmt.Fprintf(os.Stderr, "fuzz %s in ./%s for %d s\n", t.Name, t.Dir, *seconds)
		r := run(t, *seconds)
		r.Kept, err = keepCorpus(filepath.Join(cache, "fuzz", module, filepath.ToSlash(t.Dir), t.Name), filepath.Join(t.Dir, "testdata", "fuzz", t.Name))
		if err != nil {
			fail(err)
		}
		results = append(results, r)
	}
	if crashed := printTable(results); crashed > 0 {
		fmt.Printf("%d target(s) crashed: the failing inputs are under their package's testdata/fuzz/\n", crashed)
		os.Exit(1)
	}
}

var fuzzFunc = regexp.MustCompile(`(?m)^func (Fuzz\w+)\(\w+ \*testing\.F\)`)

// findTargets lists every fuzz function under root, by package and name.
func findTargets(root string) ([]target, error) {
	var out []target
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata" || d.Name() == "dist") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range fuzzFunc.FindAllSubmatch(src, -1) {
			out = append(out, target{Dir: filepath.Dir(path), Name: string(m[1])})
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Dir != out[j].Dir {
			return out[i].Dir < out[j].Dir
		}
		return out[i].Name < out[j].Name
	})
	return out, err
}

func goEnv() (cache, module string, err error) {
	out, err := exec.Command("go", "env", "GOCACHE", "GOMOD").Output()
	if err != nil {
		return "", "", err
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	mod, err := os.ReadFile(strings.TrimSpace(lines[1]))
	if err != nil {
		return "", "", err
	}
	m := regexp.MustCompile(`(?m)^module\s+(\S+)`).FindSubmatch(mod)
	if m == nil {
		return "", "", fmt.Errorf("no module line in go.mod")
	}
	return strings.TrimSpace(lines[0]), string(m[1]), nil
}

var (
	execsLine = regexp.MustCompile(`execs: (\d+) .*new interesting: (\d+) \(total: (\d+)\)`)
)

// run fuzzes one target and reads its progress lines: the last one has
// the executions, the inputs that reached new coverage and the corpus.
func run(t target, seconds int) result {
	start := time.Now()
	cmd := exec.Command("go", "test", "-run=^$", "-fuzz=^"+t.Name+"$", fmt.Sprintf("-fuzztime=%ds", seconds), "./"+filepath.ToSlash(t.Dir))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r := result{target: t, Took: time.Since(start), Crashed: err != nil}
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	for sc.Scan() {
		if m := execsLine.FindStringSubmatch(sc.Text()); m != nil {
			fmt.Sscan(m[1], &r.Execs)
			fmt.Sscan(m[2], &r.NewInteresting)
			fmt.Sscan(m[3], &r.Corpus)
		}
	}
	if r.Crashed {
		os.Stderr.Write(out.Bytes())
	}
	return r
}

// keepCorpus copies the inputs the fuzzer kept in the cache into the
// package's testdata (files are named by content hash: nothing is copied
// twice), and returns how many files the repository now holds.
func keepCorpus(from, to string) (int, error) {
	entries, err := os.ReadDir(from)
	if err != nil && !os.IsNotExist(err) {
		return 0, err
	}
	for _, e := range entries {
		dst := filepath.Join(to, e.Name())
		if _, err := os.Stat(dst); err == nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			return 0, err
		}
		if err := os.MkdirAll(to, 0o755); err != nil {
			return 0, err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return 0, err
		}
	}
	kept, err := os.ReadDir(to)
	if os.IsNotExist(err) {
		return 0, nil
	}
	return len(kept), err
}

func printTable(rs []result) (crashed int) {
	fmt.Printf("%-28s %-28s %12s %8s %8s %8s %7s  %s\n", "target", "package", "execs", "new cov", "corpus", "in repo", "time", "result")
	for _, r := range rs {
		res := "ok"
		if r.Crashed {
			res, crashed = "CRASH", crashed+1
		}
		fmt.Printf("%-28s %-28s %12d %8d %8d %8d %6.0fs  %s\n", r.Name, "./"+filepath.ToSlash(r.Dir), r.Execs, r.NewInteresting, r.Corpus, r.Kept, r.Took.Seconds(), res)
	}
	return crashed
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fuzz:", err)
	os.Exit(2)
}
