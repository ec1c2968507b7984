package dev.picobase.core.store;

import dev.picobase.core.model.ApiKey;
import dev.picobase.core.model.Instance;
import dev.picobase.core.model.InstanceStatus;
import dev.picobase.core.model.Snapshot;
import dev.picobase.core.model.User;
import dev.picobase.core.secret.Tokens;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Accounts, sessions, instances and API keys, on either {@link SqlBackend}. Each method is one SQL
 * statement, atomic on its own; conflicts (a taken email or subdomain) come back as an empty
 * result rather than an exception, through {@code ON CONFLICT DO NOTHING RETURNING}.
 *
 * <p>Threading: every method blocks on the database (one HTTP round trip per call with libSQL).
 * Call only from a blocking executor, never from a Netty event loop. Safe for concurrent use.
 */
public final class MetadataStore implements AutoCloseable {
    private static final String INSTANCE_COLUMNS = "id, owner_id, name, subdomain, status, status_reason, "
            + "created_at, updated_at, last_activity_at, idle_timeout_seconds";
    private static final String KEY_COLUMNS = "id, instance_id, name, secret_hash, last_four, created_at, last_used_at";

    private final Sql sql;
    private final Clock clock;

    private MetadataStore(Sql sql, Clock clock) {
        this.sql = sql;
        this.clock = clock;
    }

    /** Opens the store and brings its schema up to date. */
    public static MetadataStore open(SqlBackend backend, Clock clock) {
        return open(backend, clock, Migrations.ALL);
    }

    /** Opens the store with a given migration set (tests use this to build an older schema). */
    public static MetadataStore open(SqlBackend backend, Clock clock, List<Migration> migrations) {
        Sql sql = new Sql(backend, 8);
        Migrations.apply(sql, migrations);
        return new MetadataStore(sql, clock);
    }

    /** Applies pending migrations; returns how many ran (0 when the schema is current). */
    public int migrate() {
        return Migrations.apply(sql, Migrations.ALL);
    }

    public int schemaVersion() {
        return Migrations.currentVersion(sql);
    }

    // ---- users and sessions -------------------------------------------------------------------

    /** The stored credentials of an account, for sign-in only. */
    public record Credentials(User user, String passwordHash) {}

    /** Creates an account; empty when the email is already registered. */
    public Optional<User> createUser(String name, String email, String passwordHash) {
        return sql.queryOne("INSERT INTO users (id, name, email, password_hash, created_at) VALUES (?, ?, ?, ?, ?) "
                        + "ON CONFLICT DO NOTHING RETURNING id, name, email, created_at",
                MetadataStore::user, "usr_" + Tokens.randomId(16), name, email, passwordHash, now());
    }

    public Optional<Credentials> findCredentials(String email) {
        return sql.queryOne("SELECT id, name, email, created_at, password_hash FROM users WHERE email = ?",
                rs -> new Credentials(user(rs), rs.getString("password_hash")), email);
    }

    public Optional<User> findUser(String id) {
        return sql.queryOne("SELECT id, name, email, created_at FROM users WHERE id = ?", MetadataStore::user, id);
    }

