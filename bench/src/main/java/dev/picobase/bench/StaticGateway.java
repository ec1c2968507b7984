package dev.picobase.bench;

import dev.picobase.api.metrics.PlatformMetrics;
import dev.picobase.bench.jmh.TenantStore;
import dev.picobase.config.GatewayConfig;
import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.io.DaemonThreads;
import dev.picobase.core.store.UsageRecorder;
import dev.picobase.proxy.Backends;
import dev.picobase.proxy.Gateway;
import dev.picobase.proxy.RateLimits;
import dev.picobase.proxy.keys.ApiKeyVerifier;
import dev.picobase.proxy.routing.HostNames;
import dev.picobase.proxy.routing.RouteTable;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The production gateway in front of a backend of the caller's choice, so that the gateway's own
 * overhead can be measured apart from PocketBase's:
 * {@code static-gateway --backend=127.0.0.1:PORT [--port=N] [--warmup=REQUESTS]} (by default the
 * production default warm-up, {@code PICOBASE_GATEWAY_WARMUP_REQUESTS}).
 *
 * <p>Wired as {@code Platform} wires it — {@link Gateway#builder()} with {@link RouteTable},
 * {@link ApiKeyVerifier} (bounded two-thread key-check pool, one-second recheck, last-use recording),
 * {@link PlatformMetrics} and the gateway settings' production defaults with two event-loop threads (and,
 * as the benchmark scripts start the platform, no per-address connection cap) —
 * over a real SQLite metadata store in a temporary directory holding one instance, {@code static},
 * with one API key. Only the instance lifecycle is left out: {@link Backends} always answers with
 * the given address.
 *
 * <p>Prints {@code READY port=<port> key=<key>} once listening and runs until killed; a shutdown
 * hook stops the gateway and deletes the store.
 */
public final class StaticGateway {
    private StaticGateway() {}

    public static void run(Bench.Options options) throws InterruptedException {
        InetSocketAddress backend = address(options.text("backend", ""));
        // As the benchmarks run the platform: every load generator's connection comes from 127.0.0.1.
        PicoBaseConfig config = PicoBaseConfig.fromMap(Map.of("PICOBASE_GATEWAY_IO_THREADS", "2",
                "PICOBASE_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", "1000000", "PICOBASE_GATEWAY_WARMUP_REQUESTS",
                Integer.toString(options.integer("warmup", GatewayConfig.DEFAULT_WARMUP_REQUESTS))));

        TenantStore tenants = TenantStore.create(config.auth().bcryptCost());
        TenantStore.Tenant tenant = tenants.instanceWithKey("static");
        ThreadPoolExecutor keyChecks = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(10_000), DaemonThreads.named("key-checks"));
        RouteTable routes = new RouteTable(tenants.store(), keyChecks, Duration.ofSeconds(2));
        routes.loadAll();
        UsageRecorder usage = new UsageRecorder(tenants.store(), Clock.systemUTC());
        ApiKeyVerifier keys = new ApiKeyVerifier(tenants.store(), tenants.passwords(), keyChecks,
                Duration.ofSeconds(1), usage::keyUsed);
        Backends backends = new Backends() {
            private final CompletableFuture<Target> target = CompletableFuture.completedFuture(new Target(backend, null));

            @Override
            public CompletableFuture<Target> targetFor(String instanceId) {
                usage.instanceActive(instanceId);
                return target;
            }

            @Override
            public void exchangeEnded(String instanceId, long bytesIn, long bytesOut) {
                usage.exchange(instanceId, bytesIn, bytesOut); // as the platform's backends count usage
            }
        };
        PlatformMetrics metrics = new PlatformMetrics();
        Gateway gateway = Gateway.builder()
                .config(config.gateway()).hosts(new HostNames(config.baseDomain())).routes(routes).keys(keys)
                .backends(backends).secureCookies(config.auth().secureCookies())
                .rateLimits(new RateLimits(config.gateway().rateLimitDefault())).metrics(metrics)
                .start("127.0.0.1", options.integer("port", 0));
        ScheduledExecutorService usageFlush = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("usage-flush"));
        usageFlush.scheduleWithFixedDelay(usage::flush, 2, 2, TimeUnit.SECONDS);

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.shutdown(Duration.ofSeconds(1));
            usageFlush.shutdownNow();
            keyChecks.shutdownNow();
            tenants.close();
        }, "static-gateway-shutdown"));
        System.out.println("READY port=" + gateway.port() + " key=" + tenant.key());
        System.out.flush();
        Thread.currentThread().join(); // until killed
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--backend=HOST:PORT is required, got '" + hostPort + "'");
        }
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
