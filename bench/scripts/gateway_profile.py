"""Summarises bench/scripts/profile-gateway.sh's runs and JFR recordings into
bench/results/gateway-profile.{json,md}; run by that script, not by hand:
    gateway_profile.py PART RUNS_JSONL WORK_DIR SECONDS LOADS
PART (all, profile or gc) says which results are new; the other part's are kept from the JSON file;
any other PART (e.g. notes, with RUNS_JSONL /dev/null) only writes the summary again from the JSON file."""
import collections
import datetime
import json
import os
import sys

PART, RUNS, WORK, SECS, LOADS = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], [int(c) for c in sys.argv[5].split()]
OUT = "bench/results/gateway-profile"
TOP = 20

# The component a sample's time belongs to: the frame nearest the leaf whose class matches one of these
# prefixes (first match in this order for that frame); frames of shared utilities (collections, buffers,
# header maps, strings) match none, so their time goes to the component that called them.
COMPONENTS = [
    ("key check", ("dev.picobase.proxy.keys.",)),
    ("metrics", ("dev.picobase.api.metrics.", "dev.picobase.proxy.GatewayMetrics", "io.prometheus.")),
    ("usage recording", ("dev.picobase.core.store.UsageRecorder",)),
    ("rate limits", ("dev.picobase.proxy.RateLimits",)),
    ("routing and admission", ("dev.picobase.proxy.routing.", "dev.picobase.proxy.internal.Admission",
                               "dev.picobase.proxy.internal.RequestRules", "dev.picobase.proxy.TrustedProxies",
                               "dev.picobase.proxy.internal.Peer",
                               "dev.picobase.proxy.ConnectionLimiter", "dev.picobase.proxy.AddressBuckets")),
    ("request and response rewrite (ForwardedRequest/Response)", ("dev.picobase.proxy.internal.ForwardedRequest",
                                                                  "dev.picobase.proxy.internal.ForwardedResponse")),
    ("backend pool and connect", ("dev.picobase.proxy.internal.BackendPool", "io.netty.bootstrap.",
                                  "io.netty.channel.epoll.AbstractEpollStreamChannel$EpollStreamUnsafe.connect",
                                  "io.netty.channel.ChannelInitializer")),
    ("exchange logic (FrontendHandler, Exchange, Forwarding, BackendHandler, Tunnel)", ("dev.picobase.proxy.",)),
    ("HTTP encode", ("io.netty.handler.codec.http.HttpObjectEncoder", "io.netty.handler.codec.http.HttpServerCodec$HttpServerResponseEncoder",
                     "io.netty.handler.codec.http.HttpClientCodec$Encoder", "io.netty.handler.codec.http.HttpRequestEncoder",
                     "io.netty.handler.codec.http.HttpResponseEncoder", "io.netty.handler.codec.MessageToMessageEncoder",
                     "io.netty.handler.codec.http.HttpHeadersEncoder")),
    ("HTTP decode", ("io.netty.handler.codec.http.HttpObjectDecoder", "io.netty.handler.codec.http.HttpServerCodec$HttpServerRequestDecoder",
                     "io.netty.handler.codec.http.HttpClientCodec$Decoder", "io.netty.handler.codec.http.HttpRequestDecoder",
                     "io.netty.handler.codec.http.HttpResponseDecoder", "io.netty.handler.codec.ByteToMessageDecoder",
                     "io.netty.handler.codec.http.HttpUtil")),
    ("timers (schedule/cancel)", ("io.netty.util.concurrent.AbstractScheduledEventExecutor", "io.netty.util.concurrent.ScheduledFutureTask",
                                  "io.netty.util.internal.DefaultPriorityQueue", "io.netty.handler.timeout.")),
    ("epoll transport", ("io.netty.channel.epoll.", "io.netty.channel.unix.")),
    ("netty pipeline and channel", ("io.netty.channel.",)),
    ("netty event loop and tasks", ("io.netty.util.concurrent.",)),
    ("buffers and allocator", ("io.netty.buffer.",)),
    ("logging", ("org.slf4j.", "ch.qos.logback.")),
    ("SQLite / JDBC", ("org.sqlite.", "java.sql.")),
]


def frame_class(f):
    return f["method"]["type"]["name"].replace("/", ".")


def frame_name(f):
    return frame_class(f) + "." + f["method"]["name"]


def component(frames):
    for f in frames:  # leaf first
        name = frame_name(f)
        for label, prefixes in COMPONENTS:
            if name.startswith(prefixes):
                return label
    return "other (" + (".".join(frame_class(frames[0]).split(".")[:2]) if frames else "no stack") + ")"


def events(path):
    if not os.path.exists(path):
        return []
    return json.load(open(path))["recording"]["events"]


