package dev.picobase.core.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import org.sqlite.SQLiteConfig;

/**
 * The embedded default: one SQLite file under the data directory, in WAL mode so readers never
 * wait for the writer, with a busy timeout so concurrent writers queue instead of failing.
 */
public final class SqliteFileBackend implements SqlBackend {
    private final Path file;

    public SqliteFileBackend(Path file) {
        this.file = file;
    }

    @Override
    public Connection open() throws SQLException {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory of " + file, e);
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(10_000);
        config.enforceForeignKeys(true);
        return config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
    }

    @Override
    public String describe() {
        return "SQLite file " + file;
    }
}
