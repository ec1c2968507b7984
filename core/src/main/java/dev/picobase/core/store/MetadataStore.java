package dev.picobase.core.store;

import dev.picobase.core.model.ApiKey;
import dev.picobase.config.RateLimit;
import dev.picobase.core.model.Instance;
import dev.picobase.core.model.InstanceOverview;
import dev.picobase.core.model.InstanceStatus;
import dev.picobase.core.model.Invitation;
import dev.picobase.core.model.Lease;
import dev.picobase.core.model.Node;
import dev.picobase.core.model.Snapshot;
import dev.picobase.core.model.SnapshotReason;
import dev.picobase.core.model.StoredSecret;
import dev.picobase.core.model.TakenLease;
import dev.picobase.core.model.User;
import dev.picobase.core.secret.Tokens;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Accounts, sessions, instances and API keys, on either {@link SqlBackend}. Each method is one SQL
 * statement, atomic on its own; conflicts (a taken email or subdomain) come back as an empty
 * result rather than an exception, through {@code ON CONFLICT DO NOTHING RETURNING}.
 *
 * <p>Cluster mode adds nodes and instance leases. Their times come from the database's clock
 * ({@link #DB_NOW}), never from a node's, because nodes' clocks disagree and a lease is only as good
 * as the one clock every node reads. Each lease method is still one statement: the libSQL server
 * runs every statement on its own, and on Turso far away each one is a round trip.
 *
 * <p>Threading: every method blocks on the database (one HTTP round trip per call with libSQL).
 * Call only from a blocking executor, never from a Netty event loop. Safe for concurrent use.
 */
public final class MetadataStore implements AutoCloseable {
    private static final String INSTANCE_COLUMNS = "id, owner_id, name, subdomain, status, status_reason, "
            + "created_at, updated_at, last_activity_at, idle_timeout_seconds, rate_limit_per_minute, "
            + "rate_limit_per_address";
    /** {@link #INSTANCE_COLUMNS} of the table aliased {@code i}, named as usual, for joins. */
    private static final String INSTANCE_COLUMNS_OF_I = INSTANCE_COLUMNS.replaceAll("(\\w+)", "i.$1 AS $1");
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

    /**
     * A throwaway store (the gateway's warm-up tenant): as {@link #open(SqlBackend, Clock)}, without
     * logging the schema's creation, which is not the operator's database.
     */
    public static MetadataStore openScratch(SqlBackend backend, Clock clock) {
        Sql sql = new Sql(backend, 2);
        Migrations.apply(sql, Migrations.ALL, false);
        return new MetadataStore(sql, clock);
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

    /**
     * The user of a session that exists and has not expired. A suspended account has none: its
     * sessions are deleted when it is suspended, and one issued at that very moment is not honoured.
     */
    public Optional<User> findSessionUser(String tokenHash) {
        return sql.queryOne("SELECT u.id, u.name, u.email, u.created_at FROM sessions s "
                + "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ? "
                + "AND u.suspended_at IS NULL",
                MetadataStore::user, tokenHash, now());
    }

    public void deleteSession(String tokenHash) {
        sql.execute("DELETE FROM sessions WHERE token_hash = ?", tokenHash);
    }

    /** A signed-in session as its owner sees it: an id derived from its token's hash, never the token. */
    public record SessionInfo(String id, Instant createdAt, Instant expiresAt, String tokenHash) {}

    /** The user's live sessions, newest first. */
    public List<SessionInfo> listSessions(String userId) {
        return sql.query("SELECT token_hash, created_at, expires_at FROM sessions WHERE user_id = ? AND expires_at > ? "
                        + "ORDER BY created_at DESC, token_hash",
                rs -> new SessionInfo("ses_" + rs.getString("token_hash").substring(0, 16),
                        Instant.ofEpochMilli(rs.getLong("created_at")), Instant.ofEpochMilli(rs.getLong("expires_at")),
                        rs.getString("token_hash")), userId, now());
    }

    /** Ends every session of the user but the one whose token hashes to {@code keepTokenHash}; returns how many. */
    public int deleteOtherSessions(String userId, String keepTokenHash) {
        return sql.query("DELETE FROM sessions WHERE user_id = ? AND token_hash <> ? RETURNING token_hash",
                rs -> 1, userId, keepTokenHash).size();
    }

    /** Replaces the account's password hash; false when the account is gone. */
    public boolean updatePassword(String userId, String passwordHash) {
        return sql.queryOne("UPDATE users SET password_hash = ? WHERE id = ? RETURNING id", rs -> true, passwordHash,
                userId).isPresent();
    }

    /**
     * Deletes the account and its sessions; false when it did not exist. Its instances must be deleted
     * first (their data lives in object storage and on this node's disk, which the lifecycle removes).
     */
    public boolean deleteUser(String userId) {
        sql.execute("DELETE FROM sessions WHERE user_id = ?", userId);
        return sql.queryOne("DELETE FROM users WHERE id = ? RETURNING id", rs -> true, userId).isPresent();
    }

    public void deleteExpiredSessions() {
        sql.execute("DELETE FROM sessions WHERE expires_at <= ?", now());
    }

    /** One line of the operators' account listing: the account, when it was suspended, how many instances it has. */
    public record AccountOverview(User user, Optional<Instant> suspendedAt, int instances) {}

    /** Every account with its instance count, oldest first: one statement (a correlated count per row). */
    public List<AccountOverview> listAccountOverviews() {
        return sql.query(ACCOUNT_OVERVIEW + "ORDER BY u.created_at, u.id", MetadataStore::accountOverview);
    }

    public Optional<AccountOverview> findAccountOverview(String userId) {
        return sql.queryOne(ACCOUNT_OVERVIEW + "WHERE u.id = ?", MetadataStore::accountOverview, userId);
    }

    private static final String ACCOUNT_OVERVIEW = "SELECT u.id, u.name, u.email, u.created_at, u.suspended_at, "
            + "(SELECT count(*) FROM instances i WHERE i.owner_id = u.id) AS instances FROM users u ";

    private static AccountOverview accountOverview(ResultSet rs) throws SQLException {
        return new AccountOverview(user(rs), Sql.instant(rs, "suspended_at"), rs.getInt("instances"));
    }

    /**
     * Suspends the account and ends its sessions (two statements: a session issued between them is
     * refused anyway, {@link #findSessionUser}); false when it does not exist or is suspended already.
     * The update's trigger logs its keys for the other nodes of a cluster (migration 11).
     */
    public boolean suspendUser(String userId) {
        boolean suspended = sql.queryOne("UPDATE users SET suspended_at = ? WHERE id = ? AND suspended_at IS NULL "
                + "RETURNING id", rs -> true, now(), userId).isPresent();
        sql.execute("DELETE FROM sessions WHERE user_id = ?", userId);
        return suspended;
    }

    /** Lifts a suspension; false when the account does not exist or is not suspended. */
    public boolean reactivateUser(String userId) {
        return sql.queryOne("UPDATE users SET suspended_at = NULL WHERE id = ? AND suspended_at IS NOT NULL "
                + "RETURNING id", rs -> true, userId).isPresent();
    }

    /** Whether the account is suspended (false for an account that does not exist). */
    public boolean isSuspended(String userId) {
        return sql.queryOne("SELECT suspended_at IS NOT NULL AS suspended FROM users WHERE id = ?",
                rs -> rs.getLong("suspended") != 0, userId).orElse(false);
    }

    /** The ids of every API key of every instance of the account. */
    public List<String> listApiKeyIdsOfUser(String userId) {
        return sql.query("SELECT k.id FROM api_keys k JOIN instances i ON i.id = k.instance_id WHERE i.owner_id = ? "
                + "ORDER BY k.id", rs -> rs.getString("id"), userId);
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

    /**
     * How many instances are in each status, every status present (0 when none): one
     * {@code GROUP BY} statement that returns at most one row per status, whatever the number of
     * instances, so a metrics scrape costs the same with ten tenants or ten thousand.
     */
    public Map<InstanceStatus, Long> countInstancesByStatus() {
        Map<InstanceStatus, Long> counts = new EnumMap<>(InstanceStatus.class);
        for (InstanceStatus status : InstanceStatus.values()) {
            counts.put(status, 0L);
        }
        for (Map.Entry<InstanceStatus, Long> row : sql.query("SELECT status, COUNT(*) AS n FROM instances GROUP BY status",
                rs -> Map.entry(InstanceStatus.fromWire(rs.getString("status")), rs.getLong("n")))) {
            counts.put(row.getKey(), row.getValue());
        }
        return counts;
    }

    /**
     * Every instance with its owner's email, its current snapshot and, in a cluster, the node holding
     * its live lease, by subdomain: the operators' listing in one statement (joins on primary keys),
     * not a read per instance, which with Turso far away would be a round trip each.
     */
    public List<InstanceOverview> listInstanceOverviews() {
        return sql.query("SELECT " + INSTANCE_COLUMNS_OF_I + ", u.email AS owner_email, "
                        + "s.id AS snapshot_id, s.size_bytes AS snapshot_bytes, s.created_at AS snapshot_at, "
                        + "l.node_id AS lease_node, i.failure_cause AS failure_cause FROM instances i "
                        + "LEFT JOIN users u ON u.id = i.owner_id "
                        + "LEFT JOIN snapshots s ON s.id = i.latest_snapshot_id "
                        + "LEFT JOIN leases l ON l.instance_id = i.id AND l.expires_at >= " + DB_NOW + " "
                        + "ORDER BY i.subdomain",
                rs -> {
                    boolean saved = Sql.text(rs, "snapshot_id").isPresent();
                    return new InstanceOverview(instance(rs), Sql.text(rs, "owner_email").orElse(""),
                            saved ? OptionalLong.of(rs.getLong("snapshot_bytes")) : OptionalLong.empty(),
                            saved ? Optional.of(Instant.ofEpochMilli(rs.getLong("snapshot_at"))) : Optional.empty(),
                            Sql.text(rs, "lease_node"), Sql.text(rs, "failure_cause"));
                });
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
        return transition(id, from, to, reason, null);
    }

    /**
     * {@link #transition}, also keeping {@code failureCause}: the whole cause of a failure, which only the
     * operators read ({@link #listInstanceOverviews}); like the reason, it is cleared by the next transition.
     */
    public Optional<Instance> transition(String id, Set<InstanceStatus> from, InstanceStatus to, String reason,
                                         String failureCause) {
        String allowed = from.stream().map(s -> "'" + s.wireName() + "'").collect(Collectors.joining(", "));
        return sql.queryOne("UPDATE instances SET status = ?, status_reason = ?, failure_cause = ?, updated_at = ? "
                        + "WHERE id = ? AND status IN (" + allowed + ") RETURNING " + INSTANCE_COLUMNS,
                MetadataStore::instance, to.wireName(), reason, failureCause, now(), id);
    }

    /** Renames the instance and/or sets its idle timeout ({@code null} seconds: the platform default). */
    public Optional<Instance> updateInstance(String id, String name, Long idleTimeoutSeconds, boolean setIdle) {
        return updateInstance(id, name, idleTimeoutSeconds, setIdle, Optional.empty(), false);
    }

    /**
     * As {@link #updateInstance(String, String, Long, boolean)}, and with {@code setRate} sets its rate
     * limit too ({@code rateLimit} empty: the platform default), in the same statement.
     */
    public Optional<Instance> updateInstance(String id, String name, Long idleTimeoutSeconds, boolean setIdle,
                                             Optional<RateLimit> rateLimit, boolean setRate) {
        return sql.queryOne("UPDATE instances SET name = COALESCE(?, name), "
                        + "idle_timeout_seconds = CASE WHEN ? = 1 THEN ? ELSE idle_timeout_seconds END, "
                        + "rate_limit_per_minute = CASE WHEN ? = 1 THEN ? ELSE rate_limit_per_minute END, "
                        + "rate_limit_per_address = CASE WHEN ? = 1 THEN ? ELSE rate_limit_per_address END, "
                        + "updated_at = ? WHERE id = ? RETURNING " + INSTANCE_COLUMNS,
                MetadataStore::instance, name, setIdle ? 1 : 0, idleTimeoutSeconds,
                setRate ? 1 : 0, rateLimit.map(RateLimit::requestsPerMinute).orElse(null),
                setRate ? 1 : 0, rateLimit.map(r -> r.perAddress() ? 1 : 0).orElse(0), now(), id);
    }

    /**
     * Adds one flush's counts to the instance's row for {@code day} (UTC, {@code YYYY-MM-DD}), creating
     * it; a {@code snapshotBytes} given replaces the day's. One statement: no transactions over sqld.
     */
    public void addUsage(String instanceId, String day, long requests, long bytesIn, long bytesOut, long awakeMillis,
                         long coldStarts, Long snapshotBytes) {
        sql.execute("INSERT INTO instance_usage (instance_id, day, requests, bytes_in, bytes_out, awake_ms, "
                        + "cold_starts, snapshot_bytes) SELECT ?, ?, ?, ?, ?, ?, ?, ? "
                        + "WHERE EXISTS (SELECT 1 FROM instances WHERE id = ?) "
                        + "ON CONFLICT (instance_id, day) DO UPDATE SET requests = requests + excluded.requests, "
                        + "bytes_in = bytes_in + excluded.bytes_in, bytes_out = bytes_out + excluded.bytes_out, "
                        + "awake_ms = awake_ms + excluded.awake_ms, cold_starts = cold_starts + excluded.cold_starts, "
                        + "snapshot_bytes = COALESCE(excluded.snapshot_bytes, snapshot_bytes)",
                instanceId, day, requests, bytesIn, bytesOut, awakeMillis, coldStarts, snapshotBytes, instanceId);
    }

    /** One instance's usage on one UTC day ({@code snapshotBytes} null: no snapshot saved that day). */
    public record DayUsage(String day, long requests, long bytesIn, long bytesOut, long awakeMillis, long coldStarts,
                           Long snapshotBytes) {}

    /** The instance's usage on the days from {@code fromDay} (inclusive, {@code YYYY-MM-DD}), oldest first. */
    public List<DayUsage> usage(String instanceId, String fromDay) {
        return sql.query("SELECT day, requests, bytes_in, bytes_out, awake_ms, cold_starts, snapshot_bytes "
                        + "FROM instance_usage WHERE instance_id = ? AND day >= ? ORDER BY day",
                rs -> {
                    long snap = rs.getLong("snapshot_bytes");
                    Long snapshot = rs.wasNull() ? null : snap;
                    return new DayUsage(rs.getString("day"), rs.getLong("requests"), rs.getLong("bytes_in"),
                            rs.getLong("bytes_out"), rs.getLong("awake_ms"), rs.getLong("cold_starts"), snapshot);
                }, instanceId, fromDay);
    }

    /** The size of the instance's latest snapshot saved before {@code day}, if any day recorded one. */
    public Optional<Long> snapshotBytesBefore(String instanceId, String day) {
        return sql.queryOne("SELECT snapshot_bytes FROM instance_usage WHERE instance_id = ? AND day < ? "
                + "AND snapshot_bytes IS NOT NULL ORDER BY day DESC LIMIT 1", rs -> rs.getLong("snapshot_bytes"),
                instanceId, day);
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

    /**
     * Looks a key up by its public id: primary-key reads, no scan. A key of a suspended account is not
     * found: the gateway refuses it as it refuses an unknown one, and wakes nothing for it.
     */
    public Optional<ApiKey> findApiKey(String publicId) {
        return sql.queryOne("SELECT " + KEY_COLUMNS + " FROM api_keys k WHERE id = ? AND NOT EXISTS (SELECT 1 "
                        + "FROM instances i JOIN users u ON u.id = i.owner_id "
                        + "WHERE i.id = k.instance_id AND u.suspended_at IS NOT NULL)",
                MetadataStore::apiKey, publicId);
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

    private static final String SNAPSHOT_COLUMNS =
            "id, instance_id, object_key, sha256, size_bytes, created_at, node_id, note, reason";

    /**
     * Records a snapshot whose upload completed and was verified; does not yet make it current. Its
     * provenance (node and note, see {@link Snapshot#withProvenance}) and reason are stored with it.
     */
    public void insertSnapshot(Snapshot s) {
        sql.execute("INSERT INTO snapshots (" + SNAPSHOT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                s.id(), s.instanceId(), s.objectKey(), s.sha256(), s.sizeBytes(), s.createdAt(),
                s.nodeId().orElse(null), s.note().orElse(null), s.reason().map(SnapshotReason::code).orElse(null));
    }

    /** Records a snapshot saved by {@code nodeId}; {@code note} (or null) says why it is not current. */
    public void insertSnapshot(Snapshot s, String nodeId, String note) {
        insertSnapshot(s.withProvenance(nodeId, note));
    }

    /**
     * Makes {@code snapshotId} the instance's current snapshot (one statement: the pointer swap),
     * unconditionally: for a single node, which holds no lease.
     */
    public void pointToSnapshot(String instanceId, String snapshotId) {
        sql.execute("UPDATE instances SET latest_snapshot_id = ? WHERE id = ?", snapshotId, instanceId);
    }

    /**
     * Makes {@code snapshotId} current only if {@code nodeId} still holds the instance's lease at
     * {@code epoch}; false (pointer untouched) otherwise. The lease need not be live: if it expired
     * and nobody took it since, this node's data is still the newest, and whoever takes the lease
     * next bumps the epoch before reading the pointer, so the move and the take are ordered by the
     * database either way. Fencing is by epoch, not by time.
     */
    public boolean pointToSnapshot(String instanceId, String snapshotId, String nodeId, long epoch) {
        return sql.queryOne("UPDATE instances SET latest_snapshot_id = ? WHERE id = ? AND EXISTS ("
                        + "SELECT 1 FROM leases WHERE instance_id = ? AND node_id = ? AND epoch = ?) RETURNING id",
                rs -> true, snapshotId, instanceId, instanceId, nodeId, epoch).isPresent();
    }

    /** The instance's current snapshot, if it has one. */
    public Optional<Snapshot> latestSnapshot(String instanceId) {
        return sql.queryOne("SELECT s.id, s.instance_id, s.object_key, s.sha256, s.size_bytes, s.created_at, "
                + "s.node_id, s.note, s.reason FROM instances i JOIN snapshots s ON s.id = i.latest_snapshot_id WHERE i.id = ?",
                MetadataStore::snapshot, instanceId);
    }

    /** The instance's snapshots, newest first. */
    public List<Snapshot> listSnapshots(String instanceId) {
        return sql.query("SELECT " + SNAPSHOT_COLUMNS + " FROM snapshots WHERE instance_id = ? "
                + "ORDER BY created_at DESC, id DESC", MetadataStore::snapshot, instanceId);
    }

    /** Records why a snapshot is not current (a backup a node saved after it lost the instance's lease). */
    public void noteSnapshot(String snapshotId, String note) {
        sql.execute("UPDATE snapshots SET note = ? WHERE id = ?", note, snapshotId);
    }

    public void deleteSnapshot(String snapshotId) {
        sql.execute("DELETE FROM snapshots WHERE id = ?", snapshotId);
    }

    // ---- cluster: nodes and leases ---------------------------------------------------------------

    /**
     * The database's clock in epoch milliseconds. SQLite evaluates {@code 'now'} once per statement,
     * so every use in one statement (the condition and the new expiry) sees the same instant.
     * {@code unixepoch('subsec')} needs SQLite 3.42: the embedded driver has 3.51, sqld 0.24 has 3.45.
     */
    static final String DB_NOW = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

    private static final String LEASE_COLUMNS = "instance_id, node_id, epoch, expires_at";

    private static final String NODE_COUNT_HELD = "(SELECT count(*) FROM leases l WHERE l.node_id = nodes.id "
            + "AND l.expires_at >= " + DB_NOW + ") AS instances_held";

    /**
     * Registers this node (again, after a restart: a new start time) with a heartbeat now; its
     * {@code address} is where other nodes reach its gateway, {@code apiAddress} its control API.
     */
    public Node registerNode(String nodeId, String address, String apiAddress) {
        return sql.queryOne("INSERT INTO nodes (id, address, api_address, started_at, heartbeat_at) VALUES (?, ?, ?, "
                        + DB_NOW + ", " + DB_NOW + ") ON CONFLICT (id) DO UPDATE SET address = excluded.address, "
                        + "api_address = excluded.api_address, "
                        + "started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at "
                        + "RETURNING id, address, api_address, started_at, heartbeat_at, 0 AS heartbeat_age, "
                        + NODE_COUNT_HELD,
                MetadataStore::node, nodeId, address, apiAddress).orElseThrow();
    }

    /** Records a heartbeat of the node; false when it is not registered (then register it again). */
    public boolean heartbeat(String nodeId) {
        return sql.queryOne("UPDATE nodes SET heartbeat_at = " + DB_NOW + " WHERE id = ? RETURNING id",
                rs -> true, nodeId).isPresent();
    }

    /** Removes a node from the listing (a drained node); its leases, if any, are left to expire. */
    public boolean deregisterNode(String nodeId) {
        return sql.queryOne("DELETE FROM nodes WHERE id = ? RETURNING id", rs -> true, nodeId).isPresent();
    }

    /** Every registered node with its heartbeat age and live leases, by the database's clock. */
    public List<Node> listNodes() {
        return sql.query("SELECT id, address, api_address, started_at, heartbeat_at, " + DB_NOW + " - heartbeat_at AS heartbeat_age, "
                + NODE_COUNT_HELD + " FROM nodes ORDER BY id", MetadataStore::node);
    }

    /** The live leases {@code nodeId} holds, by instance id. */
    public List<Lease> leasesHeldBy(String nodeId) {
        return sql.query("SELECT " + LEASE_COLUMNS + ", 1 AS live FROM leases WHERE node_id = ? AND expires_at >= "
                + DB_NOW + " ORDER BY instance_id", MetadataStore::lease, nodeId);
    }

    /**
     * Takes the instance's lease for {@code nodeId} until the database's now plus {@code ttl}, in one
     * conditional upsert: it succeeds if there is no lease yet (epoch 1), if the lease expired, or if
     * {@code nodeId} holds it already; the epoch goes up by one every time, also for the same node,
     * so a restarted node fences its previous incarnation (which may still be uploading). Empty when
     * another node holds a live lease, or when the instance does not exist (no orphan leases; an
     * instance deleted at the same moment is ordered by the database, and its trigger removes the
     * lease). The caller measures its own serving deadline from before it sent this statement.
     */
    public Optional<Lease> takeLease(String instanceId, String nodeId, Duration ttl) {
        return takeLeaseWithSnapshot(instanceId, nodeId, ttl).map(TakenLease::lease);
    }

    /**
     * {@link #takeLease}, also returning the instance's current snapshot as of the take: the whole
     * wake-up in one round trip. The snapshot comes from correlated subqueries in {@code RETURNING}
     * (one primary-key lookup each), evaluated in the same statement, so no pointer move can fall
     * between the take and the read.
     */
    public Optional<TakenLease> takeLeaseWithSnapshot(String instanceId, String nodeId, Duration ttl) {
        // In DO UPDATE, "leases." names the row as it was: a takeover is a lease of another node
        // that was not released, so it lapsed (marked -1 until the next take or release).
        return sql.queryOne("INSERT INTO leases (" + LEASE_COLUMNS + ", released) SELECT ?, ?, 1, " + DB_NOW
                        + " + ?, 0 WHERE EXISTS (SELECT 1 FROM instances WHERE id = ?) "
                        + "ON CONFLICT (instance_id) DO UPDATE SET node_id = excluded.node_id, "
                        + "epoch = leases.epoch + 1, expires_at = excluded.expires_at, "
                        + "released = CASE WHEN leases.node_id <> excluded.node_id AND leases.released <> 1 "
                        + "THEN -1 ELSE 0 END "
                        + "WHERE leases.expires_at < " + DB_NOW + " OR leases.node_id = excluded.node_id "
                        + "RETURNING " + LEASE_COLUMNS + ", 1 AS live, released = -1 AS taken_over, "
                        + "(SELECT i.idle_timeout_seconds FROM instances i WHERE i.id = leases.instance_id) "
                        + "AS idle_timeout_seconds, " + SECRETS_OF_LEASE + ", " + CURRENT_SNAPSHOT_OF_LEASE,
                rs -> new TakenLease(lease(rs), Sql.text(rs, "snapshot_id").isEmpty()
                        ? Optional.empty() : Optional.of(snapshot(rs, "snapshot_")), rs.getLong("taken_over") != 0,
                        idleTimeout(rs), secrets(Sql.text(rs, "secrets").orElse(""))),
                instanceId, nodeId, ttl.toMillis(), instanceId);
    }

    /**
     * The instance's secrets, for a statement on {@code leases}: one line per secret, its name, encrypted
     * value and time set separated by spaces. Neither a name ({@code [A-Z0-9_]}) nor an encrypted value
     * ({@code v1.} and base64) can hold a space or a line break; {@link #secrets} checks it anyway.
     */
    private static final String SECRETS_OF_LEASE = "(SELECT group_concat(s.name || ' ' || s.value_enc || ' ' || s.set_at, "
            + "char(10)) FROM instance_secrets s WHERE s.instance_id = leases.instance_id) AS secrets";

    private static List<StoredSecret> secrets(String lines) {
        List<StoredSecret> secrets = new ArrayList<>();
        for (String line : lines.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split(" ");
            if (parts.length != 3) {
                throw new StoreException("an instance secret is stored in an unexpected shape", null);
            }
            secrets.add(new StoredSecret(parts[0], parts[1], Instant.ofEpochMilli(Long.parseLong(parts[2]))));
        }
        return secrets;
    }

    /** The current snapshot's columns, as {@code snapshot_<column>}, for a statement on {@code leases}. */
    private static final String CURRENT_SNAPSHOT_OF_LEASE = java.util.Arrays.stream(SNAPSHOT_COLUMNS.split(", "))
            .map(c -> "(SELECT s." + c + " FROM instances i JOIN snapshots s ON s.id = i.latest_snapshot_id "
                    + "WHERE i.id = leases.instance_id) AS snapshot_" + c)
            .collect(Collectors.joining(", "));

    /**
     * Extends, in one statement, every lease in {@code epochs} (instance id to the epoch this node
     * took it at) that {@code nodeId} still holds at that epoch and that has not expired; returns
     * the ids renewed. A lease that expired is not renewed even if nobody took it yet: another node
     * may be taking it at this moment, and this node's own safety margin has already told it to stop.
     * The pairs travel as one JSON object parameter, so the statement text is the same for any count.
     */
    public Set<String> renewLeases(String nodeId, Map<String, Long> epochs, Duration ttl) {
        if (epochs.isEmpty()) {
            return Set.of();
        }
        return new LinkedHashSet<>(sql.query("UPDATE leases SET expires_at = " + DB_NOW + " + ? "
                        + "WHERE node_id = ? AND expires_at >= " + DB_NOW + " "
                        + "AND (instance_id, epoch) IN (SELECT key, value FROM json_each(?)) RETURNING instance_id",
                rs -> rs.getString("instance_id"), ttl.toMillis(), nodeId, jsonObject(epochs)));
    }

    /**
     * Gives the lease up if {@code nodeId} still holds it at {@code epoch}: it is marked expired, not
     * deleted, so the epoch keeps counting up and a late move by this holder at this epoch can never
     * match a later lease. False when the lease is no longer ours.
     */
    public boolean releaseLease(String instanceId, String nodeId, long epoch) {
        return sql.queryOne("UPDATE leases SET expires_at = MIN(expires_at, " + DB_NOW + " - 1), released = 1 "
                        + "WHERE instance_id = ? AND node_id = ? AND epoch = ? RETURNING instance_id",
                rs -> true, instanceId, nodeId, epoch).isPresent();
    }

    /** The instance's lease with the database's verdict on whether it is live now; empty if never taken. */
    public Optional<Lease> leaseOf(String instanceId) {
        return sql.queryOne("SELECT " + LEASE_COLUMNS + ", expires_at >= " + DB_NOW + " AS live FROM leases "
                + "WHERE instance_id = ?", MetadataStore::lease, instanceId);
    }

    /** A change another node must apply to its route table or key cache (see migration 6). */
    public record ClusterEvent(long id, String kind, String instanceId, String subdomain, String keyId) {}

    /** The newest event's id (0 if none): a node starts reading after it. */
    public long lastClusterEvent() {
        return sql.queryOne("SELECT COALESCE(MAX(id), 0) AS last FROM cluster_events", rs -> rs.getLong("last"))
                .orElse(0L);
    }

    /** Events after {@code afterId}, oldest first, at most {@code max}. */
    public List<ClusterEvent> clusterEventsAfter(long afterId, int max) {
        return sql.query("SELECT id, kind, instance_id, subdomain, key_id FROM cluster_events WHERE id > ? "
                + "ORDER BY id LIMIT ?", rs -> new ClusterEvent(rs.getLong("id"), rs.getString("kind"),
                rs.getString("instance_id"), rs.getString("subdomain"), rs.getString("key_id")), afterId, max);
    }

    /** Forgets events older than {@code age} by the database's clock; every node has read them long since. */
    public void pruneClusterEvents(Duration age) {
        sql.execute("DELETE FROM cluster_events WHERE at < " + DB_NOW + " - ?", age.toMillis());
    }

    /** {@code {"id":epoch,...}}; instance ids are our own tokens, but quotes and controls are escaped anyway. */
    private static String jsonObject(Map<String, Long> epochs) {
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, Long> e : epochs.entrySet()) {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append('"');
            for (char c : e.getKey().toCharArray()) {
                if (c == '"' || c == '\\') {
                    json.append('\\').append(c);
                } else if (c < 0x20) {
                    json.append(String.format("\\u%04x", (int) c));
                } else {
                    json.append(c);
                }
            }
            json.append("\":").append(e.getValue().longValue());
        }
        return json.append('}').toString();
    }

    // ---- instance secrets and deploy tokens ------------------------------------------------------

    /**
     * Sets the instance's secrets, adding or replacing each, unless it would then have more than
     * {@code maxPerInstance}; false (nothing set) past it.
     */
    public boolean putSecrets(String instanceId, Map<String, String> encrypted, int maxPerInstance) {
        List<String> names = List.copyOf(encrypted.keySet());
        long kept = listSecrets(instanceId).stream().filter(s -> !names.contains(s.name())).count();
        if (kept + names.size() > maxPerInstance) {
            return false;
        }
        Instant now = now();
        for (Map.Entry<String, String> e : encrypted.entrySet()) {
            sql.execute("INSERT INTO instance_secrets (instance_id, name, value_enc, set_at) VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT (instance_id, name) DO UPDATE SET value_enc = excluded.value_enc, "
                    + "set_at = excluded.set_at", instanceId, e.getKey(), e.getValue(), now);
        }
        return true;
    }

    public List<StoredSecret> listSecrets(String instanceId) {
        return sql.query("SELECT name, value_enc, set_at FROM instance_secrets WHERE instance_id = ? ORDER BY name",
                rs -> new StoredSecret(rs.getString("name"), rs.getString("value_enc"),
                        Instant.ofEpochMilli(rs.getLong("set_at"))), instanceId);
    }

    public boolean deleteSecret(String instanceId, String name) {
        return sql.queryOne("DELETE FROM instance_secrets WHERE instance_id = ? AND name = ? RETURNING name",
                rs -> true, instanceId, name).isPresent();
    }

    /** A deploy token as listed (its hash is never read back). */
    public record DeployToken(String id, String instanceId, String name, Instant createdAt, Optional<Instant> lastUsedAt) {}

    private static final String DEPLOY_TOKEN_COLUMNS = "id, instance_id, name, created_at, last_used_at";

    private static DeployToken deployToken(ResultSet rs) throws SQLException {
        return new DeployToken(rs.getString("id"), rs.getString("instance_id"), rs.getString("name"),
                Instant.ofEpochMilli(rs.getLong("created_at")), Sql.instant(rs, "last_used_at"));
    }

    public DeployToken createDeployToken(String instanceId, String name, String tokenHash) {
        return sql.queryOne("INSERT INTO deploy_tokens (id, instance_id, name, token_hash, created_at) "
                        + "VALUES (?, ?, ?, ?, ?) RETURNING " + DEPLOY_TOKEN_COLUMNS, MetadataStore::deployToken,
                "dtk_" + Tokens.randomId(16), instanceId, name, tokenHash, now()).orElseThrow();
    }

    public List<DeployToken> listDeployTokens(String instanceId) {
        return sql.query("SELECT " + DEPLOY_TOKEN_COLUMNS + " FROM deploy_tokens WHERE instance_id = ? "
                + "ORDER BY created_at, id", MetadataStore::deployToken, instanceId);
    }

    /** The token with this SHA-256, its last use recorded in the same statement; empty if revoked or unknown. */
    public Optional<DeployToken> useDeployToken(String tokenHash) {
        return sql.queryOne("UPDATE deploy_tokens SET last_used_at = ? WHERE token_hash = ? RETURNING "
                + DEPLOY_TOKEN_COLUMNS, MetadataStore::deployToken, now(), tokenHash);
    }

    public boolean deleteDeployToken(String instanceId, String tokenId) {
        return sql.queryOne("DELETE FROM deploy_tokens WHERE id = ? AND instance_id = ? RETURNING id", rs -> true,
                tokenId, instanceId).isPresent();
    }

    // ---- custom domains ----------------------------------------------------------------------------

    /** A custom domain of an instance: {@code status} is pending, verified or failed. */
    public record CustomDomain(String hostname, String instanceId, String token, String status, Instant createdAt,
                               Optional<Instant> checkedAt, Optional<Instant> verifiedAt, Optional<String> checkError) {}

    private static final String DOMAIN_COLUMNS =
            "hostname, instance_id, token, status, created_at, checked_at, verified_at, check_error";

    private static CustomDomain customDomain(ResultSet rs) throws SQLException {
        return new CustomDomain(rs.getString("hostname"), rs.getString("instance_id"), rs.getString("token"),
                rs.getString("status"), Instant.ofEpochMilli(rs.getLong("created_at")), Sql.instant(rs, "checked_at"),
                Sql.instant(rs, "verified_at"), Optional.ofNullable(rs.getString("check_error")));
    }

    /** Attaches {@code hostname} (pending); empty if any instance already has it (one statement, no race). */
    public Optional<CustomDomain> addCustomDomain(String instanceId, String hostname, String token) {
        return sql.queryOne("INSERT INTO custom_domains (hostname, instance_id, token, status, created_at) "
                + "VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (hostname) DO NOTHING RETURNING " + DOMAIN_COLUMNS,
                MetadataStore::customDomain, hostname, instanceId, token, now());
    }

    public List<CustomDomain> listCustomDomains(String instanceId) {
        return sql.query("SELECT " + DOMAIN_COLUMNS + " FROM custom_domains WHERE instance_id = ? "
                + "ORDER BY created_at, hostname", MetadataStore::customDomain, instanceId);
    }

    /** Every domain ever verified (verified or failed now), for the periodic re-check. */
    public List<CustomDomain> listCustomDomainsToRecheck() {
        return sql.query("SELECT " + DOMAIN_COLUMNS + " FROM custom_domains WHERE verified_at IS NOT NULL "
                + "ORDER BY checked_at, hostname", MetadataStore::customDomain);
    }

    public Optional<CustomDomain> findCustomDomain(String hostname) {
        return sql.queryOne("SELECT " + DOMAIN_COLUMNS + " FROM custom_domains WHERE hostname = ?",
                MetadataStore::customDomain, hostname);
    }

    /** The instance a verified domain routes to; empty for unknown, pending and failed names. */
    public Optional<String> findVerifiedDomainInstance(String hostname) {
        return sql.queryOne("SELECT instance_id FROM custom_domains WHERE hostname = ? AND status = 'verified'",
                rs -> rs.getString("instance_id"), hostname);
    }

    /** Records a check's result: verified, or {@code error} (failed if it was ever verified, else pending). */
    public Optional<CustomDomain> recordDomainCheck(String instanceId, String hostname, Optional<String> error) {
        Instant now = now();
        return error.isEmpty()
                ? sql.queryOne("UPDATE custom_domains SET status = 'verified', checked_at = ?, verified_at = ?, "
                        + "check_error = NULL WHERE hostname = ? AND instance_id = ? RETURNING " + DOMAIN_COLUMNS,
                        MetadataStore::customDomain, now, now, hostname, instanceId)
                : sql.queryOne("UPDATE custom_domains SET status = CASE WHEN verified_at IS NULL THEN 'pending' "
                        + "ELSE 'failed' END, checked_at = ?, check_error = ? WHERE hostname = ? AND instance_id = ? "
                        + "RETURNING " + DOMAIN_COLUMNS, MetadataStore::customDomain, now, error.get(), hostname,
                        instanceId);
    }

    /** Records a check that got no answer (DNS unreachable): its error, the status left as it was. */
    public Optional<CustomDomain> recordDomainCheckUnanswered(String instanceId, String hostname, String error) {
        return sql.queryOne("UPDATE custom_domains SET checked_at = ?, check_error = ? WHERE hostname = ? "
                + "AND instance_id = ? RETURNING " + DOMAIN_COLUMNS, MetadataStore::customDomain, now(), error, hostname,
                instanceId);
    }

    public boolean deleteCustomDomain(String instanceId, String hostname) {
        return sql.queryOne("DELETE FROM custom_domains WHERE hostname = ? AND instance_id = ? RETURNING hostname",
                rs -> true, hostname, instanceId).isPresent();
    }

    // ---- sign-up invitations ---------------------------------------------------------------------

    private static final String INVITATION_COLUMNS =
            "id, email, note, created_by, created_at, expires_at, used_by, used_at";

    public Invitation createInvitation(String tokenHash, String email, String note, String createdBy, Instant expiresAt) {
        return sql.queryOne("INSERT INTO invitations (id, token_hash, email, note, created_by, created_at, expires_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING " + INVITATION_COLUMNS,
                MetadataStore::invitation, "inv_" + Tokens.randomId(16), tokenHash, email, note, createdBy, now(),
                expiresAt).orElseThrow();
    }

    /** Every invitation, newest first (used and expired ones too: they are the history). */
    public List<Invitation> listInvitations() {
        return sql.query("SELECT " + INVITATION_COLUMNS + " FROM invitations ORDER BY created_at DESC, id",
                MetadataStore::invitation);
    }

    public boolean deleteInvitation(String id) {
        return sql.queryOne("DELETE FROM invitations WHERE id = ? RETURNING id", rs -> true, id).isPresent();
    }

    /**
     * Takes the invitation with this token for a sign-up as {@code email}, in one statement: empty
     * when it does not exist, has expired, is taken (used, or claimed by a sign-up in progress) or
     * is meant for another address. Two sign-ups with one link: one gets it, the other nothing.
     */
    public Optional<Invitation> claimInvitation(String tokenHash, String email) {
        Instant now = now();
        return sql.queryOne("UPDATE invitations SET claimed_at = ? WHERE token_hash = ? AND claimed_at IS NULL "
                        + "AND expires_at > ? AND (email IS NULL OR email = ?) RETURNING " + INVITATION_COLUMNS,
                MetadataStore::invitation, now, tokenHash, now, email);
    }

    /** Records the account a claimed invitation created. */
    public void finishInvitation(String id, String userId) {
        sql.execute("UPDATE invitations SET used_by = ?, used_at = ? WHERE id = ?", userId, now(), id);
    }

    /** Gives a claimed invitation back when its sign-up did not create an account (the email was taken). */
    public void releaseInvitation(String id) {
        sql.execute("UPDATE invitations SET claimed_at = NULL WHERE id = ? AND used_by IS NULL", id);
    }

    // ---- operators' audit log -------------------------------------------------------------------

    /** One operator action: who (id and email at the time), what, on what, and any detail. */
    public record AuditEntry(long id, Instant at, String actorId, String actorEmail, String action,
                             Optional<String> target, Optional<String> detail) {}

    public void recordAudit(String actorId, String actorEmail, String action, String target, String detail) {
        sql.execute("INSERT INTO audit_log (at, actor_id, actor_email, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
                now(), actorId, actorEmail, action, target, detail);
    }

    /** The newest {@code limit} entries, newest first. */
    public List<AuditEntry> listAudit(int limit) {
        return sql.query("SELECT id, at, actor_id, actor_email, action, target, detail FROM audit_log "
                        + "ORDER BY id DESC LIMIT ?",
                rs -> new AuditEntry(rs.getLong("id"), Instant.ofEpochMilli(rs.getLong("at")), rs.getString("actor_id"),
                        rs.getString("actor_email"), rs.getString("action"), Sql.text(rs, "target"),
                        Sql.text(rs, "detail")), limit);
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
                Sql.instant(rs, "last_activity_at"), idleTimeout(rs), rateLimit(rs));
    }

    private static Optional<RateLimit> rateLimit(ResultSet rs) throws SQLException {
        long perMinute = rs.getLong("rate_limit_per_minute");
        return rs.wasNull() || perMinute < 1 || perMinute > RateLimit.MAX_PER_MINUTE ? Optional.empty()
                : Optional.of(new RateLimit((int) perMinute, rs.getLong("rate_limit_per_address") != 0));
    }

    private static Optional<Duration> idleTimeout(ResultSet rs) throws SQLException {
        long seconds = rs.getLong("idle_timeout_seconds");
        return rs.wasNull() || seconds <= 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
    }

    private static Snapshot snapshot(ResultSet rs) throws SQLException {
        return snapshot(rs, "");
    }

    private static Snapshot snapshot(ResultSet rs, String prefix) throws SQLException {
        return new Snapshot(rs.getString(prefix + "id"), rs.getString(prefix + "instance_id"),
                rs.getString(prefix + "object_key"), rs.getString(prefix + "sha256"), rs.getLong(prefix + "size_bytes"),
                Instant.ofEpochMilli(rs.getLong(prefix + "created_at")),
                Sql.text(rs, prefix + "node_id"), Sql.text(rs, prefix + "note"),
                Sql.text(rs, prefix + "reason").flatMap(SnapshotReason::ofCode));
    }

    private static Invitation invitation(ResultSet rs) throws SQLException {
        return new Invitation(rs.getString("id"), Sql.text(rs, "email"), Sql.text(rs, "note"),
                rs.getString("created_by"), Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("expires_at")), Sql.text(rs, "used_by"), Sql.instant(rs, "used_at"));
    }

    private static Lease lease(ResultSet rs) throws SQLException {
        return new Lease(rs.getString("instance_id"), rs.getString("node_id"), rs.getLong("epoch"),
                Instant.ofEpochMilli(rs.getLong("expires_at")), rs.getLong("live") != 0);
    }

    private static Node node(ResultSet rs) throws SQLException {
        return new Node(rs.getString("id"), rs.getString("address"), rs.getString("api_address"), Instant.ofEpochMilli(rs.getLong("started_at")),
                Instant.ofEpochMilli(rs.getLong("heartbeat_at")),
                Duration.ofMillis(Math.max(0, rs.getLong("heartbeat_age"))), rs.getInt("instances_held"));
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
