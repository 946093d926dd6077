// Package gateway is the local SCF stand-in behind scripts/dev.sh and the
// end-to-end tests. It reads serverless.yml, builds every function for the
// host, and runs each binary as its own process speaking scf-go-lib's
// net/rpc protocol (_LAMBDA_SERVER_PORT, Function.Invoke), started on first
// call like a cold start. It serves the declared HTTP routes as API gateway
// events, fires timers on their cron, emulates SCF's Invoke API (so the
// production tencentcloud-sdk-go code path is what runs), and hosts the
// local fakes of WeChat and Tencent Cloud.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/rpc"
	"os/exec"
	"sync"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"
)

// instance is one running function process.
type instance struct {
	cmd     *exec.Cmd
	client  *rpc.Client
	exited  chan struct{}
	started time.Time
}

// function is a declared function and its (lazily started) instance.
type function struct {
	name      string
	bin       string
	env       []string
	timeout   time.Duration
	memoryMB  int32
	logs      io.Writer
	mu        sync.Mutex
	inst      *instance
	coldStart []time.Duration // bounded history, for stats
	invokes   int64
	latency   []time.Duration        // last maxLatencies warm invocations, for stats
	pickPort  func() (string, error) // freePort unless a test needs a taken one
}

// maxLatencies bounds the per-function latency history.
const maxLatencies = 10000

// ErrFunction is a function's own error (InvokeResponse.Error).
type ErrFunction struct {
	Type, Message string
}

func (e *ErrFunction) Error() string { return "function error " + e.Type + ": " + e.Message }

// ErrTimeout is a function that ran past its timeout; SCF kills it.
var ErrTimeout = errors.New("function timed out")

// ErrExited is a function process that died during an invocation.
var ErrExited = errors.New("function process exited during the invocation")

// invoke runs one event through the function, cold-starting it if needed.
// Like SCF it never retries: a process that dies mid-invocation fails the
// invocation (an HTTP client gets the error; Event invocations are retried
// by runAsync, as SCF's async policy does) and is discarded, so the next
// invocation cold-starts a new one.
// started receives the time the event was handed to the process.
func (f *function) invoke(ctx context.Context, requestID string, payload []byte, started *time.Time) ([]byte, error) {
	inst, err := f.instance(ctx)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	*started = start
	out, err := f.call(ctx, inst, requestID, payload)
	f.record(time.Since(start))
	if errors.Is(err, rpc.ErrShutdown) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		f.kill(inst)
		return nil, fmt.Errorf("%w: %v", ErrExited, err)
	}
	return out, err
}

func (f *function) call(ctx context.Context, inst *instance, requestID string, payload []byte) ([]byte, error) {
	deadline := time.Now().Add(f.timeout)
	req := &messages.InvokeRequest{
		Payload: payload, RequestId: requestID, FunctionName: f.name, Namespace: "default",
		FunctionVersion: "$LATEST", MemoryLimitInMb: f.memoryMB, TimeLimitInMs: int32(f.timeout.Milliseconds()),
		Deadline:           messages.InvokeRequest_Timestamp{Seconds: deadline.Unix(), Nanos: int64(deadline.Nanosecond())},
		TencentcloudRegion: "ap-guangzhou",
	}
	var resp messages.InvokeResponse
	call := inst.client.Go("Function.Invoke", req, &resp, make(chan *rpc.Call, 1))
	timer := time.NewTimer(f.timeout + 100*time.Millisecond)
	defer timer.Stop()
	f.mu.Lock()
	f.invokes++
	f.mu.Unlock()
	select {
	case <-call.Done:
		if call.Error != nil {
			return nil, call.Error
		}
	case <-timer.C:
		f.kill(inst)
		return nil, ErrTimeout
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if resp.Error != nil {
		if resp.Error.ShouldExit {
			f.kill(inst)
		}
		return nil, &ErrFunction{Type: resp.Error.Type, Message: resp.Error.Message}
	}
	return resp.Payload, nil
}

// instance returns the running process, starting one if there is none.
func (f *function) instance(ctx context.Context) (*instance, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inst != nil {
		select {
		case <-f.inst.exited:
			f.inst = nil
		default:
			return f.inst, nil
		}
	}
	start := time.Now()
	inst, err := f.startRetrying(ctx)
	if err != nil {
		return nil, err
	}
	f.inst = inst
	if len(f.coldStart) < 1000 {
		f.coldStart = append(f.coldStart, time.Since(start))
	}
	return inst, nil
}

// coldStartTries bounds startRetrying. The only failure a new port can
// cure is losing the port to another process between freePort's check and
// the child's bind (the child's scf-go-lib runtime then exits at once);
// three losses in a row mean something else is wrong.
const coldStartTries = 3

// errLostPort is a child that exited before answering Ping: in practice its
// listen failed because the port was taken (see coldStartTries).
var errLostPort = errors.New("exited during cold start")

// startRetrying is start, tried again on a fresh port when the child exited
// before it answered (a lost port), never when it merely answered late.
func (f *function) startRetrying(ctx context.Context) (*instance, error) {
	var err error
	for try := 0; try < coldStartTries; try++ {
		var inst *instance
		if inst, err = f.start(ctx); !errors.Is(err, errLostPort) {
			return inst, err
		}
	}
	return nil, err
}

// start execs the binary on a free port and waits until Function.Ping
// answers (bounded: 10 s).
func (f *function) start(ctx context.Context) (*instance, error) {
	pick := f.pickPort
	if pick == nil {
		pick = freePort
	}
	port, err := pick()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(f.bin)
	cmd.Env = append(append([]string{}, f.env...), "_LAMBDA_SERVER_PORT="+port, "SCF_FUNCTIONNAME="+f.name)
	cmd.Stdout, cmd.Stderr = f.logs, f.logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", f.name, err)
	}
	inst := &instance{cmd: cmd, exited: make(chan struct{}), started: time.Now()}
	go func() { _ = cmd.Wait(); close(inst.exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-inst.exited:
			return nil, fmt.Errorf("function %s %w (see its log)", f.name, errLostPort)
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			return nil, ctx.Err()
		default:
		}
		// Only our child's answer counts: if another process holds the
		// port (ours lost it and is about to exit), its Ping would lie.
		if listensOn(cmd.Process.Pid, port) {
			if c, err := rpc.Dial("tcp", "127.0.0.1:"+port); err == nil {
				if ping(c) == nil {
					inst.client = c
					return inst, nil
				}
				c.Close()
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return nil, fmt.Errorf("function %s did not answer Ping within 10 s", f.name)
}

// kill stops inst if it is still the current instance.
func (f *function) kill(inst *instance) {
	f.mu.Lock()
	if f.inst == inst {
		f.inst = nil
	}
	f.mu.Unlock()
	inst.client.Close()
	if inst.cmd.Process != nil {
		_ = inst.cmd.Process.Kill()
	}
}

// stop ends the instance, if any.
func (f *function) stop() {
	f.mu.Lock()
	inst := f.inst
	f.mu.Unlock()
	if inst != nil {
		f.kill(inst)
		<-inst.exited
	}
}

// record keeps one invocation's latency (gateway -> process -> handler ->
// back), dropping the oldest beyond maxLatencies.
func (f *function) record(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.latency) >= maxLatencies {
		f.latency = f.latency[1:]
	}
	f.latency = append(f.latency, d)
}