    public void createSession(String tokenHash, String userId, Instant expiresAt) {
        sql.execute("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                tokenHash, userId, now(), expiresAt);
    }

    /** The user of a session that exists and has not expired. */
    public Optional<User> findSessionUser(String tokenHash) {
        return sql.queryOne("SELECT u.id, u.name, u.email, u.created_at FROM sessions s "
                + "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?",
                MetadataStore::user, tokenHash, now());
    }

    public void deleteSession(String tokenHash) {
        sql.execute("DELETE FROM sessions WHERE token_hash = ?", tokenHash);
    }

    public void deleteExpiredSessions() {
        sql.execute("DELETE FROM sessions WHERE expires_at <= ?", now());
    }

    // ---- instances ------------------------------------------------------------------------------

    /** Creates a {@code stopped} instance; empty when the subdomain is taken. */
    public Optional<Instance> createInstance(String ownerId, String name, String subdomain) {
        Instant now = now();
        return sql.queryOne("INSERT INTO instances (id, owner_id, name, subdomain, status, created_at, updated_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING " + INSTANCE_COLUMNS,
                MetadataStore::instance, "ins_" + Tokens.randomId(16), ownerId, name, subdomain,
                InstanceStatus.STOPPED.wireName(), now, now);
    }

    public List<Instance> listInstances(String ownerId) {
        return sql.query("SELECT " + INSTANCE_COLUMNS + " FROM instances WHERE owner_id = ? ORDER BY created_at, id",
                MetadataStore::instance, ownerId);
    }

    /** Every instance of every user: the gateway's route table is built from this. */
    public List<Instance> listAllInstances() {
        return sql.query("SELECT " + INSTANCE_COLUMNS + " FROM instances ORDER BY id", MetadataStore::instance);
    }

    public Optional<Instance> findInstance(String id) {
        return sql.queryOne("SELECT " + INSTANCE_COLUMNS + " FROM instances WHERE id = ?", MetadataStore::instance, id);
    }

    public Optional<Instance> findInstanceBySubdomain(String subdomain) {
        return sql.queryOne("SELECT " + INSTANCE_COLUMNS + " FROM instances WHERE subdomain = ?",
                MetadataStore::instance, subdomain);
    }

    /**
     * Moves an instance to {@code to} if its status is one of {@code from}, atomically; empty when it
     * was in another status (or is gone). {@code reason} is kept for {@code failed}, cleared otherwise.
     */
    public Optional<Instance> transition(String id, Set<InstanceStatus> from, InstanceStatus to, String reason) {
        String allowed = from.stream().map(s -> "'" + s.wireName() + "'").collect(Collectors.joining(", "));
        return sql.queryOne("UPDATE instances SET status = ?, status_reason = ?, updated_at = ? "
                        + "WHERE id = ? AND status IN (" + allowed + ") RETURNING " + INSTANCE_COLUMNS,
                MetadataStore::instance, to.wireName(), reason, now(), id);
    }

    /** Renames the instance and/or sets its idle timeout ({@code null} seconds: the platform default). */
    public Optional<Instance> updateInstance(String id, String name, Long idleTimeoutSeconds, boolean setIdle) {
        return sql.queryOne("UPDATE instances SET name = COALESCE(?, name), "
                        + "idle_timeout_seconds = CASE WHEN ? = 1 THEN ? ELSE idle_timeout_seconds END, updated_at = ? "
                        + "WHERE id = ? RETURNING " + INSTANCE_COLUMNS,
                MetadataStore::instance, name, setIdle ? 1 : 0, idleTimeoutSeconds, now(), id);
    }

    public void recordActivity(String id, Instant at) {
        sql.execute("UPDATE instances SET last_activity_at = ? WHERE id = ? "
                + "AND (last_activity_at IS NULL OR last_activity_at < ?)", at, id, at);
    }

    /** Deletes an instance and (by trigger, in the same statement) its keys; false if it did not exist. */
    public boolean deleteInstance(String id) {
        return sql.queryOne("DELETE FROM instances WHERE id = ? RETURNING id", rs -> true, id).isPresent();
    }

    // ---- API keys -------------------------------------------------------------------------------

    public ApiKey createApiKey(String instanceId, String publicId, String name, String secretHash, String lastFour) {
        return createApiKey(instanceId, publicId, name, secretHash, lastFour, Integer.MAX_VALUE).orElseThrow();
    }

    /**
     * Creates a key unless the instance already has {@code maxPerInstance}: one statement, so
     * concurrent creations cannot pass the cap together. Empty when the cap is reached.
     */
    public Optional<ApiKey> createApiKey(String instanceId, String publicId, String name, String secretHash,
                                         String lastFour, int maxPerInstance) {
        return sql.queryOne("INSERT INTO api_keys (id, instance_id, name, secret_hash, last_four, created_at) "
                        + "SELECT ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM api_keys WHERE instance_id = ?) < ? "
                        + "RETURNING " + KEY_COLUMNS,
                MetadataStore::apiKey, publicId, instanceId, name, secretHash, lastFour, now(), instanceId,
                maxPerInstance);
    }

    public List<ApiKey> listApiKeys(String instanceId) {
        return sql.query("SELECT " + KEY_COLUMNS + " FROM api_keys WHERE instance_id = ? ORDER BY created_at, id",
                MetadataStore::apiKey, instanceId);
    }

    /** Looks a key up by its public id: one primary-key read, no scan. */
    public Optional<ApiKey> findApiKey(String publicId) {
        return sql.queryOne("SELECT " + KEY_COLUMNS + " FROM api_keys WHERE id = ?", MetadataStore::apiKey, publicId);
    }

    public boolean deleteApiKey(String instanceId, String keyId) {
        return sql.queryOne("DELETE FROM api_keys WHERE id = ? AND instance_id = ? RETURNING id", rs -> true,
                keyId, instanceId).isPresent();
    }

    public void recordKeyUse(String keyId, Instant at) {
        sql.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ? "
                + "AND (last_used_at IS NULL OR last_used_at < ?)", at, keyId, at);
    }

