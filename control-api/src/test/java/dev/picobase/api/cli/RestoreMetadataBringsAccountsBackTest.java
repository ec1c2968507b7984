package dev.picobase.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.PicobaseScript;
import dev.picobase.api.testsupport.PicobaseScript.Outcome;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StorageKind;
import dev.picobase.testsupport.StoreKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The metadata database's backups as an operator lives them, on both object stores: a platform with
 * a short interval backs its accounts up (status and the metric say when, an unchanged database is
 * not uploaded again), {@code ./picobase restore-metadata} — the real script — refuses while the
 * platform runs, lists the backups once it is stopped, and puts the latest in place of a database
 * that was destroyed, keeping the destroyed file aside; the platform started again signs the user in
 * and lists the instance.
 *
 * <p>What could go wrong: a backup of a WAL database without its WAL (the account missing); a restore
 * over the file of a running platform; the current file deleted rather than set aside.
 */
@ParameterizedClass
@EnumSource(StorageKind.class)
@Timeout(180)
class RestoreMetadataBringsAccountsBackTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Parameter
    StorageKind kind;

    @TempDir
    Path dir;

    @Test
    void theLatestBackupRestoresAccountsAndInstancesAfterTheDatabaseIsLost() throws Exception {
        Path data = dir.resolve("data");
        Map<String, String> env = new HashMap<>(kind.environment(data)); // once: S3Proxy gets one bucket
        env.put("PICOBASE_METADATA_BACKUP_INTERVAL", "1s");
        env.put("PICOBASE_METADATA_BACKUP_RETENTION", "5");
        String email;
        String password;
        String subdomain;
        PicobaseScript script = PicobaseScript.in(dir);
        env.forEach(script::with);
        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, data, env, Clock.systemUTC())) {
            script.with("PICOBASE_MANAGEMENT_BIND_ADDRESS", "127.0.0.1")
                    .with("PICOBASE_MANAGEMENT_PORT", Integer.toString(api.managementPort()));
            ApiClient.SignedIn ann = api.client().signUpAndSignIn();
            email = ann.email();
            password = ann.password();
            subdomain = ann.createInstance().get("subdomain").asText();
            Instant created = Instant.now();
            ApiClient management = new ApiClient("http://127.0.0.1:" + api.managementPort());

            // A backup attempt that began after the instance was created has it (uploaded then, or before).
            Deadline.await("a metadata backup taken after the instance was created", WAIT, () -> {
                JsonNode b = management.get("/status").json().path("metadataBackup");
                return b.path("lastAttemptAt").isTextual() && Instant.parse(b.path("lastAttemptAt").asText())
                        .isAfter(created) && b.path("lastError").isNull() && b.path("lastKey").isTextual();
            });
            JsonNode backup = management.get("/status").json().path("metadataBackup");
            assertThat(backup.path("skipped").isNull()).isTrue();
            String key = backup.path("lastKey").asText();
            assertThat(key).matches("metadata/picobase-\\d{8}T\\d{6}Z\\.db\\.gz");
            double lastSuccess = api.scrapeMetrics().sum("picobase_metadata_backup_last_success_timestamp_seconds");
            assertThat(lastSuccess).isCloseTo(Instant.parse(backup.path("lastSuccessAt").asText()).toEpochMilli() / 1000.0,
                    org.assertj.core.api.Assertions.within(1.0));

            // Unchanged since: two more attempts, no more uploads.
            Instant seen = Instant.parse(backup.path("lastAttemptAt").asText());
            Deadline.await("two more backup attempts", WAIT, () -> Instant.parse(management.get("/status").json()
                    .path("metadataBackup").path("lastAttemptAt").asText()).isAfter(seen.plusMillis(1500)));
            JsonNode later = management.get("/status").json().path("metadataBackup");
            assertThat(later.path("lastKey").asText()).as("no new upload of an unchanged database").isEqualTo(key);
            assertThat(later.path("lastSuccessAt").asText()).isEqualTo(backup.path("lastSuccessAt").asText());

            Outcome status = script.run("status");
            assertThat(status.exitCode()).as(status.toString()).isZero();
            assertThat(status.stdout()).containsPattern("\nmetadata: {3}backed up (just now|\\d+ s ago) to "
                    + java.util.regex.Pattern.quote(key) + "\n");

            Outcome refused = script.run("restore-metadata", "latest");
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
            assertThat(refused.stderr()).contains("answers on the management port at http://127.0.0.1:"
                    + api.managementPort());
        }

        Outcome list = script.run("restore-metadata", "--list");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stdout().lines().findFirst().orElseThrow().split(" {2,}")).containsExactly("KEY", "TAKEN", "SIZE");
        List<String> keys = list.stdout().lines().filter(l -> l.startsWith("metadata/")).map(l -> l.split(" ")[0])
                .toList();
        assertThat(keys).isNotEmpty().isSorted();

        // The database is lost: overwritten, its WAL gone.
        Path db = data.resolve("picobase.db");
        Files.deleteIfExists(data.resolve("picobase.db-wal"));
        Files.deleteIfExists(data.resolve("picobase.db-shm"));
        Files.writeString(db, "destroyed", StandardCharsets.UTF_8);

        Outcome restore = script.run("restore-metadata", "latest");
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        String latest = keys.get(keys.size() - 1);
        assertThat(restore.stdout()).startsWith("restored " + latest + " (taken ")
                .contains(" to " + db + "\n").contains("next: ./picobase up\n");
        Path aside = Path.of(restore.stdout().lines().filter(l -> l.startsWith("the database it replaced is kept as "))
                .findFirst().orElseThrow().substring("the database it replaced is kept as ".length()));
        assertThat(aside.getFileName().toString()).matches("picobase\\.db\\.before-restore-\\d{8}T\\d{6}Z");
        assertThat(Files.readString(aside)).isEqualTo("destroyed");

        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, data, env, Clock.systemUTC())) {
            ApiClient.Reply signIn = api.client().post("/api/auth/signin",
                    ApiClient.json("email", email, "password", password));
            assertThat(signIn.status()).as(signIn.toString()).isEqualTo(200);
            ApiClient owner = api.client().withToken(signIn.json().get("token").asText());
            JsonNode instances = owner.get("/api/instances").json();
            assertThat(instances.toString()).contains("\"subdomain\":\"" + subdomain + "\"");
        }
    }

    @Test
    void aRestoreNamesWhatItCannotDo() {
        Path data = dir.resolve("data");
        PicobaseScript script = PicobaseScript.in(dir).with("PICOBASE_MANAGEMENT_BIND_ADDRESS", "127.0.0.1")
                .with("PICOBASE_MANAGEMENT_PORT", Integer.toString(dev.picobase.testsupport.FreePorts.next()));
        kind.environment(data).forEach(script::with);

        Outcome none = script.run("restore-metadata", "--list");
        assertThat(none.exitCode()).as(none.toString()).isZero();
        assertThat(none.stdout()).startsWith("no metadata backups in ");

        Outcome missing = script.run("restore-metadata", "metadata/picobase-20260101T000000Z.db.gz");
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
        // (The test class path has two SLF4J providers, which SLF4J warns of first; the jar has one.)
        assertThat(missing.stderr().lines().filter(l -> l.startsWith("picobase: ")).toList()).singleElement()
                .asString().startsWith("picobase: no metadata backup 'metadata/picobase-20260101T000000Z.db.gz' in ");

        Outcome misuse = script.run("restore-metadata");
        assertThat(misuse.exitCode()).as(misuse.toString()).isEqualTo(2);
        assertThat(misuse.stderr()).startsWith("picobase: which backup? --list shows them; usage: ");

        Outcome turso = script.with("TURSO_DATABASE_URL", "http://127.0.0.1:9").run("restore-metadata", "latest");
        assertThat(turso.exitCode()).as(turso.toString()).isEqualTo(1);
        assertThat(turso.stderr()).contains("libSQL server").contains("Backing up the metadata");
        assertThat(script.callsOf("mvn")).as("mvn calls (a build)").isEmpty();
    }
}
