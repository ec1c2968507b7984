#!/usr/bin/env bash
# Where the gateway's proxy-only cost goes: the static-backend setup of the warm-path benchmark (nginx
# answering PocketBase's health JSON from memory, behind the production gateway classes in their own
# JVM: `picobase-bench.jar static-gateway`), under wrk -t2 -c50 and -c1000. Two parts:
#  - profile: a JFR recording (settings=profile) of each load on one warm gateway JVM, aggregated by
#    bench/scripts/gateway_profile.py into the top frames (self and total), short stacks, the component
#    each sample's time belongs to, and allocation sites; around every run the backend's accepted
#    connections (stub_status), the gateway's connections to the backend mid-run and in TIME_WAIT
#    before and after, and the proxy's CPU time (a JVM's per kind of thread); nginx as a reverse proxy
#    to the same backend is measured the same way, alternating with the gateway;
#  - gc: three static-gateway JVMs, G1 as `./picobase up` runs it (no JVM options), ParallelGC and ZGC
#    with the maximum heap G1 picks by default on this machine, and nginx, interleaved round by round;
#    req/s, p99, GC count and time (jstat) and CPU per request.
# Writes bench/results/gateway-profile.{json,md} (a part run alone keeps the other part's results).
#   bench/scripts/profile-gateway.sh [seconds per run, default 10] [all|profile|gc, default all]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/scripts/lib.sh
SECS=${1:-10}
PART=${2:-all}
LOADS="50 1000"
bench_require wrk nginx curl python3 jcmd jfr jstat ss
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge 4096 ] || { echo "bench: needs 4096 open files (ulimit -n), the hard limit is $(ulimit -Hn)" >&2; exit 1; }
bench_init

BACKEND=$(free_port); PROXY=$(free_port)
nginx_start "$(nginx_static "$BACKEND")" backend
nginx_start "$(nginx_proxy static "$PROXY" "127.0.0.1:$BACKEND")" proxy
RESULTS="$WORK/runs.jsonl"
: > "$RESULTS"
TICK_US=$((1000000 / $(getconf CLK_TCK)))

backend_conns() { # STATE: the connections toward the backend's port in that TCP state (both ends are local)
  ss -Htan state "$1" "( dport = :$BACKEND )" | wc -l
}
# measure NAME CONNECTIONS CPU_OF URL WRK_ARGS...: one wrk run against a proxy of the static backend,
# with what it cost around it. CPU_OF is the proxy's CPU: a JVM's pid, or "nginx" (the proxy's workers).
measure() {
  local name=$1 c=$2 cpu_of=$3 url=$4 before after cpu0 cpu1 gc0 gc1 th0 th1 line sampler tw0
  shift 4
  ticks() { if [ "$cpu_of" = nginx ]; then nginx_cpu_ticks proxy; else cpu_ticks "$cpu_of"; fi; }
  threads() { if [ "$cpu_of" = nginx ]; then echo '{}'; else thread_cpu_ticks "$cpu_of"; fi; }
  gc() { if [ "$cpu_of" = nginx ]; then echo '{}'; else jstat -gc "$cpu_of" | python3 -c \
    'import sys, json; h, v = (l.split() for l in sys.stdin.read().strip().splitlines()); print(json.dumps(dict(zip(h, v))))'; fi; }
  before=$(nginx_accepts "$BACKEND"); cpu0=$(ticks); gc0=$(gc); th0=$(threads); tw0=$(backend_conns time-wait)
  (sleep "$((SECS / 2))"; backend_conns established > "$WORK/established") &
  sampler=$!
  line=$(wrk_run "$name" "$REPORT_LUA" -t2 -c"$c" -d"${SECS}s" "$url" "$@")
  wait "$sampler" || true
  after=$(nginx_accepts "$BACKEND"); cpu1=$(ticks); gc1=$(gc); th1=$(threads)
  # stub_status's own connections: one per nginx_accepts (the one before is counted in its reading)
  json_add "\"connections\":$c,\"backend_connects\":$((after - before - 1)),\
\"backend_established_midrun\":$(cat "$WORK/established"),\"backend_time_wait_before\":$tw0,\"backend_time_wait_after\":$(backend_conns time-wait),\
\"cpu_us\":$(((cpu1 - cpu0) * TICK_US)),\"gc_before\":$gc0,\"gc_after\":$gc1,\"tick_us\":$TICK_US,\"threads_before\":$th0,\"threads_after\":$th1" <<< "$line"
}
quiet() {
  bench_wait_quiet
  echo "{\"run\":\"quiet-$1\",\"waited_s\":$QUIET_WAITED,\"still_busy\":$QUIET_BUSY}" >> "$RESULTS"
}
warm() { # PID BASE_URL KEY: a run of each load, unmeasured
  local c
  for c in $LOADS; do
    wrk_run warmup "$REPORT_LUA" -t2 -c"$c" -d"${SECS}s" "$2/api/health" -H "Host: static.localhost" -H "apikey: $3" >/dev/null
  done
}
NGINX_URL="http://127.0.0.1:$PROXY/api/health"

