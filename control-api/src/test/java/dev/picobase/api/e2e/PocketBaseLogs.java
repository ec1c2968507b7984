package dev.picobase.api.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Reads PocketBase's request log ({@code pb_data/logs.db}, table {@code _logs}) as a test would inspect it. */
final class PocketBaseLogs {
    private PocketBaseLogs() {}

    /** The {@code data} JSON of the first logged request whose data contains {@code marker}, or null. */
    static String dataOf(Path logsDb, String marker) {
        if (!Files.exists(logsDb)) {
            return null;
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + logsDb + "?mode=ro");
             PreparedStatement q = c.prepareStatement("SELECT data FROM _logs WHERE data LIKE ? LIMIT 1")) {
            q.setString(1, "%" + marker + "%");
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            return null; // not created yet, or busy: the caller polls
        }
    }
}
