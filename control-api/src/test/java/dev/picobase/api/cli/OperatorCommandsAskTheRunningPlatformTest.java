package dev.picobase.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.Tenant;
import dev.picobase.api.testsupport.PicobaseScript;
import dev.picobase.api.testsupport.PicobaseScript.Outcome;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.FreePorts;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StoreKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./picobase status}, {@code instances} and {@code logs} — the real script, on this build's
 * classes — ask a platform started here on its management port (PICOBASE_MANAGEMENT_PORT, as a user
 * would set it) and print what a user should read: the instance counts by status, each instance's
 * subdomain, owner, status, last activity and snapshot size (the size its backups list shows), a line
 * PocketBase printed, and with {@code -f} the lines of a later run as they come, each once. Without a
 * platform, one line on stderr and exit 1; usage errors exit 2; nothing is ever built (the
 * {@code mvn} on the script's PATH records calls).
 *
 * <p>What could go wrong: a listing that omits stopped instances or reads a never-saved snapshot as
 * 0 bytes; counts that lag (a cached gauge) after a stop; {@code logs -f} that prints the window again
 * on every poll, or misses the lines of a restart; an unreachable platform reported as a stack trace.
 */
@Timeout(180)
class OperatorCommandsAskTheRunningPlatformTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void statusInstancesAndLogsShowWhatThePlatformHas() {
        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, dir.resolve("data"))) {
            PicobaseScript script = PicobaseScript.in(dir)
                    .with("PICOBASE_MANAGEMENT_BIND_ADDRESS", "127.0.0.1")
                    .with("PICOBASE_MANAGEMENT_PORT", Integer.toString(api.managementPort()));
            ApiClient.SignedIn ann = api.client().signUpAndSignIn();
            Tenant alpha = ann.createInstanceWithKey();
            String bravo = ann.createInstance().get("subdomain").asText();
            assertThat(ann.client().post("/api/instances/" + alpha.id() + "/start").status()).isEqualTo(200);
            int firstPort = api.platform().lifecycle().running(alpha.id()).orElseThrow().port();

            Outcome status = script.run("status");
            assertThat(status.exitCode()).as(status.toString()).isZero();
            assertThat(status.stdout().lines().findFirst().orElseThrow()).startsWith("PicoBase " + pomVersion())
                    .contains(", up ");
            assertThat(status.stdout()).contains("\ninstances:  2 (1 stopped, 1 running)\n")
                    .contains("\nnode:       single node\n")
                    .contains("\nheld:       0 requests waiting for an instance to start\n")
                    .contains("\nmanagement: http://127.0.0.1:" + api.managementPort() + "\n");
            JsonNode json = json(script.run("status", "--json"));
            assertThat(json.path("instances").path("total").asLong()).isEqualTo(2);
            assertThat(json.path("instances").path("running").asLong()).isEqualTo(1);
            assertThat(json.path("instances").path("stopped").asLong()).isEqualTo(1);
            assertThat(json.path("dataDirBytes").asLong()).as("PocketBase's pb_data is on disk").isPositive();

            // A request through the gateway becomes the instance's last activity (recorded within seconds).
            try (RawHttp http = RawHttp.connect(api.gatewayPort())) {
                http.send("GET /api/health HTTP/1.1\r\nHost: " + alpha.subdomain() + ".localhost\r\napikey: "
                        + alpha.key() + "\r\nConnection: close\r\n\r\n");
                assertThat(http.readResponse().status()).isEqualTo(200);
            }
            Deadline.await("./picobase instances to show alpha's last activity", WAIT,
                    () -> !row(script.run("instances"), alpha.subdomain())[3].equals("never"));
            Outcome instances = script.run("instances");
            assertThat(instances.stdout().lines().findFirst().orElseThrow().split(" {2,}"))
                    .containsExactly("SUBDOMAIN", "OWNER", "STATUS", "LAST ACTIVITY", "SNAPSHOT");
            String[] running = row(instances, alpha.subdomain());
            assertThat(running).hasSize(5);
            assertThat(List.of(running[0], running[1], running[2], running[4]))
                    .containsExactly(alpha.subdomain(), ann.email(), "running", "none");
            assertThat(running[3]).matches("just now|\\d+ s ago");
            assertThat(row(instances, bravo)).containsExactly(bravo, ann.email(), "stopped", "never", "none");

            Outcome logs = script.run("logs", alpha.subdomain());
            assertThat(logs.exitCode()).as(logs.toString()).isZero();
            assertThat(logs.stdout()).contains("Server started at http://127.0.0.1:" + firstPort + "\n");

            // Stopped: saved as a snapshot whose size the listing shows as the backups list it.
            assertThat(ann.client().post("/api/instances/" + alpha.id() + "/stop").status()).isEqualTo(200);
            long saved = ann.client().get("/api/instances/" + alpha.id() + "/backups").json()
                    .path("backups").get(0).path("sizeBytes").asLong();
            String[] stopped = row(script.run("instances"), alpha.subdomain());
            assertThat(stopped[2]).isEqualTo("stopped");
            assertThat(stopped[4]).isEqualTo(Units.bytes(saved)).doesNotStartWith("0 ");
            assertThat(script.run("status").stdout()).contains("\ninstances:  2 (2 stopped)\n");

            // -f: the window once, then a second run's lines as PocketBase prints them, each once: what
            // it printed is exactly the end of the log (no window printed twice, no line missed).
            try (PicobaseScript.Running follow = script.start("logs", alpha.subdomain(), "-f")) {
                Deadline.await("logs -f to print the first run", WAIT,
                        () -> count(follow.stdout(), "Server started at") == 1 || !follow.isAlive());
                assertThat(follow.isAlive()).as(follow.stderr()).isTrue();
                assertThat(ann.client().post("/api/instances/" + alpha.id() + "/start").status()).isEqualTo(200);
                String[] seen = {"", ""};
                try {
                    Deadline.await("logs -f to print the second run, as the end of the log", WAIT, () -> {
                        seen[0] = follow.stdout();
                        seen[1] = script.run("logs", alpha.subdomain(), "--lines", "1000").stdout();
                        return count(seen[0], "Server started at") == 2 && seen[1].endsWith(seen[0]);
                    });
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "\n--- logs -f printed:\n" + seen[0] + "--- the log:\n"
                            + seen[1], e);
                }
                assertThat(count(seen[0], "starting PocketBase on")).isEqualTo(2);
            }

            Outcome unknown = script.run("logs", "no-such-" + alpha.subdomain());
            assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(1);
            assertThat(unknown.stderr().lines().toList()).singleElement().asString()
                    .startsWith("picobase: no instance has the subdomain 'no-such-" + alpha.subdomain() + "'");
            assertThat(script.callsOf("mvn")).as("mvn calls (a build)").isEmpty();
        }
    }

    @Test
    void withoutAPlatformOneLineOnStderrAndExitOne() {
        int nobody = FreePorts.next();
        PicobaseScript script = PicobaseScript.in(dir).with("PICOBASE_MANAGEMENT_BIND_ADDRESS", "127.0.0.1")
                .with("PICOBASE_MANAGEMENT_PORT", Integer.toString(nobody));
        for (List<String> command : List.of(List.of("status"), List.of("instances"), List.of("logs", "some-app"))) {
            Outcome outcome = script.run(command.toArray(String[]::new));

            assertThat(outcome.exitCode()).as(command + ": " + outcome).isEqualTo(1);
            assertThat(outcome.stdout()).isEmpty();
            assertThat(outcome.stderr().lines().toList()).as(command.toString()).singleElement().asString()
                    .startsWith("picobase: no PicoBase answers on its management port at http://127.0.0.1:" + nobody + " (");
        }

        Outcome version = script.run("version");
        assertThat(version.exitCode()).as(version.toString()).isZero();
        assertThat(version.stdout()).startsWith("picobase " + pomVersion());

        for (List<String> misuse : List.of(List.of("logs"), List.of("logs", "a", "b"), List.of("status", "now"),
                List.of("logs", "some-app", "--lines", "0"), List.of("logs", "some-app", "-f", "--json"))) {
            Outcome outcome = script.run(misuse.toArray(String[]::new));
            assertThat(outcome.exitCode()).as(misuse + ": " + outcome).isEqualTo(2);
            assertThat(outcome.stderr().lines().toList()).as(misuse.toString()).singleElement().asString()
                    .startsWith("picobase: ");
        }
        assertThat(script.callsOf("mvn")).as("mvn calls (a build)").isEmpty();
    }

    /** The cells of the listing's line for {@code subdomain} (columns are two or more spaces apart). */
    private static String[] row(Outcome instances, String subdomain) {
        assertThat(instances.exitCode()).as(instances.toString()).isZero();
        return instances.stdout().lines().filter(l -> l.startsWith(subdomain + " ")).findFirst()
                .map(l -> l.split(" {2,}"))
                .orElseThrow(() -> new AssertionError("no line for " + subdomain + " in:\n" + instances.stdout()));
    }

    private static int count(String text, String needle) {
        return (int) text.lines().filter(l -> l.contains(needle)).count();
    }

    private static JsonNode json(Outcome outcome) {
        assertThat(outcome.exitCode()).as(outcome.toString()).isZero();
        try {
            return new ObjectMapper().readTree(outcome.stdout());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + outcome, e);
        }
    }

    /** The project version the root pom declares (what {@code ./picobase version} must print). */
    private static String pomVersion() {
        try {
            Matcher m = Pattern.compile("(?m)^  <version>(.+)</version>$")
                    .matcher(Files.readString(PicobaseScript.path().resolveSibling("pom.xml"), StandardCharsets.UTF_8));
            assertThat(m.find()).isTrue();
            return m.group(1);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
