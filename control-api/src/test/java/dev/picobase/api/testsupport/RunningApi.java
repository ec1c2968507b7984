package dev.picobase.api.testsupport;

import dev.picobase.api.ControlApiServer;
import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqlBackend;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The real control API on a free port, on the chosen metadata back end, with data under a test's
 * temporary directory. Sign-in rate limits are relaxed unless a test sets them, so suites that sign
 * in many times do not trip them by accident.
 */
public final class RunningApi implements AutoCloseable {
    private final MetadataStore store;
    private final ControlApiServer server;
    private final PicoBaseConfig config;
    private final List<String> revokedKeys = new CopyOnWriteArrayList<>();

    private RunningApi(PicoBaseConfig config, Clock clock) throws InterruptedException {
        this.config = config;
        this.store = MetadataStore.open(SqlBackend.of(config.metadata()), clock);
        this.server = ControlApiServer.start(config, store, clock, revokedKeys::add);
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
        env.putAll(extra);
        try {
            return new RunningApi(PicoBaseConfig.fromMap(env), clock);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public ApiClient client() {
        return new ApiClient("http://127.0.0.1:" + server.port());
    }

    public int port() {
        return server.port();
    }

    public MetadataStore store() {
        return store;
    }

    public PicoBaseConfig config() {
        return config;
    }

    /** Ids of keys the API reported as revoked (what the gateway's cache would be told). */
    public List<String> revokedKeys() {
        return revokedKeys;
    }

    @Override
    public void close() {
        server.close();
        store.close();
    }
}
