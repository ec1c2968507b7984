package dev.picobase.bench.jmh;

import dev.picobase.core.model.User;
import dev.picobase.core.secret.ApiKeySecret;
import dev.picobase.core.secret.Passwords;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqliteFileBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A real metadata store (SQLite file in a temporary directory, migrated as in production) with one
 * owner, to which instances with an API key each are added; for the JMH benchmarks and the static
 * gateway. {@link #close} closes the store and deletes the directory.
 */
public final class TenantStore implements AutoCloseable {
    /** An instance and the full API key created for it (shown once, as the control API does). */
    public record Tenant(String instanceId, String subdomain, String key, String publicId) {}

    private final Path dir;
    private final MetadataStore store;
    private final Passwords passwords;
    private final User owner;

    private TenantStore(Path dir, MetadataStore store, Passwords passwords, User owner) {
        this.dir = dir;
        this.store = store;
        this.passwords = passwords;
        this.owner = owner;
    }

    /** @param bcryptCost as {@code PICOBASE_BCRYPT_COST} (production default 10) */
    public static TenantStore create(int bcryptCost) {
        try {
            Path dir = Files.createTempDirectory("picobase-bench-store");
            MetadataStore store = MetadataStore.open(new SqliteFileBackend(dir.resolve("metadata.db")), Clock.systemUTC());
            User owner = store.createUser("Bench", "bench@example.com", "not-a-password-hash").orElseThrow();
            return new TenantStore(dir, store, new Passwords(bcryptCost), owner);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the metadata store", e);
        }
    }

    /** Creates instance {@code subdomain} with one API key. */
    public Tenant instanceWithKey(String subdomain) {
        String instanceId = store.createInstance(owner.id(), subdomain, subdomain).orElseThrow().id();
        ApiKeySecret key = ApiKeySecret.generate();
        store.createApiKey(instanceId, key.publicId(), "bench", passwords.hash(key.secret()), key.lastFour());
        return new Tenant(instanceId, subdomain, key.fullKey(), key.publicId());
    }

    public MetadataStore store() {
        return store;
    }

    public Passwords passwords() {
        return passwords;
    }

    @Override
    public void close() {
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
