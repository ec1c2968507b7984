#!/usr/bin/env bash
# Warm-path benchmark: the same PocketBase endpoints hit with wrk directly, through the PicoBase gateway
# (with a valid API key) and through nginx configured as a reverse proxy with upstream keep-alive,
# interleaved in one run, at 50 and at 1,000 concurrent client connections; plus the same three ways to
# a trivial static backend (nginx answering from memory, through the production gateway classes in
# their own JVM) so the gateway's own overhead shows apart from PocketBase's; plus the first seconds
# after start: a fresh static-gateway JVM and a fresh nginx, measured right after they are ready and
# again once warm. Prints a table and writes bench/results/warm-path.{json,md}.
#   bench/scripts/warm-path.sh [seconds per run, default 8] [connection counts, default "50 1000"]
#                              [start: seconds per window, default 5; 0 skips the start part]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/scripts/lib.sh
SECS=${1:-8}
CONN_COUNTS=${2:-50 1000}
START_SECS=${3:-5}
START_FILL=10   # seconds of load between a fresh proxy's first window and its steady window
bench_require wrk nginx curl python3
# Every client connection costs wrk, the proxy and nginx a descriptor, a proxied one two more.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge 4096 ] || { echo "bench: needs 4096 open files (ulimit -n), the hard limit is $(ulimit -Hn)" >&2; exit 1; }
bench_init

platform_start
platform_instance bench
H=(-H "Host: bench.localhost" -H "apikey: $KEY" -H "content-type: application/json")
curl -sf "${H[@]}" -XPOST $G/api/admins -d '{"email":"a@example.com","password":"1234567890","passwordConfirm":"1234567890"}' >/dev/null
ADMIN=$(curl -sf "${H[@]}" -XPOST $G/api/admins/auth-with-password -d '{"identity":"a@example.com","password":"1234567890"}' | json '["token"]')
curl -sf "${H[@]}" -H "Authorization: $ADMIN" -XPOST $G/api/collections \
  -d '{"name":"posts","type":"base","listRule":"","viewRule":"","schema":[{"name":"title","type":"text"}]}' >/dev/null
REC=$(curl -sf "${H[@]}" -H "Authorization: $ADMIN" -XPOST $G/api/collections/posts/records -d '{"title":"hello"}' | json '["id"]')
PB=$(pocketbase_port)

# The static backend is an nginx of its own, so that its stub_status counts only the connections the
# proxies in front of it (and wrk, directly) open to it.
NGX=$(free_port); STATIC=$(free_port); NGX_STATIC=$(free_port)
nginx_start "$(nginx_static "$STATIC")" static-backend
nginx_start "$(nginx_proxy pocketbase "$NGX" "127.0.0.1:$PB")
$(nginx_proxy static "$NGX_STATIC" "127.0.0.1:$STATIC")"
static_gateway_start "127.0.0.1:$STATIC"

run() { wrk_run "$1" "$REPORT_LUA" -t2 -c"$2" -d"${SECS}s" "${@:3}"; }
# static_run NAME CONNECTIONS URL ARGS...: a run against the static backend, with the connections the
# backend accepted during it.
static_run() {
  local before after line
  before=$(nginx_accepts "$STATIC")
  line=$(run "$@")
  after=$(nginx_accepts "$STATIC")
  json_add "\"backend_connects\":$((after - before - 1))" <<< "$line"
}
for c in $CONN_COUNTS; do
  echo "warming up the JVMs (platform gateway, static gateway) for ${SECS}s each at -c$c..." >&2
  run warmup "$c" "$G/api/health" -H "Host: bench.localhost" -H "apikey: $KEY" >/dev/null
  run warmup "$c" "$SGW/api/health" -H "Host: static.localhost" -H "apikey: $SGW_KEY" >/dev/null
done

RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
quiet() { # before each round: wait for the machine to be free of test JVMs, and record how long
  bench_wait_quiet
  echo "{\"run\":\"quiet-$1\",\"waited_s\":$QUIET_WAITED,\"still_busy\":$QUIET_BUSY}" >> "$RESULTS"
}
for endpoint in "/api/health" "/api/collections/posts/records/$REC"; do
  short=$([ "$endpoint" = /api/health ] && echo health || echo record)
  for round in 1 2; do
    for c in $CONN_COUNTS; do
      quiet "$short-c$c-$round"
      echo "$short, -c$c, round $round of 2..." >&2
      run "direct-$short-c$c-$round" "$c" "http://127.0.0.1:$PB$endpoint" >> "$RESULTS"
      run "gateway-$short-c$c-$round" "$c" "$G$endpoint" -H "Host: bench.localhost" -H "apikey: $KEY" >> "$RESULTS"
      run "nginx-$short-c$c-$round" "$c" "http://127.0.0.1:$NGX$endpoint" -H "Host: bench.localhost" >> "$RESULTS"
    done
  done
