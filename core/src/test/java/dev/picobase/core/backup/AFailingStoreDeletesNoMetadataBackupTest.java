package dev.picobase.core.backup;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.picobase.config.MetadataConfig;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.core.storage.ObjectStoreException;
import dev.picobase.core.storage.S3ObjectStore;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqlBackend;
import dev.picobase.testsupport.S3ProxyServer;
import dev.picobase.testsupport.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that answers 500 (WireMock in front of S3Proxy, switched from forwarding to failing):
 * the backup fails, the status says so, and not one request deletes anything, so the backups taken
 * before the store failed are all still there, however small the retention.
 *
 * <p>What could go wrong: retention applied before (or regardless of) the upload, so that each
 * failed hourly attempt would delete the oldest good backup, and a day's outage would delete them all.
 */
class AFailingStoreDeletesNoMetadataBackupTest {
    @TempDir
    Path dir;

    private final S3ProxyServer s3 = S3ProxyServer.shared();
    private final String bucket = s3.newBucket();
    private final WireMockServer wiremock = new WireMockServer(WireMockConfiguration.options().dynamicPort()
            .bindAddress("127.0.0.1").preserveHostHeader(true));
    private final TestClock clock = new TestClock(Instant.parse("2026-12-05T09:00:00Z"));
    private ObjectStore objects;
    private MetadataStore store;
    private Path database;

    @BeforeEach
    void start() throws Exception {
        wiremock.start();
        up();
        objects = S3ObjectStore.create("http://127.0.0.1:" + wiremock.port(), bucket, s3.accessKey(), s3.secretKey(),
                "auto");
        database = Files.createDirectories(dir.resolve("data")).resolve("picobase.db");
        store = MetadataStore.open(SqlBackend.of(new MetadataConfig(database, Optional.empty(), Optional.empty())),
                clock);
    }

    @AfterEach
    void stop() {
        store.close();
        objects.close();
        wiremock.stop();
    }

    private void up() {
        wiremock.resetMappings();
        wiremock.stubFor(any(anyUrl()).willReturn(aResponse().proxiedFrom(s3.endpoint())));
    }

    private void down() {
        wiremock.resetMappings();
        wiremock.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/xml")
                .withBody("<Error><Code>InternalError</Code><Message>storage is down</Message></Error>")));
    }

    @Test
    void failedUploadsKeepEveryEarlierBackup() {
        MetadataBackups backups = new MetadataBackups(database, objects, 1, clock);
        store.createUser("Ann", "ann@example.com", "hash-a").orElseThrow();
        String good = backups.backUp().orElseThrow();
        Instant goodAt = clock.instant();

        down();
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofHours(1));
            store.createUser("User " + i, "user" + i + "@example.com", "hash").orElseThrow();
            assertThatThrownBy(backups::backUp).isInstanceOf(ObjectStoreException.class);
        }

        MetadataBackups.Status status = backups.status();
        assertThat(status.lastError()).isNotBlank();
        assertThat(status.lastAttemptAt()).isEqualTo(clock.instant());
        assertThat(status.lastSuccessAt()).isEqualTo(goodAt);
        assertThat(status.lastKey()).isEqualTo(good);
        assertThat(wiremock.findAll(deleteRequestedFor(anyUrl()))).as("DELETE requests").isEmpty();

        up();
        assertThat(MetadataBackups.list(objects)).containsExactly(good);
        clock.advance(Duration.ofHours(1));
        String next = backups.backUp().orElseThrow();
        assertThat(backups.status().lastError()).isNull();
        assertThat(MetadataBackups.list(objects)).as("retention 1, after a successful upload").containsExactly(next);
    }
}
