package dev.picobase.api.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/picobase.service}, the unit the README tells operators to install. What could go wrong:
 * a unit systemd rejects or half-understands (a typo is a warning, not an error, and the directive is
 * silently ignored); or one that stops PicoBase the systemd default way — SIGTERM to every process of
 * the cgroup at once, so PocketBase processes die before the platform has saved them, and a 90 s
 * timeout that kills a platform still saving many instances. Now {@code systemd-analyze verify} (Debian's
 * systemd) accepts it without a word, and the directives that make a stop safe are there: SIGTERM to
 * the platform only ({@code KillMode=mixed}), minutes to save, restart on failure, a dedicated user, the
 * environment file, and a descriptor limit for many connections.
 */
class ServiceUnitTest {
    private static final Path UNIT = dev.picobase.api.testsupport.RepoFiles.path("deploy/picobase.service");

    @Test
    void systemdAcceptsTheUnitWithoutAWarning() throws Exception {
        Process verify = new ProcessBuilder("systemd-analyze", "verify", UNIT.toString()).redirectErrorStream(true)
                .start();
        String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(verify.exitValue()).as(output).isZero();
        assertThat(output).as("systemd-analyze verify says nothing of a good unit").isBlank();
    }

    @Test
    void aStopSavesBeforeAnythingIsKilled() throws IOException {
        Map<String, String> service = section("Service");

        assertThat(service.get("KillMode")).as("SIGTERM to the platform only; it stops its PocketBases itself")
                .isEqualTo("mixed");
        assertThat(Duration.ofSeconds(Long.parseLong(service.get("TimeoutStopSec"))))
                .as("time to save many instances").isGreaterThanOrEqualTo(Duration.ofMinutes(2));
        assertThat(service.get("Restart")).isEqualTo("on-failure");
        assertThat(service.get("User")).isNotBlank().isNotEqualTo("root");
        assertThat(service.get("EnvironmentFile")).isEqualTo("-/etc/picobase/picobase.env");
        assertThat(Long.parseLong(service.get("LimitNOFILE"))).isGreaterThanOrEqualTo(65536);
        assertThat(service.get("ExecStart")).endsWith(" up");
        assertThat(service.get("ReadWritePaths")).isEqualTo(service.get("WorkingDirectory"));
        assertThat(section("Install").get("WantedBy")).isEqualTo("multi-user.target");
    }

    /** The {@code key=value} lines of one {@code [section]} (a later line wins, as systemd reads them). */
    private static Map<String, String> section(String name) throws IOException {
        Map<String, String> values = new HashMap<>();
        String current = null;
        for (String line : Files.readAllLines(UNIT)) {
            String l = line.strip();
            if (l.startsWith("[") && l.endsWith("]")) {
                current = l.substring(1, l.length() - 1);
            } else if (name.equals(current) && !l.isEmpty() && !l.startsWith("#") && l.contains("=")) {
                values.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1));
            }
        }
        return values;
    }

}