def thread_group(thread):
    name = (thread or {}).get("javaName") or (thread or {}).get("osName") or "?"
    return name.rstrip("0123456789-") or name


def stacks(evs, thread_key):
    for e in evs:
        v = e["values"]
        st = v.get("stackTrace") or {}
        yield v, st.get("frames") or [], st.get("truncated", False), thread_group(v.get(thread_key))


def top(counter, total, n=TOP):
    return [{"name": k, "samples": c, "share": round(c / total, 4)} for k, c in counter.most_common(n)] if total else []


def cpu_profile(path):
    self_, total_, short, comp, threads = (collections.Counter() for _ in range(5))
    comp_io = collections.Counter()
    n = truncated = 0
    for v, frames, trunc, group in stacks(events(path), "sampledThread"):
        if not frames:
            continue
        n += 1
        truncated += trunc
        threads[group] += 1
        self_[frame_name(frames[0])] += 1
        for name in {frame_name(f) for f in frames}:
            total_[name] += 1
        short[" ← ".join(frame_name(f) for f in frames[:4])] += 1
        c = component(frames)
        comp[c] += 1
        if group.startswith("gateway-io"):
            comp_io[c] += 1
    return {"samples": n, "truncated_stacks": truncated, "threads": top(threads, n, 10),
            "self": top(self_, n), "total": top(total_, n), "stacks": top(short, n, 15),
            "components": top(comp, n, 30), "components_event_loops": top(comp_io, sum(comp_io.values()), 30)}


def native_profile(path):
    self_, threads = collections.Counter(), collections.Counter()
    n = 0
    for v, frames, _, group in stacks(events(path), "sampledThread"):
        if frames:
            n += 1
            threads[group] += 1
            self_[frame_name(frames[0])] += 1
    return {"samples": n, "threads": top(threads, n, 10), "self": top(self_, n, 10)}


def allocation_profile(path, stats_path, requests):
    sites, classes, comp = collections.Counter(), collections.Counter(), collections.Counter()
    weight = 0
    for v, frames, _, _ in stacks(events(path), "eventThread"):
        w = v.get("weight") or 0
        weight += w
        cls = ((v.get("objectClass") or {}).get("name") or "?").replace("/", ".")
        classes[cls] += w
        if frames:
            sites[frame_name(frames[0]) + " (" + cls + ")"] += w
            comp[component(frames)] += w
    per_thread = collections.defaultdict(list)
    for e in events(stats_path):
        per_thread[thread_group(e["values"].get("thread"))].append(e["values"]["allocated"])
    # ThreadAllocationStatistics is emitted at the recording's start and end: per thread, the difference.
    allocated = {g: max(v) - min(v) for g, v in per_thread.items() if len(v) > 1}
    io_bytes = sum(b for g, b in allocated.items() if g.startswith("gateway-io"))
    all_bytes = sum(allocated.values())

    def share(counter):
        return [{"name": k, "bytes": b, "share": round(b / weight, 4)} for k, b in counter.most_common(TOP)] if weight else []
    return {"sampled_weight_bytes": weight, "sites": share(sites), "classes": share(classes), "components": share(comp),
            "allocated_bytes_by_thread": allocated, "bytes_per_request_event_loops": round(io_bytes / requests) if requests else None,
            "bytes_per_request_all_threads": round(all_bytes / requests) if requests else None}


rows = [json.loads(l) for l in open(RUNS) if l.strip()]
by_run = {r["run"]: r for r in rows}
previous = json.load(open(OUT + ".json")) if os.path.exists(OUT + ".json") else {}
out = {"benchmark": "gateway-profile", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
       "machine": f"{os.cpu_count()} cores", "wrk": f"-t2 -c{'/'.join(map(str, LOADS))} -d{SECS}s",
       "profile": previous.get("profile"), "gc": previous.get("gc")}


def load_note(runs, quiet):
    measured = [r for r in runs if "rps" in r]
    return {"load1_min": min(r["load1"] for r in measured), "load1_max": max(r["load1"] for r in measured),
            "runs": len(measured), "runs_with_a_test_jvm": sum(r["surefire"] for r in measured),
            "waited_s": sum(q["waited_s"] for q in quiet), "rounds_measured_busy": sum(q["still_busy"] for q in quiet)}


THREAD_KINDS = [("event loops", ("gateway-io",)), ("JIT compiler", ("C1 CompilerThre", "C2 CompilerThre")),
                ("GC", ("GC Thread", "G1 ", "Z", "VM Thread")), ("JFR", ("JFR",)), ("key checks", ("key-checks",))]


def thread_kind(name):
    for kind, prefixes in THREAD_KINDS:
        if name.startswith(prefixes):
            return kind
    return "other"


