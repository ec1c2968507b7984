package dev.picobase.core.backup;

import dev.picobase.config.MetadataBackupConfig;
import dev.picobase.config.MetadataConfig;
import dev.picobase.core.io.DaemonThreads;
import dev.picobase.core.storage.ObjectStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link MetadataBackups} on one daemon thread: the first backup a few seconds after start (so
 * a platform that is restarted often still gets backed up), then every
 * {@code PICOBASE_METADATA_BACKUP_INTERVAL}, and a last one when the platform stops in order
 * ({@link #close()}, before the metadata store closes). With a libSQL server (Turso, sqld) there is
 * no file to copy, and with the interval off nothing is to be done: either is said once at start,
 * and {@link #skipped()} says why for {@code /status}.
 *
 * <p>Threading: backups run on the schedule's thread, and the final one on the thread that closes.
 */
public final class MetadataBackupSchedule implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataBackupSchedule.class);
    static final Duration FIRST_AFTER = Duration.ofSeconds(5);

    private final MetadataBackups backups;
    private final String skipped;
    private final ScheduledExecutorService thread;

    private MetadataBackupSchedule(MetadataBackups backups, String skipped, ScheduledExecutorService thread) {
        this.backups = backups;
        this.skipped = skipped;
        this.thread = thread;
    }

    public static MetadataBackupSchedule start(MetadataConfig metadata, MetadataBackupConfig config, ObjectStore store,
                                               Clock clock) {
        if (metadata.isLibsql()) {
            String why = "the metadata database is a libSQL server (TURSO_DATABASE_URL), not a file PicoBase can copy: "
                    + "back it up with Turso's or sqld's own means (README, \"Backing up the metadata\")";
            LOG.info("metadata backups are skipped: {}", why);
            return new MetadataBackupSchedule(null, why, null);
        }
        if (!config.enabled()) {
            String why = "PICOBASE_METADATA_BACKUP_INTERVAL is off";
            LOG.warn("metadata backups are off ({}): a lost data directory loses every account", why);
            return new MetadataBackupSchedule(null, why, null);
        }
        MetadataBackups backups = new MetadataBackups(metadata.sqliteFile(), store, config.retention(), clock);
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
                DaemonThreads.named("metadata-backup"));
        long first = Math.min(FIRST_AFTER.toMillis(), config.interval().toMillis());
        thread.scheduleWithFixedDelay(() -> runOnce(backups), first, config.interval().toMillis(),
                TimeUnit.MILLISECONDS);
        LOG.info("metadata database backed up to {} every {} (keeping {})", store.describe(), config.interval(),
                config.retention());
        return new MetadataBackupSchedule(backups, null, thread);
    }

    private static void runOnce(MetadataBackups backups) {
        try {
            backups.backUp();
        } catch (RuntimeException e) {
            // recorded in the status and logged by MetadataBackups; the schedule goes on
        }
    }

    /** The backups taken here; empty when skipped. */
    public Optional<MetadataBackups> backups() {
        return Optional.ofNullable(backups);
    }

    /** Why no backups are taken (Turso, or turned off); empty when they are. */
    public Optional<String> skipped() {
        return Optional.ofNullable(skipped);
    }

    /** Stops the schedule without a last backup (a start that failed half-way). */
    public void stop() {
        if (thread != null) {
            thread.shutdownNow();
        }
    }

    /** Stops the schedule, lets a backup in progress finish, and takes the last one. */
    @Override
    public void close() {
        if (thread == null) {
            return;
        }
        thread.shutdown();
        try {
            if (!thread.awaitTermination(60, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            thread.shutdownNow();
            return;
        }
        runOnce(backups);
    }
}
