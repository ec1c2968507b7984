package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.core.io.FileTrees;
import dev.picobase.testsupport.StorageKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A stop signal to the platform's whole process group saves every running instance. Before, the
 * PocketBase children shared the platform's group: a terminal's Ctrl-C, {@code kill -- -PGID} or
 * systemd's {@code KillMode=control-group} killed them directly, the platform logged "exited
 * unexpectedly", marked them {@code failed} and saved nothing at shutdown, so writes since the last
 * save lived only on local disk.
 *
 * <p>The platform runs as its own JVM leading its own process group ({@link PlatformProcess}); two
 * instances take writes through the gateway (never saved before), then SIGTERM goes to the group,
 * once alone and once with the PocketBase pids signalled in the same {@code kill} (what systemd's
 * control-group mode does: it signals every process of the service whatever its group). After the
 * platform exits, the instances' local directories are deleted and a new platform starts on the same
 * metadata and object store, so every record read back through the gateway comes from the snapshot
 * the shutdown saved; neither instance may be {@code failed}.
 */
@ParameterizedClass
@EnumSource(StorageKind.class)
@Timeout(180)
class GroupStopSignalSavesEveryRunningInstanceTest {
    private static final String ADMIN = "admin@example.com";
    private static final String PASSWORD = "1234567890";
    private static final int WRITES = 5;

    @Parameter
    StorageKind storage;

    @RegisterExtension
    final PlatformProcesses platforms = new PlatformProcesses();

    private Map<String, String> storageSettings;

    @BeforeEach
    void storage() {
        storageSettings = storage.environment(platforms.dataDir()); // one bucket for both platforms
    }

    private PlatformProcess platform(String name, boolean groupLeader) {
        return platforms.start(name, storageSettings, groupLeader);
    }

    @Test
    void aSigtermToThePlatformsGroupSavesEveryRunningInstance() {
        stopTheGroupAndReadEverythingBack(false);
    }

    @Test
    void aSigtermToEveryProcessOfTheServiceSavesEveryRunningInstance() {
        stopTheGroupAndReadEverythingBack(true);
    }

    private void stopTheGroupAndReadEverythingBack(boolean pocketBaseSignalledToo) {
        PlatformProcess first = platform("first", true);
        ApiClient.SignedIn user = first.client().signUpAndSignIn();
        Map<String, TenantGateway> admins = new LinkedHashMap<>();
        Map<String, Set<String>> acknowledged = new LinkedHashMap<>();
        for (int n = 0; n < 2; n++) {
            ApiClient.Tenant tenant = user.createInstanceWithKey();
            TenantGateway admin = new TenantGateway(first.gatewayPort(), tenant.subdomain(), tenant.key())
                    .asNewAdmin(ADMIN, PASSWORD);
            admin.createNotes();
            Set<String> notes = new TreeSet<>();
            for (int i = 0; i < WRITES; i++) {
                notes.add(admin.writeNote("note " + i + " of " + tenant.subdomain()));
            }
            admins.put(tenant.id(), admin);
            acknowledged.put(tenant.id(), notes);
        }
        List<ProcessHandle> pocketBases = PlatformProcess.pocketBasesUnder(platforms.dataDir());
        assertThat(pocketBases).as("one PocketBase per instance").hasSize(2);

        first.signalGroup(pocketBaseSignalledToo ? pocketBases.stream().map(ProcessHandle::pid).toList() : List.of());
        first.awaitExit(Duration.ofSeconds(60));

        assertThat(PlatformProcess.pocketBasesUnder(platforms.dataDir())).as("PocketBase left running after the shutdown")
                .isEmpty();
        for (String id : acknowledged.keySet()) {
            deleteLocalCopy(id); // from here on, the data exists only where the shutdown saved it
        }

        PlatformProcess second = platform("second", false);
        ApiClient owner = second.client().withToken(signInAgain(second.client(), user));
        for (Map.Entry<String, Set<String>> instance : acknowledged.entrySet()) {
            String id = instance.getKey();
            ApiClient.Reply status = owner.get("/api/instances/" + id);
            assertThat(status.json().path("status").asText()).as("status of %s after the group stop: %s", id,
                    status.text()).isEqualTo("stopped");
            assertThat(admins.get(id).on(second.gatewayPort()).notes())
                    .as("records of %s, restored from the snapshot the shutdown saved", id)
                    .isEqualTo(instance.getValue());
        }
        String output = first.output();
        assertThat(output).doesNotContain("exited unexpectedly").doesNotContain("could not save")
                .doesNotContain("saving failed");
        if (pocketBaseSignalledToo) { // the children did get the signal, and exited before being asked
            assertThat(output).contains("exited during shutdown");
        }
    }

    private static String signInAgain(ApiClient api, ApiClient.SignedIn user) {
        ApiClient.Reply in = api.post("/api/auth/signin", ApiClient.json("email", user.email(), "password",
                user.password()));
        assertThat(in.status()).as(in.text()).isEqualTo(200);
        return in.json().path("token").asText();
    }

    private void deleteLocalCopy(String id) {
        try {
            FileTrees.delete(platforms.dataDir().resolve("instances").resolve(id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
