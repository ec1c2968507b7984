package dev.picobase.api.testsupport;

import dev.picobase.api.Platform;
import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.testsupport.StoreKind;
import dev.picobase.testsupport.Tools;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The real platform — control API and gateway, with real PocketBase processes — on free ports, on
 * the chosen metadata back end, with data under a test's temporary directory. Sign-in rate limits
 * are relaxed unless a test sets them, so suites that sign in many times do not trip them.
 */
public final class RunningApi implements AutoCloseable {
    private final Platform platform;
    private final PicoBaseConfig config;

    private RunningApi(PicoBaseConfig config, Clock clock) throws InterruptedException {
        this.config = config;
        this.platform = Platform.start(config, clock);
    }

    public static RunningApi start(StoreKind kind, Path dataDir) {
        return start(kind, dataDir, Map.of(), Clock.systemUTC());
    }

    public static RunningApi start(StoreKind kind, Path dataDir, Map<String, String> extra, Clock clock) {
        Map<String, String> env = new HashMap<>(kind.environment(dataDir));
        env.put("PICOBASE_API_PORT", "0");
        env.put("PICOBASE_GATEWAY_PORT", "0");
        env.put("PICOBASE_MANAGEMENT_PORT", "0");
        env.put("PICOBASE_BIND_ADDRESS", "127.0.0.1");
        env.put("PICOBASE_SIGNIN_RATE_PER_ADDRESS", "100000");
        // A short gateway warm-up: its path runs in every test, without the seconds a full one takes.
        env.put("PICOBASE_GATEWAY_WARMUP_REQUESTS", "300");
        env.put("POCKETBASE_BINARY_PATH", Tools.pocketbase().toString());
        env.put("INSTANCES_BASE_PORT", Integer.toString(20000 + (int) (ProcessHandle.current().pid() % 20000)));
        env.putAll(extra);
        try {
            return new RunningApi(PicoBaseConfig.fromMap(env), clock);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public ApiClient client() {
        return new ApiClient("http://127.0.0.1:" + platform.apiPort());
    }

    /** Where the platform keeps its local state ({@code instances/<id>/pb_data}, ...). */
    public Path dataDir() {
        return config.dataDir();
    }

    public int port() {
        return platform.apiPort();
    }

    public int gatewayPort() {
        return platform.gatewayPort();
    }

    /** The management port ({@code /metrics}, {@code /health}), bound on loopback. */
    public int managementPort() {
        return platform.managementPort();
    }

    /** One scrape of the platform's {@code /metrics}. */
    public MetricsText scrapeMetrics() {
        return MetricsText.scrape(platform.managementPort());
    }

    public Platform platform() {
        return platform;
    }

    public MetadataStore store() {
        return platform.store();
    }

    public PicoBaseConfig config() {
        return config;
    }

    /**
     * Whether the gateway's key check accepts {@code fullKey} right now. The verdict is cached after
     * the first check, so asking before and after a deletion shows whether the control API told the
     * gateway's cache (a revoked key must be refused at once, not after the cache rechecks).
     */
    public boolean gatewayAccepts(String fullKey) {
        try {
            return platform.keys().verify(fullKey, "127.0.0.1").get(10, TimeUnit.SECONDS).valid();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("key check failed", e);
        }
    }

    @Override
    public void close() {
        platform.close();
    }
}