def per_request(r):
    out = {"cpu_us_per_request": round(r["cpu_us"] / r["requests"], 1) if r["requests"] else None}
    if r.get("threads_after") and r["requests"]:  # a JVM: its CPU per kind of thread
        kinds = collections.Counter()
        for name, ticks in r["threads_after"].items():
            kinds[thread_kind(name)] += ticks - r["threads_before"].get(name, 0)
        out["cpu_us_per_request_by_thread"] = {k: round(t * r["tick_us"] / r["requests"], 1) for k, t in kinds.most_common()}
    return out


if PART in ("all", "profile"):
    profile = {"loads": {}, "load": load_note([r for r in rows if r["run"].startswith("profile-")],
                                               [r for r in rows if r["run"].startswith("quiet-profile")])}
    for c in LOADS:
        g, n = by_run[f"profile-gateway-c{c}"], by_run[f"profile-nginx-c{c}"]
        base = f"{WORK}/c{c}."
        profile["loads"][str(c)] = {
            "gateway": {**g, **per_request(g)}, "nginx": {**n, **per_request(n)},
            "cpu": cpu_profile(base + "jdk.ExecutionSample.json"),
            "native": native_profile(base + "jdk.NativeMethodSample.json"),
            "allocation": allocation_profile(base + "jdk.ObjectAllocationSample.json",
                                             base + "jdk.ThreadAllocationStatistics.json", g["requests"])}
    out["profile"] = profile

if PART in ("all", "gc"):
    settings = by_run["gc-settings"]
    gc = {"heap_bytes": settings["heap_bytes"], "options": {k: settings[k] for k in ("g1", "parallel", "zgc")},
          "load": load_note([r for r in rows if r["run"].startswith("gc-")], [r for r in rows if r["run"].startswith("quiet-gc")]),
          "rows": []}
    for c in LOADS:
        for t in ("g1", "parallel", "zgc", "nginx"):
            rounds = [r for r in rows if r["run"].startswith(f"gc-{t}-c{c}-")]
            b = max(rounds, key=lambda r: r["rps"])
            row = {"target": t, "connections": c, "rps": b["rps"], "p50_us": b["p50_us"], "p99_us": b["p99_us"],
                   "p999_us": b["p999_us"], "errors": b["errors"] + b["non2xx"], "rounds_rps": [r["rps"] for r in rounds],
                   "rounds_p99_us": [r["p99_us"] for r in rounds], **per_request(b), "backend_connects": b["backend_connects"],
                   "load1": b["load1"], "surefire": b["surefire"]}
            if b.get("gc_after"):
                ga, gb = b["gc_after"], b["gc_before"]
                num = lambda d, k: float(d.get(k, "0").replace("-", "0") or 0)
                row["gc_events"] = int(sum(num(ga, k) - num(gb, k) for k in ("YGC", "FGC", "CGC")))
                row["gc_time_ms"] = round(1000 * (num(ga, "GCT") - num(gb, "GCT")), 1)
            gc["rows"].append(row)
    out["gc"] = gc

if PART not in ("all", "profile", "gc"):  # only the summary again (e.g. after the notes changed)
    out = previous
os.makedirs("bench/results", exist_ok=True)
json.dump(out, open(OUT + ".json", "w"), indent=2)

# ---- the summary
ms = lambda us: us / 1000
L = ["# Gateway profile", "",
     "The proxy-only cost: `picobase-bench.jar static-gateway` (the production gateway classes, 2 event loops) in front of "
     "nginx answering PocketBase's health JSON from memory, `wrk -t2` on `/api/health` with the valid key, and nginx "
     "(2 workers, upstream keep-alive 64) as a reverse proxy to the same backend for comparison. `bench/scripts/profile-gateway.sh`; "
     f"{out['machine']}, {out['wrk']}. CPU µs/request is the proxy process's CPU time (all its threads; nginx: its workers) "
     "over the requests wrk completed. Backend connects: connections the backend accepted during the run (stub_status).", ""]


def load_line(note):
    return (f"Machine load: 1-minute load average {note['load1_min']:.2f}–{note['load1_max']:.2f} as the runs began "
            f"(this benchmark's own load included); {note['runs_with_a_test_jvm']} of {note['runs']} runs began while a Maven test "
            f"JVM was running; waited {note['waited_s']} s for test JVMs, {note['rounds_measured_busy']} rounds measured while one still ran.")