done
for round in 1 2; do
  for c in $CONN_COUNTS; do
    quiet "static-c$c-$round"
    echo "static, -c$c, round $round of 2..." >&2
    static_run "direct-static-c$c-$round" "$c" "http://127.0.0.1:$STATIC/api/health" >> "$RESULTS"
    static_run "gateway-static-c$c-$round" "$c" "$SGW/api/health" -H "Host: static.localhost" -H "apikey: $SGW_KEY" >> "$RESULTS"
    static_run "nginx-static-c$c-$round" "$c" "http://127.0.0.1:$NGX_STATIC/api/health" -H "Host: static.localhost" >> "$RESULTS"
  done
done

# The first seconds after start, on the static backend: a fresh static-gateway JVM and a fresh nginx
# proxy (its own master, new workers), each loaded right after it is ready: the first window, START_FILL
# seconds more of the same load, then the steady window. Gateway and nginx alternate, round by round.
if [ "$START_SECS" -gt 0 ]; then
  window() { # NAME CONNECTIONS SECONDS URL ARGS...
    wrk_run "$1" "$REPORT_LUA" -t2 -c"$2" -d"${3}s" "${@:4}"
  }
  for round in 1 2; do
    for c in $CONN_COUNTS; do
      quiet "start-c$c-$round"
      echo "start, -c$c, round $round of 2: a fresh gateway JVM, then a fresh nginx..." >&2
      static_gateway_start "127.0.0.1:$STATIC"
      SA=(-H "Host: static.localhost" -H "apikey: $SGW_KEY")
      window "start-gateway-c$c-$round-first" "$c" "$START_SECS" "$SGW/api/health" "${SA[@]}" \
        | json_add "\"ready_ms\":$SGW_READY_MS" >> "$RESULTS"
      window fill "$c" "$START_FILL" "$SGW/api/health" "${SA[@]}" >/dev/null
      window "start-gateway-c$c-$round-steady" "$c" "$START_SECS" "$SGW/api/health" "${SA[@]}" >> "$RESULTS"
      static_gateway_stop "$SGW_PID"

      PORT=$(free_port)
      began=$(date +%s%N)
      nginx_start "$(nginx_proxy static "$PORT" "127.0.0.1:$STATIC")" start-nginx
      until curl -so /dev/null "http://127.0.0.1:$PORT/nginx-status"; do sleep 0.01; done
      ready_ms=$((($(date +%s%N) - began) / 1000000))
      window "start-nginx-c$c-$round-first" "$c" "$START_SECS" "http://127.0.0.1:$PORT/api/health" \
        | json_add "\"ready_ms\":$ready_ms" >> "$RESULTS"
      window fill "$c" "$START_FILL" "http://127.0.0.1:$PORT/api/health" >/dev/null
      window "start-nginx-c$c-$round-steady" "$c" "$START_SECS" "http://127.0.0.1:$PORT/api/health" >> "$RESULTS"
      nginx_stop start-nginx
    done
  done
fi

python3 - "$RESULTS" "$SECS" "$CONN_COUNTS" "$START_SECS" "$START_FILL" <<'PY'
import json, sys, datetime, os
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
secs, conn_counts, start_secs, start_fill = sys.argv[2], [int(c) for c in sys.argv[3].split()], int(sys.argv[4]), sys.argv[5]
by_run = {r["run"]: r for r in rows}
def best(prefix):
    rs = [r for r in rows if r["run"].startswith(prefix + "-")]
    return max(rs, key=lambda r: r["rps"])
ms = lambda us: us / 1000

summary = {}
for ep in ("health", "record", "static"):
    for c in conn_counts:
        d, g, n = best(f"direct-{ep}-c{c}"), best(f"gateway-{ep}-c{c}"), best(f"nginx-{ep}-c{c}")
        summary[f"{ep}-c{c}"] = {"endpoint": ep, "connections": c, "direct": d, "gateway": g, "nginx": n,
                                 "gateway_over_direct_rps": round(g["rps"] / d["rps"], 3),
                                 "gateway_over_nginx_rps": round(g["rps"] / n["rps"], 3),
                                 "gateway_added_p99_us": g["p99_us"] - d["p99_us"],
                                 "gateway_p99_over_nginx_p99": round(g["p99_us"] / n["p99_us"], 3)}
start = {}
for t in ("gateway", "nginx"):
    for c in conn_counts:
        rounds = []
        for rnd in (1, 2):
            first, steady = by_run.get(f"start-{t}-c{c}-{rnd}-first"), by_run.get(f"start-{t}-c{c}-{rnd}-steady")
            if first and steady:
                rounds.append({"round": rnd, "ready_ms": first["ready_ms"], "first": first, "steady": steady,
                               "first_over_steady_rps": round(first["rps"] / steady["rps"], 3)})
        if rounds:
            start[f"{t}-c{c}"] = {"target": t, "connections": c, "rounds": rounds}

