package dev.picobase.core.backup;

import dev.picobase.core.io.FileTrees;
import dev.picobase.core.snapshot.OnlineBackup;
import dev.picobase.core.storage.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backs up the embedded SQLite metadata database (accounts, sessions, instances, keys, the snapshot
 * records) to object storage, beside the instances' snapshots it points at: without it, a lost data
 * directory leaves every snapshot in the bucket but nobody able to sign in and find them.
 *
 * <p>One backup: SQLite's online backup ({@link OnlineBackup#backup}) into a temporary file next to
 * the database (a consistent copy while the platform keeps writing), its SHA-256 compared with the
 * last uploaded one (an unchanged database is not uploaded again: an idle platform's hourly backups
 * would otherwise push out every older, different one), gzip, an upload under a new key
 * ({@link MetadataBackupKeys}), and only then retention: the oldest backups beyond the count are
 * deleted. A failed upload deletes nothing, so a store that fails for a day still holds the backups
 * taken before it failed.
 *
 * <p>Threading: {@link #backUp()} blocks on disk and network and is serialised (the schedule's thread,
 * and the final backup at shutdown); {@link #status()} may be read from any thread.
 */
public final class MetadataBackups {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataBackups.class);
    /** Beside the database: a backup's temporary copy and its gzip, deleted once uploaded (or failed). */
    static final String WORK_PREFIX = ".metadata-backup-";

    /** What the last attempts did, for {@code /status} and the metrics; times are null before the first. */
    public record Status(Instant lastSuccessAt, String lastKey, String lastError, Instant lastAttemptAt) {
        static final Status NONE = new Status(null, null, null, null);
    }

    private final Path database;
    private final ObjectStore store;
    private final int retention;
    private final Clock clock;
    private volatile Status status = Status.NONE;
    /** SHA-256 of the database as last uploaded (this process); null before the first upload. */
    private String uploadedSha256;

    public MetadataBackups(Path database, ObjectStore store, int retention, Clock clock) {
        this.database = database.toAbsolutePath();
        this.store = store;
        this.retention = retention;
        this.clock = clock;
        deleteLeftovers();
    }

    /** Temporary copies a crash (or kill -9) left behind mid-backup: nothing else removes them. */
    private void deleteLeftovers() {
        try (var leftovers = Files.newDirectoryStream(database.getParent(), WORK_PREFIX + "*")) {
            for (Path leftover : leftovers) {
                FileTrees.delete(leftover);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // no data directory yet: nothing left over
        } catch (IOException e) {
            LOG.warn("could not delete an interrupted metadata backup's copy in {}: {}", database.getParent(),
                    e.getMessage());
        }
    }

    public Status status() {
        return status;
    }

    /** The backups in the store, oldest first. */
    public static List<String> list(ObjectStore store) {
        return MetadataBackupKeys.backups(store.list(MetadataBackupKeys.PREFIX));
    }

    /**
     * Takes one backup: the key uploaded, or empty when the database is as it was at the last upload.
     * A failure is recorded in {@link #status()} and thrown ({@link UncheckedIOException} or
     * {@link dev.picobase.core.storage.ObjectStoreException}); nothing is deleted then.
     */
    public synchronized Optional<String> backUp() {
        Instant attempt = clock.instant();
        Path work = null;
        try {
            work = Files.createTempDirectory(database.getParent(), WORK_PREFIX);
            Path copy = work.resolve("picobase.db");
            OnlineBackup.backup(database, copy);
            String sha256 = sha256(copy);
            if (sha256.equals(uploadedSha256)) {
                status = new Status(status.lastSuccessAt(), status.lastKey(), null, attempt);
                LOG.debug("metadata database unchanged since {}; not uploaded again", status.lastKey());
                return Optional.empty();
            }
            Path gz = work.resolve("picobase.db.gz");
            gzip(copy, gz);
            String key = freshKey(attempt);
            store.put(key, gz);
            uploadedSha256 = sha256;
            status = new Status(attempt, key, null, attempt);
            LOG.info("metadata database backed up to {} ({} bytes gzipped)", key, Files.size(gz));
            applyRetention();
            return Optional.of(key);
        } catch (IOException e) {
            fail(attempt, e);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            fail(attempt, e);
            throw e;
        } finally {
            if (work != null) {
                try {
                    FileTrees.delete(work);
                } catch (IOException e) {
                    LOG.warn("could not delete the temporary backup copy {}: {}", work, e.getMessage());
                }
            }
        }
    }

    private void fail(Instant attempt, Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        status = new Status(status.lastSuccessAt(), status.lastKey(), message, attempt);
        LOG.warn("metadata backup failed (earlier backups are kept): {}", message);
    }

    /** The key for {@code at}, one second later per backup already under it (two backups within a second). */
    private String freshKey(Instant at) {
        List<String> existing = store.list(MetadataBackupKeys.PREFIX);
        String key = MetadataBackupKeys.key(at);
        while (existing.contains(key)) {
            at = at.plusSeconds(1);
            key = MetadataBackupKeys.key(at);
        }
        return key;
    }

    /** After a successful upload only; a delete that fails is retried after the next one. */
    private void applyRetention() {
        for (String old : MetadataBackupKeys.beyondRetention(store.list(MetadataBackupKeys.PREFIX), retention)) {
            try {
                store.delete(old);
                LOG.info("deleted metadata backup {} (PICOBASE_METADATA_BACKUP_RETENTION={})", old, retention);
            } catch (RuntimeException e) {
                LOG.warn("could not delete the old metadata backup {}: {}", old, e.getMessage());
            }
        }
    }

    private static void gzip(Path source, Path target) throws IOException {
        try (InputStream in = Files.newInputStream(source);
             OutputStream out = new GZIPOutputStream(Files.newOutputStream(target), 64 * 1024)) {
            in.transferTo(out);
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