p = out.get("profile")
if p:
    L += ["## Profile (JFR, settings=profile)", "", load_line(p["load"]), "",
          "| load | target | req/s | p99 ms | CPU µs/request | backend connects | backend conns established mid-run | TIME_WAIT toward backend before → after | alloc bytes/request (event loops / all threads) |",
          "|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for c, d in p["loads"].items():
        for t in ("gateway", "nginx"):
            r = d[t]
            alloc = (f"{d['allocation']['bytes_per_request_event_loops']} / {d['allocation']['bytes_per_request_all_threads']}"
                     if t == "gateway" else "")
            L.append(f"| {c} | {t} | {r['rps']:.0f} | {ms(r['p99_us']):.2f} | {r['cpu_us_per_request']} | {r['backend_connects']} | "
                     f"{r['backend_established_midrun']} | {r['backend_time_wait_before']} → {r['backend_time_wait_after']} | {alloc} |")
    L += ["", "The gateway JVM's CPU per request by kind of thread (µs; /proc per thread; GC includes the VM thread):", ""]
    for c, d in p["loads"].items():
        by = d["gateway"].get("cpu_us_per_request_by_thread")
        if by:
            L.append(f"- -c{c}: " + ", ".join(f"{k} {v}" for k, v in by.items()))
    L.append("")
    for c, d in p["loads"].items():
        cpu = d["cpu"]
        L += [f"### -c{c}: Java CPU samples ({cpu['samples']}, {cpu['truncated_stacks']} truncated stacks)", "",
              "Threads: " + ", ".join(f"{t['name']} {t['share']:.1%}" for t in cpu["threads"]), "",
              "Components (each sample goes to the component of the frame nearest the leaf; event-loop threads only):", "",
              "| component | share |", "|---|---:|"]
        L += [f"| {x['name']} | {x['share']:.1%} |" for x in cpu["components_event_loops"]]
        L += ["", "| # | top frame (self) | self | frame anywhere on the stack (total) | total |", "|---:|---|---:|---|---:|"]
        for i in range(TOP):
            s = cpu["self"][i] if i < len(cpu["self"]) else {"name": "", "share": 0}
            t = cpu["total"][i] if i < len(cpu["total"]) else {"name": "", "share": 0}
            L.append(f"| {i + 1} | `{s['name']}` | {s['share']:.1%} | `{t['name']}` | {t['share']:.1%} |")
        L += ["", "Most frequent stacks (4 frames, leaf first):", "", "| stack | share |", "|---|---:|"]
        L += [f"| `{x['name']}` | {x['share']:.1%} |" for x in cpu["stacks"]]
        nat = d["native"]
        L += ["", f"Threads in native code ({nat['samples']} samples; `epollWait` is an event loop waiting, not CPU): "
              + ", ".join(f"`{x['name']}` {x['share']:.1%}" for x in nat["self"][:8]), ""]
        a = d["allocation"]
        L += [f"Allocation (jdk.ObjectAllocationSample, by sampled weight; {a['bytes_per_request_event_loops']} bytes per request "
              f"on the event loops, {a['bytes_per_request_all_threads']} on all threads, from jdk.ThreadAllocationStatistics):", "",
              "| allocation site (top frame, class) | share |", "|---|---:|"]
        L += [f"| `{x['name']}` | {x['share']:.1%} |" for x in a["sites"][:15]]
        L += ["", "By component: " + ", ".join(f"{x['name']} {x['share']:.1%}" for x in a["components"][:10]), ""]

g = out.get("gc")
if g:
    L += ["## Garbage collectors", "",
          f"Three static-gateway JVMs at once, interleaved round by round with nginx, best of 2 rounds: G1 as `./picobase up` "
          f"runs it (no JVM options: G1, maximum heap a quarter of memory, {g['heap_bytes'] / 2**30:.1f} GiB here), "
          f"`{g['options']['parallel']}`, `{g['options']['zgc']}`. GC events and time from `jstat -gc` around the best run.", "",
          load_line(g["load"]), "",
          "| load | target | req/s | p50 ms | p99 ms | p99.9 ms | rounds req/s | rounds p99 ms | CPU µs/request | of it GC threads | GC events | GC time ms | errors |",
          "|---:|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|"]
    for r in g["rows"]:
        L.append(f"| {r['connections']} | {r['target']} | {r['rps']:.0f} | {ms(r['p50_us']):.2f} | {ms(r['p99_us']):.2f} | "
                 f"{ms(r['p999_us']):.2f} | {' / '.join(f'{x:.0f}' for x in r['rounds_rps'])} | "
                 f"{' / '.join(f'{ms(x):.1f}' for x in r['rounds_p99_us'])} | {r['cpu_us_per_request']} | "
                 f"{r.get('cpu_us_per_request_by_thread', {}).get('GC', '')} | "
                 f"{r.get('gc_events', '')} | {r.get('gc_time_ms', '')} | {r['errors']} |")
    L.append("")

notes = "bench/results/gateway-profile-notes.md"
if os.path.exists(notes):  # the reading of these figures, written by hand after a run
    L += [open(notes).read().rstrip(), ""]
open(OUT + ".md", "w").write("\n".join(L) + "\n")
print("\n".join(L))
