package dev.picobase.core.store;

import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata schema, as an ordered list of {@link Migration}s, and the code that applies the
 * missing ones. Applied versions are recorded in {@code schema_migrations}; a version is recorded
 * only after all its steps ran, and the steps are idempotent, so running migrations again (or
 * concurrently from two processes) changes nothing.
 */
public final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    public static final List<Migration> ALL = List.of(
            new Migration(1, "accounts, sessions, instances, api keys", List.of(
                    Migration.sql("CREATE TABLE IF NOT EXISTS users ("
                            + "id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, "
                            + "password_hash TEXT NOT NULL, created_at INTEGER NOT NULL)"),
                    Migration.sql("CREATE TABLE IF NOT EXISTS sessions ("
                            + "token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, "
                            + "created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)"),
                    Migration.sql("CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id)"),
                    Migration.sql("CREATE TABLE IF NOT EXISTS instances ("
                            + "id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, name TEXT NOT NULL, "
                            + "subdomain TEXT NOT NULL UNIQUE, status TEXT NOT NULL, "
                            + "created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)"),
                    Migration.sql("CREATE INDEX IF NOT EXISTS instances_owner ON instances(owner_id)"),
                    Migration.sql("CREATE TABLE IF NOT EXISTS api_keys ("
                            + "id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, name TEXT NOT NULL, "
                            + "secret_hash TEXT NOT NULL, last_four TEXT NOT NULL, "
                            + "created_at INTEGER NOT NULL, last_used_at INTEGER)"),
                    Migration.sql("CREATE INDEX IF NOT EXISTS api_keys_instance ON api_keys(instance_id)"),
                    // Deleting an instance and its keys must be one atomic statement (no transactions).
                    Migration.sql("CREATE TRIGGER IF NOT EXISTS instances_delete_keys AFTER DELETE ON instances "
                            + "BEGIN DELETE FROM api_keys WHERE instance_id = OLD.id; END"))),
            new Migration(2, "instance runtime state", List.of(
                    Migration.addColumn("instances", "status_reason", "TEXT"),
                    Migration.addColumn("instances", "last_activity_at", "INTEGER"),
                    Migration.sql("CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions(expires_at)"))),
            new Migration(3, "snapshots in object storage", List.of(
                    Migration.sql("CREATE TABLE IF NOT EXISTS snapshots ("
                            + "id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, object_key TEXT NOT NULL, "
                            + "sha256 TEXT NOT NULL, size_bytes INTEGER NOT NULL, created_at INTEGER NOT NULL)"),
                    Migration.sql("CREATE INDEX IF NOT EXISTS snapshots_instance ON snapshots(instance_id, created_at)"),
                    // The pointer to the instance's current snapshot, moved only after an upload is verified.
                    Migration.addColumn("instances", "latest_snapshot_id", "TEXT"),
                    Migration.sql("CREATE TRIGGER IF NOT EXISTS instances_delete_snapshots AFTER DELETE ON instances "
                            + "BEGIN DELETE FROM snapshots WHERE instance_id = OLD.id; END"))),
            new Migration(4, "per-instance idle timeout", List.of(
                    Migration.addColumn("instances", "idle_timeout_seconds", "INTEGER"))),
            // Times in these tables are epoch milliseconds like everywhere else, but written from the
            // database's clock (MetadataStore.DB_NOW), never a node's: nodes' clocks disagree.
            new Migration(5, "cluster: nodes and instance leases", List.of(
                    Migration.sql("CREATE TABLE IF NOT EXISTS nodes ("
                            + "id TEXT PRIMARY KEY, address TEXT NOT NULL, "
                            + "started_at INTEGER NOT NULL, heartbeat_at INTEGER NOT NULL)"),
                    Migration.sql("CREATE TABLE IF NOT EXISTS leases ("
                            + "instance_id TEXT PRIMARY KEY, node_id TEXT NOT NULL, "
                            + "epoch INTEGER NOT NULL, expires_at INTEGER NOT NULL)"),
                    // Renewal and the per-node counts select a node's leases.
                    Migration.sql("CREATE INDEX IF NOT EXISTS leases_node ON leases(node_id, expires_at)"),
                    Migration.sql("CREATE TRIGGER IF NOT EXISTS instances_delete_lease AFTER DELETE ON instances "
                            + "BEGIN DELETE FROM leases WHERE instance_id = OLD.id; END"),
                    // Provenance of snapshots a node uploads after losing its lease (never made current).
                    Migration.addColumn("snapshots", "node_id", "TEXT"),
                    Migration.addColumn("snapshots", "note", "TEXT"))),
            new Migration(6, "cluster: a log of route and key changes for the other nodes", List.of(
                    // Written by triggers, so an instance created or deleted, or a key deleted, is logged in
                    // the same statement (no transactions over sqld); every node reads what is new every
                    // half second. AUTOINCREMENT: ids only grow, even after old rows are deleted.
                    Migration.sql("CREATE TABLE IF NOT EXISTS cluster_events ("
                            + "id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, instance_id TEXT, "
                            + "subdomain TEXT, key_id TEXT, at INTEGER NOT NULL)"),
                    Migration.sql("CREATE TRIGGER IF NOT EXISTS instances_created_event AFTER INSERT ON instances "
                            + "BEGIN INSERT INTO cluster_events (kind, instance_id, subdomain, at) VALUES "
                            + "('instance_created', NEW.id, NEW.subdomain, " + MetadataStore.DB_NOW + "); END"),
                    Migration.sql("CREATE TRIGGER IF NOT EXISTS instances_deleted_event AFTER DELETE ON instances "
                            + "BEGIN INSERT INTO cluster_events (kind, instance_id, subdomain, at) VALUES "
                            + "('instance_deleted', OLD.id, OLD.subdomain, " + MetadataStore.DB_NOW + "); END"),
                    Migration.sql("CREATE TRIGGER IF NOT EXISTS api_keys_deleted_event AFTER DELETE ON api_keys "
                            + "BEGIN INSERT INTO cluster_events (kind, instance_id, key_id, at) VALUES "
                            + "('key_deleted', OLD.instance_id, OLD.id, " + MetadataStore.DB_NOW + "); END"))),
            new Migration(7, "cluster: control API addresses, and takeovers told apart from handovers", List.of(
                    // A control call (stop, logs, restore...) made through any node is sent on to the
                    // node that holds the instance's lease; null for a node that registered before.
                    Migration.addColumn("nodes", "api_address", "TEXT"),
                    // Set by a release; a take of a lease another node held and did not release (it
                    // died, paused or lost its connection) is a takeover, counted in the metrics.
                    Migration.addColumn("leases", "released", "INTEGER NOT NULL DEFAULT 0"))),
            // Why each backup was taken (SnapshotReason's code: stop, periodic, manual, before_restore,
            // set_aside), shown in the backups list; null for backups taken before this migration.
            new Migration(8, "why each snapshot was taken", List.of(
                    Migration.addColumn("snapshots", "reason", "TEXT"))),
            // Single-use sign-up invitations (PICOBASE_SIGNUP=invite): only the token's SHA-256 is
            // kept. claimed_at is set by the sign-up that takes it (one UPDATE, so two sign-ups with
            // the same link cannot both pass) and used_by once the account exists.
            new Migration(9, "sign-up invitations", List.of(
                    Migration.sql("CREATE TABLE IF NOT EXISTS invitations ("
                            + "id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, email TEXT, note TEXT, "
                            + "created_by TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, "
                            + "claimed_at INTEGER, used_by TEXT, used_at INTEGER)"))),
            // Operators suspend accounts (suspended_at set: no sign-in, keys refused, instances
            // stopped) and every operator action is kept in audit_log, newest read first.
            new Migration(10, "operators: suspended accounts and the audit log", List.of(
                    Migration.addColumn("users", "suspended_at", "INTEGER"),
                    Migration.sql("CREATE TABLE IF NOT EXISTS audit_log ("
                            + "id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor_id TEXT NOT NULL, "
                            + "actor_email TEXT NOT NULL, action TEXT NOT NULL, target TEXT, detail TEXT)"))),
            // The whole cause of an instance's last failed start, for the operators only (the tenant's
            // status_reason says what happened, not where). And a suspended or reactivated account's
            // keys are logged for the other nodes by trigger, in the statement that (un)suspends it:
            // they forget the keys' cached verdicts, or take them back.
            new Migration(11, "operators: the whole cause of a failure, suspension reaches every node", List.of(
                    Migration.addColumn("instances", "failure_cause", "TEXT"),
                    Migration.sql("CREATE TRIGGER IF NOT EXISTS users_suspended_event "
                            + "AFTER UPDATE OF suspended_at ON users "
                            + "WHEN NEW.suspended_at IS NOT NULL AND OLD.suspended_at IS NULL "
                            + "BEGIN INSERT INTO cluster_events (kind, instance_id, key_id, at) "
                            + "SELECT 'key_suspended', k.instance_id, k.id, " + MetadataStore.DB_NOW
                            + " FROM api_keys k JOIN instances i ON i.id = k.instance_id WHERE i.owner_id = NEW.id; END"),
                    Migration.sql("CREATE TRIGGER IF NOT EXISTS users_reactivated_event "
                            + "AFTER UPDATE OF suspended_at ON users "
                            + "WHEN NEW.suspended_at IS NULL AND OLD.suspended_at IS NOT NULL "
                            + "BEGIN INSERT INTO cluster_events (kind, instance_id, key_id, at) "
                            + "SELECT 'key_reinstated', k.instance_id, k.id, " + MetadataStore.DB_NOW
                            + " FROM api_keys k JOIN instances i ON i.id = k.instance_id WHERE i.owner_id = NEW.id; END"))),
            // Instances' secrets, each value AES-GCM encrypted with the
            // platform key (never in clear here), and deploy tokens (only their SHA-256); both go
            // with their instance, by trigger, in the delete's own statement.
            new Migration(12, "instance secrets and deploy tokens", List.of(
                    Migration.sql("CREATE TABLE IF NOT EXISTS instance_secrets ("
                            + "instance_id TEXT NOT NULL, name TEXT NOT NULL, value_enc TEXT NOT NULL, "
                            + "set_at INTEGER NOT NULL, PRIMARY KEY (instance_id, name))"),
                    Migration.sql("CREATE TABLE IF NOT EXISTS deploy_tokens ("
                            + "id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, name TEXT NOT NULL, "
                            + "token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, last_used_at INTEGER)"),
                    Migration.sql("CREATE INDEX IF NOT EXISTS deploy_tokens_instance ON deploy_tokens(instance_id)"),
                    Migration.sql("CREATE TRIGGER IF NOT EXISTS instances_delete_secrets AFTER DELETE ON instances "
                            + "BEGIN DELETE FROM instance_secrets WHERE instance_id = OLD.id; "
                            + "DELETE FROM deploy_tokens WHERE instance_id = OLD.id; END"))),
            // Custom domains: the hostname is the key, so a name is attached to at most one instance.
            // status is pending (never verified), verified (routes) or failed (its TXT record is gone
            // or wrong: does not route). A change of status and a removal are logged for the other
            // nodes by trigger, in the same statement (kind domain_changed, the hostname in the
            // subdomain column): they forget the name's cached route. Domains go with their instance.
            new Migration(13, "custom domains", List.of(
                    Migration.sql("CREATE TABLE IF NOT EXISTS custom_domains ("
                            + "hostname TEXT PRIMARY KEY, instance_id TEXT NOT NULL, token TEXT NOT NULL, "
                            + "status TEXT NOT NULL, created_at INTEGER NOT NULL, checked_at INTEGER, "
                            + "verified_at INTEGER, check_error TEXT)"),
                    Migration.sql("CREATE INDEX IF NOT EXISTS custom_domains_instance ON custom_domains(instance_id)"),
                    Migration.sql("CREATE TRIGGER IF NOT EXISTS instances_delete_domains AFTER DELETE ON instances "
                            + "BEGIN DELETE FROM custom_domains WHERE instance_id = OLD.id; END"),
                    Migration.sql("CREATE TRIGGER IF NOT EXISTS custom_domains_status_event "
                            + "AFTER UPDATE OF status ON custom_domains WHEN NEW.status <> OLD.status "
                            + "BEGIN INSERT INTO cluster_events (kind, instance_id, subdomain, at) VALUES "
                            + "('domain_changed', NEW.instance_id, NEW.hostname, " + MetadataStore.DB_NOW + "); END"),
                    Migration.sql("CREATE TRIGGER IF NOT EXISTS custom_domains_deleted_event "
                            + "AFTER DELETE ON custom_domains "
                            + "BEGIN INSERT INTO cluster_events (kind, instance_id, subdomain, at) VALUES "
                            + "('domain_changed', OLD.instance_id, OLD.hostname, " + MetadataStore.DB_NOW + "); END"))),
            // An instance's own request rate limit (null: the platform default), logged for the other
            // nodes by trigger in the statement that changes it; and usage per instance and UTC day
            // (YYYY-MM-DD), written by adding each flush's counts (INSERT ... ON CONFLICT DO UPDATE),
            // with the size of the latest snapshot saved that day. Usage goes with its instance.
            new Migration(14, "rate limits per instance, usage per instance and day", List.of(
                    Migration.addColumn("instances", "rate_limit_per_minute", "INTEGER"),
                    Migration.addColumn("instances", "rate_limit_per_address", "INTEGER NOT NULL DEFAULT 0"),
                    Migration.sql("CREATE TRIGGER IF NOT EXISTS instances_rate_limit_event "
                            + "AFTER UPDATE OF rate_limit_per_minute, rate_limit_per_address ON instances "
                            + "WHEN OLD.rate_limit_per_minute IS NOT NEW.rate_limit_per_minute "
                            + "OR OLD.rate_limit_per_address IS NOT NEW.rate_limit_per_address "
                            + "BEGIN INSERT INTO cluster_events (kind, instance_id, at) VALUES "
                            + "('rate_limit_changed', NEW.id, " + MetadataStore.DB_NOW + "); END"),
                    Migration.sql("CREATE TABLE IF NOT EXISTS instance_usage ("
                            + "instance_id TEXT NOT NULL, day TEXT NOT NULL, requests INTEGER NOT NULL DEFAULT 0, "
                            + "bytes_in INTEGER NOT NULL DEFAULT 0, bytes_out INTEGER NOT NULL DEFAULT 0, "
                            + "awake_ms INTEGER NOT NULL DEFAULT 0, cold_starts INTEGER NOT NULL DEFAULT 0, "
                            + "snapshot_bytes INTEGER, PRIMARY KEY (instance_id, day))"),
                    Migration.sql("CREATE TRIGGER IF NOT EXISTS instances_delete_usage AFTER DELETE ON instances "
                            + "BEGIN DELETE FROM instance_usage WHERE instance_id = OLD.id; END"))));

    private Migrations() {}

    /** Applies every migration of {@code migrations} not yet recorded; returns how many ran. */
    static int apply(Sql sql, List<Migration> migrations) {
        return apply(sql, migrations, true);
    }

    /** As {@link #apply(Sql, List)}; each migration applied is logged only if {@code logged}. */
    static int apply(Sql sql, List<Migration> migrations, boolean logged) {
        sql.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                + "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
        int current = currentVersion(sql);
        int applied = 0;
        for (Migration m : migrations) {
            if (m.version() <= current) {
                continue;
            }
            for (Migration.Step step : m.steps()) {
                run(sql, step);
            }
            sql.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?) "
                    + "ON CONFLICT (version) DO NOTHING", m.version(), m.name(), Instant.now());
            if (logged) {
                LOG.info("applied metadata migration {} ({})", m.version(), m.name());
            }
            applied++;
        }
        return applied;
    }

    static int currentVersion(Sql sql) {
        return sql.queryOne("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations", rs -> rs.getInt("v"))
                .orElse(0);
    }

    private static void run(Sql sql, Migration.Step step) {
        if (step instanceof Migration.Statement s) {
            sql.execute(s.sql());
        } else if (step instanceof Migration.AddColumn a) {
            if (!columnExists(sql, a)) {
                try {
                    sql.execute("ALTER TABLE " + a.table() + " ADD COLUMN " + a.column() + " " + a.definition());
                } catch (StoreException e) {
                    // Nodes of a cluster starting together: another one added it since the check above.
                    if (!columnExists(sql, a)) {
                        throw e;
                    }
                }
            }
        }
    }

    private static boolean columnExists(Sql sql, Migration.AddColumn a) {
        return sql.queryOne("SELECT 1 AS present FROM pragma_table_info(?) WHERE name = ?", rs -> true, a.table(),
                a.column()).isPresent();
    }
}
