#!/usr/bin/env bash
# Key-check benchmark, two parts:
#  - JMH: the cost of ApiKeyVerifier.verify per request (cached valid key, malformed key, unknown and
#    wrong-secret keys, each distinct as in a flood) and of route lookup with 10,000 tenants;
#  - flood: valid-key throughput on /api/health through the gateway (wrk -t1 -c50) alone, while a
#    second wrk sends a different invalid key every request (unthrottled, and paced at ~2,000 req/s),
#    and, as the control, while the second wrk sends the same load with the valid key. The bcrypt
#    counter is scraped around each run.
# Prints the tables and writes bench/results/key-checks.{json,md}.
#   bench/scripts/key-checks.sh [seconds per run, default 8] [all|jmh|flood, default all]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/scripts/lib.sh
SECS=${1:-8}
PART=${2:-all}
CONNS=50                            # valid load, and the unthrottled second wrk
PACED_CONNS=20; PACED_DELAY_MS=8    # paced second wrk: 20 connections x one request per ~8 ms + latency ≈ 2,000 req/s
bench_require wrk curl python3
bench_init

if [ "$PART" != flood ]; then
  echo "JMH: 10 benchmarks, one fork each (about 2 minutes)..." >&2
  java -jar "$BENCH_JAR" jmh -rf json -rff "$WORK/jmh.json" dev.picobase.bench.jmh > "$WORK/jmh.log" 2>&1 &
  BENCH_PIDS+=($!)
  wait $! || { echo "bench: JMH failed:" >&2; tail -30 "$WORK/jmh.log" >&2; exit 1; }
  bench_forget $!
fi

