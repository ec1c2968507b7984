package dev.picobase.core.store;

import dev.picobase.config.MetadataConfig;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * A SQLite-dialect database the metadata store can run on: the embedded SQLite file or a libSQL
 * server. Both speak the same SQL; they differ in how a connection is opened and in what the
 * driver supports (the libSQL driver has no transactions, so the store never uses them).
 */
public interface SqlBackend {

    Connection open() throws SQLException;

    /** For logs: which database this is, without credentials. */
    String describe();

    static SqlBackend of(MetadataConfig config) {
        if (config.isLibsql()) {
            return new LibsqlBackend(config.libsqlUrl().orElseThrow(), config.libsqlAuthToken().orElse(null));
        }
        return new SqliteFileBackend(config.sqliteFile());
    }
}
