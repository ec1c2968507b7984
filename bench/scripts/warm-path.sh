#!/usr/bin/env bash
# Warm-path benchmark: the same PocketBase endpoints hit with wrk directly, through the PicoBase gateway
# (with a valid API key) and through nginx configured as a reverse proxy with upstream keep-alive,
# interleaved in one run; plus the same three ways to a trivial static backend (nginx answering from
# memory, through the production gateway classes in their own JVM) so the gateway's own overhead shows
# apart from PocketBase's. Prints a table and writes bench/results/warm-path.{json,md}.
#   bench/scripts/warm-path.sh [seconds per run, default 8] [connections, default 50]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/scripts/lib.sh
SECS=${1:-8}
CONNS=${2:-50}
bench_require wrk nginx curl python3
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

NGX=$(free_port); STATIC=$(free_port); NGX_STATIC=$(free_port)
nginx_start "$(nginx_proxy pocketbase "$NGX" "127.0.0.1:$PB")
$(nginx_static "$STATIC")
$(nginx_proxy static "$NGX_STATIC" "127.0.0.1:$STATIC")"
static_gateway_start "127.0.0.1:$STATIC"

run() { wrk_run "$1" "$REPORT_LUA" -t2 -c"$CONNS" -d"${SECS}s" "${@:2}"; }
echo "warming up the JVMs (platform gateway, static gateway) for ${SECS}s each..." >&2
run warmup "$G/api/health" -H "Host: bench.localhost" -H "apikey: $KEY" >/dev/null
run warmup "$SGW/api/health" -H "Host: static.localhost" -H "apikey: $SGW_KEY" >/dev/null

RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
for endpoint in "/api/health" "/api/collections/posts/records/$REC"; do
  short=$([ "$endpoint" = /api/health ] && echo health || echo record)
  for round in 1 2; do
    run "direct-$short-$round" "http://127.0.0.1:$PB$endpoint" >> "$RESULTS"
    run "gateway-$short-$round" "$G$endpoint" -H "Host: bench.localhost" -H "apikey: $KEY" >> "$RESULTS"
    run "nginx-$short-$round" "http://127.0.0.1:$NGX$endpoint" -H "Host: bench.localhost" >> "$RESULTS"
  done
done
for round in 1 2; do
  run "direct-static-$round" "http://127.0.0.1:$STATIC/api/health" >> "$RESULTS"
  run "gateway-static-$round" "$SGW/api/health" -H "Host: static.localhost" -H "apikey: $SGW_KEY" >> "$RESULTS"
  run "nginx-static-$round" "http://127.0.0.1:$NGX_STATIC/api/health" -H "Host: static.localhost" >> "$RESULTS"
done

python3 - "$RESULTS" "$SECS" "$CONNS" <<'PY'
import json, sys, datetime, os
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
secs, conns = sys.argv[2], sys.argv[3]
def best(prefix):
    rs = [r for r in rows if r["run"].startswith(prefix + "-")]
    return max(rs, key=lambda r: r["rps"])
summary = {}
for ep in ("health", "record", "static"):
    d, g, n = best(f"direct-{ep}"), best(f"gateway-{ep}"), best(f"nginx-{ep}")
    summary[ep] = {"direct": d, "gateway": g, "nginx": n,
                   "gateway_over_direct_rps": round(g["rps"] / d["rps"], 3),
                   "gateway_over_nginx_rps": round(g["rps"] / n["rps"], 3),
                   "gateway_added_p99_us": g["p99_us"] - d["p99_us"]}
out = {"benchmark": "warm-path", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
       "machine": f"{os.cpu_count()} cores", "wrk": f"-t2 -c{conns} -d{secs}s", "runs": rows, "summary": summary}
os.makedirs("bench/results", exist_ok=True)
json.dump(out, open("bench/results/warm-path.json", "w"), indent=2)
lines = ["# Warm path", "", f"wrk -t2 -c{conns} -d{secs}s, {os.cpu_count()} cores, best of 2 interleaved rounds per target. "
         "Endpoints: health and record on PocketBase; static is nginx answering PocketBase's health JSON from memory, "
         "behind the same gateway classes in their own JVM (the gateway's own overhead).", "",
         "| endpoint | target | req/s | p50 ms | p99 ms | p99.9 ms | errors |", "|---|---|---:|---:|---:|---:|---:|"]
for ep, s in summary.items():
    for t in ("direct", "gateway", "nginx"):
        r = s[t]
        lines.append(f"| {ep} | {t} | {r['rps']:.0f} | {r['p50_us']/1000:.2f} | {r['p99_us']/1000:.2f} | {r['p999_us']/1000:.2f} | {r['errors'] + r['non2xx']} |")
lines.append("")
for ep, s in summary.items():
    lines.append(f"- {ep}: gateway/direct {s['gateway_over_direct_rps']:.2f}, gateway/nginx {s['gateway_over_nginx_rps']:.2f}, "
                 f"added p99 {s['gateway_added_p99_us']/1000:.2f} ms")
open("bench/results/warm-path.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
