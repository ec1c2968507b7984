package dev.picobase.core.snapshot;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consistent copy of a live {@code pb_data}: SQLite databases through SQLite's online backup API
 * (which copies a consistent state while PocketBase keeps reading and writing, WAL included), the
 * WAL and shared-memory files left out (their content is in the backup), and every other file
 * (uploaded media) copied as it is.
 *
 * <p>Order: the databases first, and only then the list of other files. PocketBase writes an
 * uploaded file before the record naming it, so every file a backed-up record names is in that
 * later list, unless it was deleted in between (its record then deleted after the backup). Files
 * that vanish while they are listed or copied are skipped: PocketBase deletes files whenever a
 * record goes, and one such delete used to fail the whole snapshot.
 *
 * <p>Databases are PocketBase's: the {@code *.db} files directly in {@code pb_data}. An uploaded
 * file that happens to end in {@code .db} or {@code .db-wal} is media, copied as it is.
 *
 * <p>{@link #backup(Path, Path)} is also how the platform's own embedded metadata database is copied
 * for its backups ({@code dev.picobase.core.backup.MetadataBackups}).
 *
 * <p>Threading: blocking; call from a blocking executor.
 */
public final class OnlineBackup {
    private static final Logger LOG = LoggerFactory.getLogger(OnlineBackup.class);

    private OnlineBackup() {}

    static void copy(Path pbData, Path target) throws IOException {
        copy(pbData, target, step -> {});
    }

    /** As {@link #copy(Path, Path)}; {@code step} is told "databases-copied" and "files-listed" (tests). */
    static void copy(Path pbData, Path target, Consumer<String> step) throws IOException {
        Files.createDirectories(target);
        List<Path> databases = new ArrayList<>();
        try (DirectoryStream<Path> top = Files.newDirectoryStream(pbData, "*.db")) {
            top.forEach(databases::add);
        }
        for (Path database : databases) {
            if (Files.isRegularFile(database)) {
                backup(database, target.resolve(database.getFileName().toString()));
            }
        }
        step.accept("databases-copied");
        List<Path> files = otherFiles(pbData);
        step.accept("files-listed");
        for (Path file : files) {
            Path out = target.resolve(pbData.relativize(file).toString());
            try {
                Files.createDirectories(out.getParent());
                Files.copy(file, out);
            } catch (NoSuchFileException e) {
                Files.deleteIfExists(out);
                LOG.debug("{} was deleted while it was being copied; left out", file);
            }
        }
    }

    /** Every regular file under {@code pbData} but the databases and their WAL and shared memory. */
    private static List<Path> otherFiles(Path pbData) throws IOException {
        List<Path> files = new ArrayList<>();
        // Not Files.walk: its stream throws mid-walk for a directory deleted under it.
        Files.walkFileTree(pbData, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (attributes.isRegularFile() && !isDatabaseFile(pbData, file)) {
                    files.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    LOG.debug("{} was deleted while pb_data was being listed; left out", file);
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        return files;
    }

    private static boolean isDatabaseFile(Path pbData, Path file) {
        String name = file.getFileName().toString();
        return file.getParent().equals(pbData)
                && (name.endsWith(".db") || name.endsWith(".db-wal") || name.endsWith(".db-shm")
                        || name.endsWith(".db-journal"));
    }

    /**
     * Copies the SQLite database {@code database} to {@code out} (a new file) with SQLite's online
     * backup: a consistent state, WAL included, while other connections keep reading and writing.
     */
    public static void backup(Path database, Path out) throws IOException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database.toAbsolutePath());
             Statement s = c.createStatement()) {
            s.executeUpdate("backup to " + out.toAbsolutePath());
        } catch (SQLException e) {
            throw new IOException("online backup of " + database + " failed: " + e.getMessage(), e);
        }
    }
}
