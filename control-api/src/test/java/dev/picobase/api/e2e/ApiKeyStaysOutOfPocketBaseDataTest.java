package dev.picobase.api.e2e;

import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.Browser;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StoreKind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A browser that opened PocketBase's admin UI at {@code /_/?apikey=KEY} kept the key in the page's
 * address and sent it as the {@code Referer} of every request the UI made; PocketBase logged those
 * in {@code logs.db}, so the full key sat in the instance's data and in every snapshot, readable by
 * anyone who can read a backup. After a real Chromium session through the gateway and a stop (which
 * writes a snapshot), neither any file of the instance's local copy (databases, WAL files, logs) nor
 * any entry of the snapshot archive holds the key's secret — while the logs do hold the session's
 * requests, so the search looks where the key used to be.
 */
class ApiKeyStaysOutOfPocketBaseDataTest {
    @TempDir
    Path dataDir;

    @Test
    void keyIsInNeitherLogsNorSnapshotAfterABrowserSession() throws IOException {
        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, dataDir); Browser browser = Browser.start(false)) {
            SignedIn user = api.client().signUpAndSignIn();
            AdminUiTenant tenant = AdminUiTenant.create(api, user);
            String secret = tenant.key().substring(tenant.key().lastIndexOf('_') + 1);

            WebDriver driver = browser.driver();
            driver.get(tenant.url("/_/?apikey=" + tenant.key()));
            AdminUiTenant.signIn(driver);
            new WebDriverWait(driver, AdminUiTenant.UI_WAIT).withMessage("the dashboard with the users collection")
                    .until(d -> AdminUiTenant.bodyText(d).contains("New collection")
                            && AdminUiTenant.bodyText(d).contains("users"));
            driver.get(tenant.url("/_/#/logs")); // one more page of the UI, and its API calls
            new WebDriverWait(driver, AdminUiTenant.UI_WAIT).withMessage("the logs page")
                    .until(d -> AdminUiTenant.bodyText(d).contains("Logs"));

            String instance = "/api/instances/" + tenant.instanceId();
            assertThatReply(user.client().post(instance + "/stop")).hasStatus(200);
            Deadline.await("the instance to be stopped (and saved)", Duration.ofSeconds(30),
                    () -> user.client().get(instance).json().path("status").asText().equals("stopped"));

            Map<String, byte[]> stored = new LinkedHashMap<>();
            Path local = dataDir.resolve("instances").resolve(tenant.instanceId());
            regularFiles(local).forEach(f -> stored.put(f.toString(), read(f)));
            List<Path> snapshots = regularFiles(dataDir.resolve("objects")).stream()
                    .filter(f -> f.toString().contains(tenant.instanceId()) && f.toString().endsWith(".zip")).toList();
            assertThat(snapshots).withFailMessage("no snapshot was written at stop").isNotEmpty();
            for (Path zip : snapshots) {
                byte[] bytes = read(zip);
                stored.put(zip.toString(), bytes);
                unzip(bytes).forEach((entry, content) -> stored.put(zip + "!" + entry, content));
            }
            assertThat(stored.keySet()).anyMatch(name -> name.endsWith("logs.db"));
            assertThat(stored.keySet()).anyMatch(name -> name.contains(".zip!") && name.endsWith("logs.db"));

            assertThat(holding(stored, "/api/collections"))
                    .withFailMessage("PocketBase logged none of the admin UI's requests; the search would prove nothing")
                    .isNotEmpty();
            assertThat(holding(stored, secret)).withFailMessage("the key's secret is stored in %s",
                    holding(stored, secret)).isEmpty();
        }
    }

    /** The names of the stored files (and archive entries) whose bytes contain {@code text}. */
    private static List<String> holding(Map<String, byte[]> stored, String text) {
        byte[] needle = text.getBytes(StandardCharsets.US_ASCII);
        List<String> found = new ArrayList<>();
        stored.forEach((name, bytes) -> {
            if (indexOf(bytes, needle) >= 0) {
                found.add(name);
            }
        });
        return found;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        return entries;
    }

    private static List<Path> regularFiles(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