measured = [r for r in rows if "rps" in r]
quiet = [r for r in rows if r["run"].startswith("quiet-")]
load = {"load1_min": min(r["load1"] for r in measured), "load1_max": max(r["load1"] for r in measured),
        "runs": len(measured), "runs_with_a_test_jvm": sum(r["surefire"] for r in measured),
        "rounds_waited_for": sum(1 for q in quiet if q["waited_s"] > 0),
        "waited_s": sum(q["waited_s"] for q in quiet), "rounds_measured_busy": sum(q["still_busy"] for q in quiet)}
out = {"benchmark": "warm-path", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
       "machine": f"{os.cpu_count()} cores", "wrk": f"-t2 -c{'/'.join(map(str, conn_counts))} -d{secs}s",
       "start_windows": f"{start_secs}s first, {start_fill}s fill, {start_secs}s steady",
       "load": load, "summary": summary, "start": start, "runs": rows}
os.makedirs("bench/results", exist_ok=True)
json.dump(out, open("bench/results/warm-path.json", "w"), indent=2)

lines = ["# Warm path", "",
         f"wrk -t2 -d{secs}s at -c{' and -c'.join(map(str, conn_counts))}, {os.cpu_count()} cores, best of 2 interleaved rounds "
         "per target (each round runs direct, gateway, nginx back to back at one connection count). Endpoints: health and "
         "record on PocketBase; static is nginx answering PocketBase's health JSON from memory, behind the same gateway "
         "classes in their own JVM (the gateway's own overhead). \"backend conns\" is how many connections the static "
         "backend accepted during the run (stub_status).", "",
         f"Machine load: 1-minute load average {load['load1_min']:.2f}–{load['load1_max']:.2f} as the runs began "
         f"(this benchmark's own wrk, proxies and PocketBase included); {load['runs_with_a_test_jvm']} of {load['runs']} runs "
         f"began while a Maven test JVM was running; waited {load['waited_s']} s for test JVMs before "
         f"{load['rounds_waited_for']} rounds, {load['rounds_measured_busy']} measured while one still ran.", "",
         "| endpoint | conns | target | req/s | p50 ms | p99 ms | p99.9 ms | errors | backend conns |",
         "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
for s in summary.values():
    for t in ("direct", "gateway", "nginx"):
        r = s[t]
        lines.append(f"| {s['endpoint']} | {s['connections']} | {t} | {r['rps']:.0f} | {ms(r['p50_us']):.2f} | {ms(r['p99_us']):.2f} | "
                     f"{ms(r['p999_us']):.2f} | {r['errors'] + r['non2xx']} | {r.get('backend_connects', '')} |")
lines += ["", "Against the targets (gateway/nginx ≥ 1.0 and gateway p99 ≤ nginx p99):", "",
          "| endpoint | conns | gateway/nginx req/s | gateway/direct req/s | gateway p99 ms | nginx p99 ms | both met |",
          "|---|---:|---:|---:|---:|---:|---|"]
for s in summary.values():
    g, n = s["gateway"], s["nginx"]
    met = s["gateway_over_nginx_rps"] >= 1.0 and g["p99_us"] <= n["p99_us"]
    lines.append(f"| {s['endpoint']} | {s['connections']} | {s['gateway_over_nginx_rps']:.2f} | {s['gateway_over_direct_rps']:.2f} | "
                 f"{ms(g['p99_us']):.2f} | {ms(n['p99_us']):.2f} | {'yes' if met else 'no'} |")
if start:
    lines += ["", f"## First {start_secs} s after start", "",
              f"Static backend. A fresh static-gateway JVM (default JVM options, as `./picobase up`) and a fresh nginx proxy, "
              f"loaded with wrk right after they answer: the first {start_secs} s window, {start_fill} s more of the same load, "
              f"then the steady {start_secs} s window. \"ready\" is from launch to the first answer (the gateway's READY line; "
              "nginx's first proxied answer). Gateway and nginx alternate within each round. Target: first/steady ≥ 0.9.", "",
              "| target | conns | round | ready ms | first req/s | first p99 ms | steady req/s | steady p99 ms | first/steady |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in start.values():
        for r in s["rounds"]:
            f, st = r["first"], r["steady"]
            lines.append(f"| {s['target']} | {s['connections']} | {r['round']} | {r['ready_ms']} | {f['rps']:.0f} | {ms(f['p99_us']):.2f} | "
                         f"{st['rps']:.0f} | {ms(st['p99_us']):.2f} | {r['first_over_steady_rps']:.2f} |")
open("bench/results/warm-path.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
