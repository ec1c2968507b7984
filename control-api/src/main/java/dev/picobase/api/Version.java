package dev.picobase.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * This build's project version and the git commit it was built from, as the build wrote them into
 * {@code dev/picobase/api/version.properties} (resource filtering; {@code ./picobase} passes the
 * commit). A build that was not given a commit (a plain {@code mvn package}) says {@code unknown}.
 * Shown by {@code ./picobase version}, the start line and the management port's {@code /status}.
 */
public record Version(String version, String commit) {
    private static final Version CURRENT = read();

    public static Version current() {
        return CURRENT;
    }

    private static Version read() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Version(filled(p.getProperty("version")), filled(p.getProperty("commit")));
    }

    /** A value the build filled in, or {@code unknown} (missing, or left as {@code ${...}}). */
    private static String filled(String value) {
        return value == null || value.isBlank() || value.contains("${") ? "unknown" : value.strip();
    }

    /** {@code 0.1.0-SNAPSHOT (commit 29a58a5c1d2e)}, or without the commit when it is unknown. */
    @Override
    public String toString() {
        return commit.equals("unknown") ? version : version + " (commit " + commit + ")";
    }
}
