package dev.picobase.core.storage;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.http.Fault;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How {@link S3ObjectStore} behaves when the S3 server misbehaves, with WireMock standing in for it:
 * every failure surfaces as an {@link ObjectStoreException} within a bounded time, and a download
 * that broke off never leaves a file that looks like a complete object.
 */
class S3FaultsTest {
    private static final String BUCKET = "snapshots";
    private static final String KEY = "instances/ins_x/snapshots/2026-01-01.zip";
    private static final String OBJECT_PATH = "/" + BUCKET + "/" + KEY;
    private static final Duration SOCKET_TIMEOUT = Duration.ofMillis(500);
    /** Generous for the SDK's three attempts with backoff; a hang would take minutes. */
    private static final Duration BOUND = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private WireMockServer wiremock;
    private S3ObjectStore store;

    @BeforeEach
    void start() {
        wiremock = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
        wiremock.start();
        store = S3ObjectStore.create("http://127.0.0.1:" + wiremock.port(), BUCKET, "key", "secret",
                "us-east-1", SOCKET_TIMEOUT);
    }

    @AfterEach
    void stop() {
        store.close();
        wiremock.stop();
    }

    @Test
    void aPutAnsweredWith500Fails() throws IOException {
        wiremock.stubFor(put(urlPathEqualTo(OBJECT_PATH)).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/xml")
                .withBody("<Error><Code>InternalError</Code><Message>boom</Message></Error>")));
        Path source = Files.writeString(dir.resolve("snapshot.zip"), "snapshot");

        long started = System.nanoTime();
        assertThatThrownBy(() -> store.put(KEY, source))
                .isInstanceOf(ObjectStoreException.class)
                .hasMessageContaining(KEY);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
        assertThat(wiremock.findAll(putRequestedFor(urlPathEqualTo(OBJECT_PATH)))).isNotEmpty();
    }

    @Test
    void aStalledPutFailsOnceTheSocketTimesOut() throws IOException {
        wiremock.stubFor(put(urlPathEqualTo(OBJECT_PATH)).willReturn(aResponse().withStatus(200)
                .withFixedDelay((int) SOCKET_TIMEOUT.multipliedBy(4).toMillis())));
        Path source = Files.writeString(dir.resolve("snapshot.zip"), "snapshot");

        long started = System.nanoTime();
        assertThatThrownBy(() -> store.put(KEY, source)).isInstanceOf(ObjectStoreException.class);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
    }

    @Test
    void aGetAnsweredWith500FailsAndLeavesNoFile() {
        wiremock.stubFor(get(urlPathEqualTo(OBJECT_PATH)).willReturn(aResponse().withStatus(503)));
        Path destination = dir.resolve("restored.zip");

        assertThatThrownBy(() -> store.get(KEY, destination)).isInstanceOf(ObjectStoreException.class);

        assertThat(destination).doesNotExist();
        assertNoStrayFiles();
    }

    /** The ways a download can break off once the response has begun. */
    enum BrokenBody {
        RANDOM_DATA_THEN_CLOSE,
        MALFORMED_RESPONSE_CHUNK,
        CONNECTION_RESET_BY_PEER,
        /** Announces more bytes than it sends, then closes: looks like a clean end of stream. */
        SHORTER_THAN_CONTENT_LENGTH
    }

    @ParameterizedTest
    @EnumSource(BrokenBody.class)
    void aDownloadThatBreaksOffFailsAndLeavesNoCompleteLookingFile(BrokenBody broken) throws IOException {
        var response = aResponse().withStatus(200).withHeader("Content-Type", "application/octet-stream");
        response = switch (broken) {
            case RANDOM_DATA_THEN_CLOSE -> response.withFault(Fault.RANDOM_DATA_THEN_CLOSE);
            case MALFORMED_RESPONSE_CHUNK -> response.withBody("x".repeat(10_000))
                    .withFault(Fault.MALFORMED_RESPONSE_CHUNK);
            case CONNECTION_RESET_BY_PEER -> response.withFault(Fault.CONNECTION_RESET_BY_PEER);
            case SHORTER_THAN_CONTENT_LENGTH -> response.withHeader("Content-Length", "100000")
                    .withBody("x".repeat(10_000));
        };
        wiremock.stubFor(get(urlPathEqualTo(OBJECT_PATH)).willReturn(response));
        Path destination = Files.writeString(dir.resolve("restored.zip"), "an earlier copy");

        long started = System.nanoTime();
        assertThatThrownBy(() -> store.get(KEY, destination)).isInstanceOf(ObjectStoreException.class);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
        assertThat(wiremock.findAll(getRequestedFor(urlPathEqualTo(OBJECT_PATH)))).isNotEmpty();
        assertThat(destination).doesNotExist();
        assertNoStrayFiles();
    }

    @Test
    void aStalledDownloadFailsOnceTheSocketTimesOut() {
        wiremock.stubFor(get(urlPathEqualTo(OBJECT_PATH)).willReturn(aResponse().withStatus(200)
                .withBody("x".repeat(10_000))
                .withChunkedDribbleDelay(5, (int) SOCKET_TIMEOUT.multipliedBy(8).toMillis())));
        Path destination = dir.resolve("restored.zip");

        long started = System.nanoTime();
        assertThatThrownBy(() -> store.get(KEY, destination)).isInstanceOf(ObjectStoreException.class);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
        assertThat(destination).doesNotExist();
    }

    /** A server error must not read as "no such object", or a caller would think a snapshot is gone. */
    @Test
    void sizeReportsAServerErrorInsteadOfAMissingObject() {
        wiremock.stubFor(head(urlPathEqualTo(OBJECT_PATH)).willReturn(aResponse().withStatus(503)));

        assertThatThrownBy(() -> store.size(KEY)).isInstanceOf(ObjectStoreException.class);
    }

    @Test
    void sizeOfAMissingObjectIsMinusOne() {
        wiremock.stubFor(head(urlPathEqualTo(OBJECT_PATH)).willReturn(aResponse().withStatus(404)));

        assertThat(store.size(KEY)).isEqualTo(-1);
    }

    private void assertNoStrayFiles() {
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
