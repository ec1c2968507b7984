package dev.picobase.core.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;

/**
 * A consistent copy of a live {@code pb_data}: SQLite databases through SQLite's online backup API
 * (which copies a consistent state while PocketBase keeps reading and writing, WAL included), the
 * WAL and shared-memory files left out (their content is in the backup), and every other file
 * (uploaded media) copied as it is.
 *
 * <p>Threading: blocking; call from a blocking executor.
 */
final class OnlineBackup {
    private OnlineBackup() {}

    static void copy(Path pbData, Path target) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(pbData)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        for (Path file : files) {
            String name = file.getFileName().toString();
            if (name.endsWith(".db-wal") || name.endsWith(".db-shm")) {
                continue;
            }
            Path out = target.resolve(pbData.relativize(file).toString());
            Files.createDirectories(out.getParent());
            if (name.endsWith(".db")) {
                backup(file, out);
            } else {
                Files.copy(file, out);
            }
        }
    }

    private static void backup(Path database, Path out) throws IOException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database.toAbsolutePath());
             Statement s = c.createStatement()) {
            s.executeUpdate("backup to " + out.toAbsolutePath());
        } catch (SQLException e) {
            throw new IOException("online backup of " + database + " failed: " + e.getMessage(), e);
        }
    }
}