RESULTS="$WORK/flood.jsonl"
: > "$RESULTS"
if [ "$PART" != jmh ]; then
  platform_start
  platform_instance bench
  curl -sf -H "Host: bench.localhost" -H "apikey: $KEY" "$G/api/health" >/dev/null # wakes the instance
  VALID=(-t1 -c"$CONNS" -H "Host: bench.localhost" -H "apikey: $KEY" "$G/api/health")
  echo "warming up the gateway for ${SECS}s..." >&2
  wrk_run warmup "$REPORT_LUA" -d"${SECS}s" "${VALID[@]}" >/dev/null

  # scenario NAME [MODE CONNECTIONS DELAY_MS]: the valid load for SECS, alone or with a second wrk
  # (MODE invalid or valid) running from a second before to a second after it.
  scenario() {
    local name=$1 bcrypt misses busy flood
    bcrypt=$(metric picobase_apikey_bcrypt_checks_total)
    misses=$(metric picobase_apikey_cache_misses_total)
    busy=$(metric picobase_gateway_requests_total 'status="5xx"')
    if [ $# -gt 1 ]; then
      wrk_run "flood-$name" bench/scripts/keys.lua -t1 -c"$3" -d"$((SECS + 2))s" "$G/api/health" \
        -- "$2" bench.localhost "$KEY" "$4" > "$WORK/flood.json" &
      flood=$!
      BENCH_PIDS+=($flood)
      sleep 1
    fi
    wrk_run "valid-$name" "$REPORT_LUA" -d"${SECS}s" "${VALID[@]}" >> "$RESULTS"
    if [ -n "${flood:-}" ]; then
      wait "$flood"
      bench_forget "$flood"
      cat "$WORK/flood.json" >> "$RESULTS"
    fi
    echo "{\"run\":\"metrics-$name\",\"bcrypt_checks\":$(($(metric picobase_apikey_bcrypt_checks_total) - bcrypt)),\
\"key_lookups\":$(($(metric picobase_apikey_cache_misses_total) - misses)),\
\"gateway_5xx\":$(($(metric picobase_gateway_requests_total 'status="5xx"') - busy))}" >> "$RESULTS"
  }
  for round in 1 2; do
    echo "round $round of 2: 5 runs of ${SECS}s..." >&2
    scenario "alone-$round"
    scenario "invalid-flood-$round" invalid "$CONNS" 0
    scenario "valid-control-$round" valid "$CONNS" 0
    scenario "invalid-paced-$round" invalid "$PACED_CONNS" "$PACED_DELAY_MS"
    scenario "valid-paced-$round" valid "$PACED_CONNS" "$PACED_DELAY_MS"
  done
fi

python3 - "$WORK/jmh.json" "$RESULTS" "$SECS" "$CONNS" "$PACED_CONNS" "$PACED_DELAY_MS" <<'PY'
import json, sys, datetime, os
jmh_file, flood_file, secs, conns, paced_conns, paced_delay = sys.argv[1:]
jmh = json.load(open(jmh_file)) if os.path.exists(jmh_file) else []
rows = [json.loads(l) for l in open(flood_file) if l.strip()]
by_run = {r["run"]: r for r in rows}
out = {"benchmark": "key-checks", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
       "machine": f"{os.cpu_count()} cores", "jmh": [], "flood": [], "findings": [], "runs": rows}
md = ["# Key checks", ""]

if jmh:
    md += [f"JMH {jmh[0]['jmhVersion']}, {jmh[0]['vmName']} {jmh[0]['jdkVersion']}, one fork, "
           f"{jmh[0]['warmupIterations']} x {jmh[0]['warmupTime']} warm-up, {jmh[0]['measurementIterations']} x "
           f"{jmh[0]['measurementTime']} measured, average time per call on one thread.", "",
           "| benchmark | ns/op | ± error (99.9 %) |", "|---|---:|---:|"]
    for b in jmh:
        name = b["benchmark"].replace("dev.picobase.bench.jmh.", "")
        if b.get("params"):
            name += " (" + ", ".join(f"{k}={v}" for k, v in b["params"].items()) + ")"
        m = b["primaryMetric"]
        out["jmh"].append({"benchmark": name, "ns_per_op": m["score"], "error": m["scoreError"], "raw": m["rawData"]})
        md.append(f"| {name} | {m['score']:,.0f} | {m['scoreError']:,.0f} |")
    md.append("")

scenarios = ["alone", "invalid-flood", "valid-control", "invalid-paced", "valid-paced"]
if rows:
    def best(s):  # the round with the higher valid throughput, with its own flood and counters
        rounds = [by_run[k] for k in by_run if k.startswith(f"valid-{s}-")]
        v = max(rounds, key=lambda r: r["rps"])
        rnd = v["run"].rsplit("-", 1)[1]
        return v, by_run.get(f"flood-{s}-{rnd}"), by_run[f"metrics-{s}-{rnd}"]
    alone = best("alone")[0]["rps"]
    md += [f"Valid load: wrk -t1 -c{conns} -d{secs}s, valid key, /api/health through the gateway. Second wrk "
           f"(-t1): unthrottled -c{conns}, or paced -c{paced_conns} with {paced_delay} ms between a connection's "
           "requests; invalid = a different invalid key each request (malformed / unknown public id / real public "
           "id with a wrong secret, in turn), valid = the valid key (the control). Better of 2 interleaved rounds.", "",
           "| scenario | valid req/s | valid p99 ms | valid errors | second wrk req/s | valid vs alone | "
           "bcrypt checks | key lookups | gateway 5xx |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in scenarios:
        v, f, m = best(s)
        change = 100 * (v["rps"] / alone - 1)  # negative: valid throughput dropped
        row = {"scenario": s, "valid_rps": v["rps"], "valid_p99_us": v["p99_us"], "valid_errors": v["errors"] + v["non2xx"],
               "second_rps": f["rps"] if f else None, "change_pct": round(change, 1), **{k: m[k] for k in m if k != "run"}}
        out["flood"].append(row)
        md.append(f"| {s} | {v['rps']:.0f} | {v['p99_us']/1000:.2f} | {row['valid_errors']} | "
                  f"{f['rps'] if f else 0:.0f} | {'' if s == 'alone' else f'{change:+.1f} %'} | {m['bcrypt_checks']} | "
                  f"{m['key_lookups']} | {m['gateway_5xx']} |")
    flood = {r["scenario"]: r for r in out["flood"]}
    for kind, label in (("flood", "unthrottled"), ("paced", "paced")):
        inv, ctl = flood["invalid-" + kind], flood["valid-" + ("control" if kind == "flood" else "paced")]
        verdict = "met" if inv["change_pct"] >= -10 else "missed"
        out["findings"].append(
            f"{label} invalid-key flood ({inv['second_rps']:.0f} req/s): valid throughput {inv['change_pct']:+.1f} % "
            f"vs alone (target: at most 10 % lower: {verdict}), valid p99 {inv['valid_p99_us']/1000:.1f} ms; the same "
            f"second wrk with the valid key ({ctl['second_rps']:.0f} req/s): {ctl['change_pct']:+.1f} %, valid p99 "
            f"{ctl['valid_p99_us']/1000:.1f} ms.")
    total_bcrypt = sum(r["bcrypt_checks"] for r in rows if r["run"].startswith("metrics-invalid"))
    out["findings"].append(f"bcrypt checks during all invalid floods: {total_bcrypt} (the verifier allows 20 per "
                           "public id per minute; only the real public id gets that far).")
    md += [""] + [f"- {f}" for f in out["findings"]]

os.makedirs("bench/results", exist_ok=True)
json.dump(out, open("bench/results/key-checks.json", "w"), indent=2)
open("bench/results/key-checks.md", "w").write("\n".join(md) + "\n")
print("\n".join(md))
PY
