package dev.picobase.core.backup;

import dev.picobase.core.io.Durable;
import dev.picobase.core.storage.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * Puts a metadata backup in place of the embedded SQLite database, for {@code ./picobase
 * restore-metadata} while no platform runs. Nothing is lost on the way: the backup is downloaded and
 * unpacked next to the database and checked ({@code PRAGMA integrity_check}, and PicoBase's
 * {@code schema_migrations} table) before anything is touched; the current database, with its WAL
 * and shared-memory files, is then renamed aside as {@code picobase.db.before-restore-<time>} (its
 * WAL as that name with {@code -wal}, so it opens as it was), and the restored file renamed into
 * place atomically.
 *
 * <p>Threading: the caller's thread; blocks on disk and network. The platform must not be running.
 */
public final class MetadataRestore {
    private static final DateTimeFormatter ASIDE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /** What a restore did: the backup put in place, where, and where the previous database went (if there was one). */
    public record Restored(String key, Path database, Optional<Path> setAside) {}

    /** A backup that is missing, unreadable or not a PicoBase metadata database: nothing was changed. */
    public static final class RestoreRefused extends Exception {
        private static final long serialVersionUID = 1L;

        public RestoreRefused(String message) {
            super(message);
        }
    }

    private MetadataRestore() {}

    public static Restored restore(ObjectStore store, String key, Path database, Instant now)
            throws IOException, RestoreRefused {
        Path db = database.toAbsolutePath();
        Path dir = db.getParent();
        Files.createDirectories(dir);
        String name = db.getFileName().toString();
        Path download = Files.createTempFile(dir, "." + name + ".download-", ".gz");
        Path restored = dir.resolve("." + name + ".restoring-" + ASIDE_TIME.format(now));
        try {
            store.get(key, download);
            try (InputStream in = new GZIPInputStream(Files.newInputStream(download))) {
                Files.copy(in, restored, StandardCopyOption.REPLACE_EXISTING);
            } catch (java.util.zip.ZipException e) {
                throw new RestoreRefused(key + " is not a gzipped metadata backup: " + e.getMessage());
            }
            check(key, restored);
            Durable.force(restored);

            Optional<Path> aside = Optional.empty();
            if (Files.exists(db)) {
                Path target = dir.resolve(name + ".before-restore-" + ASIDE_TIME.format(now));
                for (String suffix : new String[] {"-wal", "-shm"}) {
                    Path side = dir.resolve(name + suffix);
                    if (Files.exists(side)) {
                        Files.move(side, dir.resolve(target.getFileName() + suffix), StandardCopyOption.ATOMIC_MOVE);
                    }
                }
                Files.move(db, target, StandardCopyOption.ATOMIC_MOVE);
                aside = Optional.of(target);
            }
            Files.move(restored, db, StandardCopyOption.ATOMIC_MOVE);
            Durable.forceDirectory(dir);
            return new Restored(key, db, aside);
        } finally {
            Files.deleteIfExists(download);
            Files.deleteIfExists(restored);
            Files.deleteIfExists(dir.resolve(restored.getFileName() + "-wal"));
            Files.deleteIfExists(dir.resolve(restored.getFileName() + "-shm"));
        }
    }

    /** Refuses a file SQLite finds damaged, or a database that is not PicoBase's metadata. */
    private static void check(String key, Path file) throws RestoreRefused {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("PRAGMA integrity_check")) {
                String verdict = r.next() ? r.getString(1) : "no answer";
                if (!"ok".equals(verdict)) {
                    throw new RestoreRefused(key + " failed SQLite's integrity check: " + verdict);
                }
            }
            try (ResultSet r = s.executeQuery(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")) {
                if (!r.next() || r.getInt(1) != 1) {
                    throw new RestoreRefused(key + " is an SQLite database but not PicoBase's metadata "
                            + "(it has no schema_migrations table)");
                }
            }
        } catch (SQLException e) {
            throw new RestoreRefused(key + " is not a readable SQLite database: " + e.getMessage());
        }
    }
}
