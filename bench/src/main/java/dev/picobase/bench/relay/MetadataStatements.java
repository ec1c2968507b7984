package dev.picobase.bench.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The SQL in the body of a libSQL HTTP request, as the platform's driver sends it. The libSQL JDBC
 * driver PicoBase uses ({@code com.dbeaver.jdbc.driver.libsql}) POSTs every statement on its own to
 * the server's root, {@code {"statements":[{"q":"<sql>","params":[...]}]}} (libSQL's original HTTP
 * API; a plain string stands for a statement without parameters). Turso's newer clients speak Hrana
 * over HTTP instead ({@code POST /v2/pipeline} or {@code /v3/pipeline},
 * {@code {"requests":[{"type":"execute","stmt":{"sql":"<sql>"}}, ...]}}); both are read, so a change
 * of driver keeps the count right. Anything else has no statements.
 */
public final class MetadataStatements {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MetadataStatements() {}

    /** The statements in {@code body}, in order; empty when it is not a libSQL request body. */
    public static List<String> of(byte[] body, int length) {
        List<String> out = new ArrayList<>();
        if (length == 0) {
            return out;
        }
        JsonNode root;
        try {
            root = JSON.readTree(body, 0, length);
        } catch (IOException e) {
            return out;
        }
        if (root == null) {
            return out;
        }
        for (JsonNode s : root.path("statements")) {
            String sql = s.isTextual() ? s.asText() : s.path("q").asText(null);
            if (sql != null) {
                out.add(sql);
            }
        }
        for (JsonNode r : root.path("requests")) {
            addSql(out, r.path("stmt"));
            for (JsonNode step : r.path("batch").path("steps")) {
                addSql(out, step.path("stmt"));
            }
        }
        return out;
    }

    private static void addSql(List<String> out, JsonNode stmt) {
        String sql = stmt.path("sql").asText(null);
        if (sql != null) {
            out.add(sql);
        }
    }

    /** One line, single spaces, lower case: what statement kinds are matched against. */
    public static String normalized(String sql) {
        return sql.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    /** The statement's opening words, enough to tell which statement of the platform it is. */
    public static String label(String sql) {
        String one = sql.strip().replaceAll("\\s+", " ");
        return one.length() <= 60 ? one : one.substring(0, 60) + "…";
    }
}
