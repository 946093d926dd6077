#!/usr/bin/env bash
# Shared by dev.sh and test.sh: make sure Go, MariaDB and Redis are there
# and running on this machine, the way ../shared/docs/refs/machine.md says.
# Sourced, not run.

say() { printf '%s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" != 0 ]; then
    say "wxlend: $1 is missing and installing it needs root; install it (see README) and rerun."
    exit 1
  fi
}

apt_install() {
  need_root "$*"
  say "wxlend: installing $* with apt-get"
  if [ -z "${WXLEND_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
    WXLEND_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 name=$2 i
  for i in $(seq 1 100); do
    port_open "$port" && return 0
    sleep 0.2
  done
  say "wxlend: $name did not come up on 127.0.0.1:$port"
  exit 1
}

ensure_go() {
  if ! command -v go >/dev/null 2>&1; then
    [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null 2>&1 || { say "wxlend: Go 1.26 is required (https://go.dev/dl)"; exit 1; }
}

ensure_mariadb() {
  if port_open 3306; then allow_root_tcp; return 0; fi
  if [ ! -x /usr/sbin/mariadbd ]; then
    apt_install mariadb-server
  fi
  need_root "a running MariaDB"
  if [ ! -d /var/lib/mysql/mysql ]; then
    mysql_install_db --user=mysql --datadir=/var/lib/mysql >/dev/null
  fi
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  say "wxlend: starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_port 3306 MariaDB
  allow_root_tcp
}

# A fresh Debian install lets root in by socket only; the tests use TCP with
# an empty password, as on the project's machines (loopback only).
allow_root_tcp() {
  mysql -h127.0.0.1 -uroot -e "SELECT 1" >/dev/null 2>&1 && return 0
  say "wxlend: letting root@localhost in over TCP with an empty password (local development only)"
  mysql -uroot -e "ALTER USER root@localhost IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('')" >&2 || true
}

ensure_redis() {
  port_open 6379 && return 0
  if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server
  fi
  need_root "a running Redis"
  mkdir -p /var/lib/redis /var/log/redis
  say "wxlend: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null
  wait_port 6379 Redis
}

# The back office's browser test (scripts/internal/gateway, chromedp)
# drives Debian's chromium; nothing is downloaded at run time. A CJK font
# makes its screenshots of the Chinese console readable.
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] && return 0
  apt_install chromium fonts-wqy-microhei
}

ensure_services() {
  ensure_go
  ensure_mariadb
  ensure_redis
}
