package gateway

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"net/rpc"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction/messages"
)

// The child binds the port itself (scf-go-lib listens on 0.0.0.0:port), so
// freePort can only check that a port is free now. It picks one below the
// kernel's ephemeral range: an outgoing connection (this process's MySQL
// and Redis pools, another test binary's) is given a port from that range
// and so can never take ours between the check and the child's bind; a
// port another gateway process picked too is what startRetrying cures.
func freePort() (string, error) {
	low := ephemeralLow()
	for try := 0; low-portFloor > 1000 && try < 50; try++ {
		p := portFloor + rand.IntN(low-portFloor)
		if l, err := net.Listen("tcp", fmt.Sprintf("0.0.0.0:%d", p)); err == nil {
			l.Close()
			return strconv.Itoa(p), nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0") // no room below the range: the kernel's pick
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port, nil
}

// portFloor keeps function ports above the well-known and registered
// services a developer's machine commonly runs (MariaDB, Redis, ...).
const portFloor = 10000

// ephemeralLow is the first port the kernel hands out for outgoing
// connections (Linux's default is 32768; 0 where it cannot be read).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	low, _ := strconv.Atoi(f[0])
	return low
}

// pingTimeout bounds one Function.Ping: a listener that accepts but never
// answers must not hang a cold start.
const pingTimeout = 2 * time.Second

func ping(c *rpc.Client) error {
	call := c.Go("Function.Ping", &messages.PingRequest{}, &messages.PingResponse{}, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
		return call.Error
	case <-time.After(pingTimeout):
		return fmt.Errorf("no answer to Ping within %v", pingTimeout)
	}
}

// listensOn reports whether process pid holds the listening socket of
// port: the inode /proc/net/tcp{,6} gives that port's LISTEN socket must be
// one of pid's open files. Where /proc is missing it reports true, and
// Ping alone decides.
func listensOn(pid int, port string) bool {
	n, err := strconv.Atoi(port)
	if err != nil {
		return false
	}
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		return true
	}
	inodes := listenInodes(fmt.Sprintf(":%04X", n))
	if len(inodes) == 0 {
		return false
	}
	fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err == nil && inodes[target] {
			return true
		}
	}
	return false
}

// listenInodes are the "socket:[inode]" names of the LISTEN sockets whose
// local address ends in portSuffix (":%04X"), IPv4 and IPv6.
func listenInodes(portSuffix string) map[string]bool {
	out := map[string]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			c := strings.Fields(sc.Text())
			if len(c) > 9 && strings.HasSuffix(c[1], portSuffix) && c[3] == "0A" {
				out["socket:["+c[9]+"]"] = true
			}
		}
		f.Close()
	}
	return out
}
