package dev.picobase.proxy.internal;

import dev.picobase.core.io.DaemonThreads;
import dev.picobase.core.model.Instance;
import dev.picobase.core.model.User;
import dev.picobase.core.secret.ApiKeySecret;
import dev.picobase.core.secret.Passwords;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqliteFileBackend;
import dev.picobase.proxy.Backends;
import dev.picobase.proxy.ClusterHop;
import dev.picobase.proxy.RateLimits;
import dev.picobase.proxy.keys.ApiKeyVerifier;
import dev.picobase.proxy.routing.HostNames;
import dev.picobase.proxy.routing.RouteTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * The warm-up's own tenant, so that its requests are admitted as a client's are — by an {@link Admission}
 * over a {@link RouteTable} and an {@link ApiKeyVerifier} of the gateway's own classes, with a valid key
 * whose verdict is cached after its first check — without any of them touching the platform's routes,
 * keys or database: one account, one instance ({@code warmup}) and one key in a throwaway SQLite store
 * in a temporary directory, deleted on {@link #close}.
 *
 * <p>Threading: built and closed by the gateway's start; its admission runs on event loops.
 */
final class WarmupTenant implements AutoCloseable {
    static final String SUBDOMAIN = "warmup";

    private final Path dir;
    private final ExecutorService blocking = Executors.newSingleThreadExecutor(DaemonThreads.named("warmup-keys"));
    private final MetadataStore store;
    private final Admission admission;
    private final String key;

    /** The tenant, its requests admitted under {@code hosts}' base domain and sent to {@code backends}. */
    WarmupTenant(HostNames hosts, Backends backends) {
        try {
            dir = Files.createTempDirectory("picobase-warmup");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the warm-up's directory", e);
        }
        try {
            store = MetadataStore.openScratch(new SqliteFileBackend(dir.resolve("metadata.db")), Clock.systemUTC());
            Passwords passwords = new Passwords(4); // its hash is checked once; the verdict is cached after
            User owner = store.createUser("Warm-up", "warmup@picobase.invalid", "-").orElseThrow();
            Instance instance = store.createInstance(owner.id(), "Warm-up", SUBDOMAIN).orElseThrow();
            ApiKeySecret secret = ApiKeySecret.generate();
            store.createApiKey(instance.id(), secret.publicId(), "warm-up", passwords.hash(secret.secret()),
                    secret.lastFour());
            key = secret.fullKey();
            RouteTable routes = new RouteTable(store, blocking, Duration.ofSeconds(5));
            routes.loadAll();
            ApiKeyVerifier keys = new ApiKeyVerifier(store, passwords, blocking, Duration.ofSeconds(1));
            admission = new Admission(hosts, routes, keys, backends, false, ClusterHop.OFF, RateLimits.NONE);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    Admission admission() {
        return admission;
    }

    /** The instance's valid API key. */
    String key() {
        return key;
    }

    @Override
    public void close() {
        blocking.shutdownNow();
        if (store != null) {
            store.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
