package dev.picobase.bench.jmh;

import dev.picobase.core.io.DaemonThreads;
import dev.picobase.core.secret.Tokens;
import dev.picobase.proxy.routing.HostNames;
import dev.picobase.proxy.routing.RouteTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The route lookup on the gateway's path with many tenants: {@link HostNames#subdomain} (Host header
 * to subdomain) and {@link RouteTable#resolve} (subdomain to instance id), with {@code tenants}
 * instances registered as the control API registers a new one ({@link RouteTable#put}; loading them
 * from the store at start fills the same map, but 10,000 inserts would cost each fork many seconds).
 * Lookups visit the tenants in a shuffled order, so consecutive lookups do not hit the same entry.
 * The store behind the table is real (SQLite, empty): an unknown subdomain is looked up there.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class RouteBenchmark {
    @Param("10000")
    public int tenants;

    private TenantStore store;
    private ExecutorService blocking;
    private RouteTable routes;
    private HostNames hosts;
    private String[] subdomains;
    private String[] hostHeaders;
    private int next;

    @Setup
    public void setUp() {
        store = TenantStore.create(10);
        blocking = Executors.newFixedThreadPool(2, DaemonThreads.named("route-lookups"));
        routes = new RouteTable(store.store(), blocking, Duration.ofSeconds(2));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < tenants; i++) {
            names.add("tenant-" + i);
            routes.put("tenant-" + i, "ins_" + Tokens.randomId(16));
        }
        Collections.shuffle(names, new Random(42));
        subdomains = names.toArray(String[]::new);
        hostHeaders = names.stream().map(n -> n + ".localhost:8080").toArray(String[]::new);
        hosts = new HostNames("localhost");
        routes.resolve("no-such-tenant").join(); // remembered as unknown for two seconds
    }

    @TearDown
    public void tearDown() {
        blocking.shutdownNow();
        store.close();
    }

    private int nextIndex() {
        int i = next;
        next = i + 1 == subdomains.length ? 0 : i + 1;
        return i;
    }

    @Benchmark
    public Optional<String> hostSubdomain() {
        return hosts.subdomain(hostHeaders[nextIndex()]);
    }

    @Benchmark
    public Optional<String> resolveKnown() {
        return routes.resolve(subdomains[nextIndex()]).join();
    }

    /** An unknown subdomain: answered from the negative cache (one store read per two seconds). */
    @Benchmark
    public Optional<String> resolveUnknown() {
        return routes.resolve("no-such-tenant").join();
    }
}
