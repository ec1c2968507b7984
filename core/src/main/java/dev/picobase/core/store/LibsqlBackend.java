package dev.picobase.core.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;

/**
 * Turso or a self-hosted {@code sqld} through the libSQL JDBC driver, which speaks libSQL's HTTP
 * API: every statement is one round trip, and there are no transactions. {@code libsql://host}
 * URLs (Turso's form) are reached over HTTPS; the auth token travels as the JDBC password.
 */
public final class LibsqlBackend implements SqlBackend {
    private final String httpUrl;
    private final String authToken;

    public LibsqlBackend(String url, String authToken) {
        this.httpUrl = url.toLowerCase(Locale.ROOT).startsWith("libsql://")
                ? "https://" + url.substring("libsql://".length())
                : url;
        this.authToken = authToken;
    }

    @Override
    public Connection open() throws SQLException {
        return DriverManager.getConnection("jdbc:dbeaver:libsql:" + httpUrl, null, authToken);
    }

    @Override
    public String describe() {
        return "libSQL server " + httpUrl;
    }
}