    // ---- snapshots ------------------------------------------------------------------------------

    private static final String SNAPSHOT_COLUMNS = "id, instance_id, object_key, sha256, size_bytes, created_at";

    /** Records a snapshot whose upload completed and was verified; does not yet make it current. */
    public void insertSnapshot(Snapshot s) {
        sql.execute("INSERT INTO snapshots (" + SNAPSHOT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?)",
                s.id(), s.instanceId(), s.objectKey(), s.sha256(), s.sizeBytes(), s.createdAt());
    }

    /** Makes {@code snapshotId} the instance's current snapshot (one statement: the pointer swap). */
    public void pointToSnapshot(String instanceId, String snapshotId) {
        sql.execute("UPDATE instances SET latest_snapshot_id = ? WHERE id = ?", snapshotId, instanceId);
    }

    /** The instance's current snapshot, if it has one. */
    public Optional<Snapshot> latestSnapshot(String instanceId) {
        return sql.queryOne("SELECT s.id, s.instance_id, s.object_key, s.sha256, s.size_bytes, s.created_at "
                + "FROM instances i JOIN snapshots s ON s.id = i.latest_snapshot_id WHERE i.id = ?",
                MetadataStore::snapshot, instanceId);
    }

    /** The instance's snapshots, newest first. */
    public List<Snapshot> listSnapshots(String instanceId) {
        return sql.query("SELECT " + SNAPSHOT_COLUMNS + " FROM snapshots WHERE instance_id = ? "
                + "ORDER BY created_at DESC, id DESC", MetadataStore::snapshot, instanceId);
    }

    public void deleteSnapshot(String snapshotId) {
        sql.execute("DELETE FROM snapshots WHERE id = ?", snapshotId);
    }

    // ---- mapping --------------------------------------------------------------------------------

    private Instant now() {
        return clock.instant();
    }

    private static User user(ResultSet rs) throws SQLException {
        return new User(rs.getString("id"), rs.getString("name"), rs.getString("email"),
                Instant.ofEpochMilli(rs.getLong("created_at")));
    }

    private static Instance instance(ResultSet rs) throws SQLException {
        return new Instance(rs.getString("id"), rs.getString("owner_id"), rs.getString("name"),
                rs.getString("subdomain"), InstanceStatus.fromWire(rs.getString("status")),
                Sql.text(rs, "status_reason"),
                Instant.ofEpochMilli(rs.getLong("created_at")), Instant.ofEpochMilli(rs.getLong("updated_at")),
                Sql.instant(rs, "last_activity_at"), idleTimeout(rs));
    }

    private static Optional<Duration> idleTimeout(ResultSet rs) throws SQLException {
        long seconds = rs.getLong("idle_timeout_seconds");
        return rs.wasNull() || seconds <= 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
    }

    private static Snapshot snapshot(ResultSet rs) throws SQLException {
        return new Snapshot(rs.getString("id"), rs.getString("instance_id"), rs.getString("object_key"),
                rs.getString("sha256"), rs.getLong("size_bytes"), Instant.ofEpochMilli(rs.getLong("created_at")));
    }

    private static ApiKey apiKey(ResultSet rs) throws SQLException {
        return new ApiKey(rs.getString("id"), rs.getString("instance_id"), rs.getString("name"),
                rs.getString("secret_hash"), rs.getString("last_four"),
                Instant.ofEpochMilli(rs.getLong("created_at")), Sql.instant(rs, "last_used_at"));
    }

    @Override
    public void close() {
        sql.close();
    }
}
