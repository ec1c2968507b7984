package dev.picobase.core.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code pb_data} written as a running PocketBase writes it, for the online-backup tests: a real
 * SQLite {@code data.db} in WAL mode with {@code synchronous=NORMAL} (PocketBase's own settings) and
 * a table of records each naming an uploaded file under {@code storage/}, written before its record
 * as PocketBase does. Not thread-safe: one writer thread.
 */
final class LivePbData implements AutoCloseable {
    private final Path pbData;
    private final Connection db;

    LivePbData(Path pbData) throws IOException, SQLException {
        this.pbData = pbData;
        Files.createDirectories(pbData);
        db = DriverManager.getConnection("jdbc:sqlite:" + pbData.resolve("data.db").toAbsolutePath());
        try (Statement s = db.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=NORMAL");
            s.execute("CREATE TABLE IF NOT EXISTS posts (id TEXT PRIMARY KEY, file TEXT NOT NULL)");
        }
    }

    /** Writes {@code storage/posts/<id>/<id>.txt}, then the record naming it; returns the file's path. */
    String addRecordWithFile(String id) throws IOException, SQLException {
        String file = "storage/posts/" + id + "/" + id + ".txt";
        Path path = pbData.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, contentOf(file));
        try (var insert = db.prepareStatement("INSERT INTO posts (id, file) VALUES (?, ?)")) {
            insert.setString(1, id);
            insert.setString(2, file);
            insert.executeUpdate();
        }
        return file;
    }

    /** What a file written here holds: derived from its name, so a copy can be checked whole. */
    static String contentOf(String file) {
        return ("content of " + file + "\n").repeat(50);
    }

    /** The files the records in {@code dataDb} name. */
    static List<String> filesNamedIn(Path dataDb) throws SQLException {
        List<String> files = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDb.toAbsolutePath());
             Statement s = c.createStatement(); ResultSet rows = s.executeQuery("SELECT file FROM posts")) {
            while (rows.next()) {
                files.add(rows.getString(1));
            }
        }
        return files;
    }

    @Override
    public void close() throws SQLException {
        db.close();
    }
}