if [ "$PART" = all ] || [ "$PART" = profile ]; then
  # JFR's default stack depth (64) cuts Netty's deeper stacks: their roots are what tells components apart.
  static_gateway_start "127.0.0.1:$BACKEND" -XX:FlightRecorderOptions:stackdepth=256
  echo "profile: warming up the gateway for ${SECS}s per load..." >&2
  warm "$SGW_PID" "$SGW" "$SGW_KEY"
  for c in $LOADS; do
    quiet "profile-c$c"
    echo "profile: -c$c, gateway with JFR, then nginx..." >&2
    # A wait above closes the pooled backend connections (30 s idle): 2 s of the load refill the pools.
    wrk_run rewarm "$REPORT_LUA" -t2 -c"$c" -d2s "$SGW/api/health" -H "Host: static.localhost" -H "apikey: $SGW_KEY" >/dev/null
    wrk_run rewarm "$REPORT_LUA" -t2 -c"$c" -d2s "$NGINX_URL" >/dev/null
    jcmd "$SGW_PID" JFR.start name="c$c" settings=profile filename="$WORK/c$c.jfr" >/dev/null
    measure "profile-gateway-c$c" "$c" "$SGW_PID" "$SGW/api/health" -H "Host: static.localhost" -H "apikey: $SGW_KEY" >> "$RESULTS"
    jcmd "$SGW_PID" JFR.stop name="c$c" >/dev/null
    measure "profile-nginx-c$c" "$c" nginx "$NGINX_URL" >> "$RESULTS"
  done
  static_gateway_stop "$SGW_PID"
  for c in $LOADS; do
    for event in jdk.ExecutionSample jdk.NativeMethodSample jdk.ObjectAllocationSample jdk.ThreadAllocationStatistics; do
      jfr print --json --events "$event" "$WORK/c$c.jfr" > "$WORK/c$c.$event.json"
    done
  done
fi

if [ "$PART" = all ] || [ "$PART" = gc ]; then
  # What G1 chooses by default here (a quarter of the memory), given to the other two explicitly.
  HEAP=$(java -XX:+PrintFlagsFinal -version 2>/dev/null | awk '$2 == "MaxHeapSize" { print $4 }')
  declare -A GC_OPTS=([g1]="" [parallel]="-XX:+UseParallelGC -Xmx$HEAP" [zgc]="-XX:+UseZGC -Xmx$HEAP")
  declare -A GC_PID GC_URL GC_KEY
  for gc in g1 parallel zgc; do
    # shellcheck disable=SC2086 # the options are words
    static_gateway_start "127.0.0.1:$BACKEND" ${GC_OPTS[$gc]}
    GC_PID[$gc]=$SGW_PID; GC_URL[$gc]=$SGW; GC_KEY[$gc]=$SGW_KEY
  done
  echo "gc: warming up the three gateways for ${SECS}s per load each..." >&2
  for gc in g1 parallel zgc; do warm "${GC_PID[$gc]}" "${GC_URL[$gc]}" "${GC_KEY[$gc]}"; done
  for round in 1 2; do
    for c in $LOADS; do
      quiet "gc-c$c-$round"
      echo "gc: -c$c, round $round of 2 (G1, Parallel, ZGC, nginx)..." >&2
      for gc in g1 parallel zgc; do
        measure "gc-$gc-c$c-$round" "$c" "${GC_PID[$gc]}" "${GC_URL[$gc]}/api/health" \
          -H "Host: static.localhost" -H "apikey: ${GC_KEY[$gc]}" >> "$RESULTS"
      done
      measure "gc-nginx-c$c-$round" "$c" nginx "$NGINX_URL" >> "$RESULTS"
    done
  done
  echo "{\"run\":\"gc-settings\",\"heap_bytes\":$HEAP,\"g1\":\"${GC_OPTS[g1]}\",\"parallel\":\"${GC_OPTS[parallel]}\",\"zgc\":\"${GC_OPTS[zgc]}\"}" >> "$RESULTS"
fi

python3 bench/scripts/gateway_profile.py "$PART" "$RESULTS" "$WORK" "$SECS" "$LOADS"
