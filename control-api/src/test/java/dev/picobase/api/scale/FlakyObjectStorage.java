package dev.picobase.api.scale;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.picobase.testsupport.S3ProxyServer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Object storage that can go down and come back: WireMock in front of the shared S3Proxy, either
 * forwarding every request to it ({@link #up()}) or answering every request with S3's
 * {@code 500 InternalError} ({@link #down()}). The Host header is passed through unchanged, because
 * it is part of what the client's AWS v4 signature covers and S3Proxy checks that signature.
 */
final class FlakyObjectStorage implements AutoCloseable {
    private final S3ProxyServer s3 = S3ProxyServer.shared();
    private final String bucket = s3.newBucket();
    private final WireMockServer wiremock = new WireMockServer(WireMockConfiguration.options().dynamicPort()
            .bindAddress("127.0.0.1").preserveHostHeader(true));

    private final int port;

    FlakyObjectStorage() {
        wiremock.start();
        port = wiremock.port();
        up();
    }

    /** Every request from now on reaches S3Proxy. */
    void up() {
        wiremock.resetMappings();
        wiremock.stubFor(any(anyUrl()).willReturn(aResponse().proxiedFrom(s3.endpoint())));
    }

    /** Every request from now on fails as an S3 server in trouble fails. */
    void down() {
        wiremock.resetMappings();
        wiremock.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(500)
                .withHeader("Content-Type", "application/xml")
                .withBody("<Error><Code>InternalError</Code><Message>storage is down</Message></Error>")));
    }

    /** From now on nothing listens at the endpoint: every connection is refused. */
    void unreachable() {
        wiremock.stop();
    }

    /** The endpoint as the platform is configured with it ({@code host:port}), and the bucket: operator facts. */
    List<String> operatorFacts() {
        return List.of("127.0.0.1:" + port, bucket);
    }

    /** How many requests reached this endpoint so far (failed ones included). */
    int requests() {
        return wiremock.getAllServeEvents().size();
    }

    /**
     * The configuration variables that point PicoBase at this endpoint, with data under {@code dataDir}.
     * Metadata backups are off, so that every request {@link #requests()} counts is an instance's (a test
     * that wants them sets PICOBASE_METADATA_BACKUP_INTERVAL again).
     */
    Map<String, String> environment(java.nio.file.Path dataDir) {
        Map<String, String> env = new HashMap<>(s3.environment(bucket));
        env.put("PICOBASE_S3_ENDPOINT", "http://127.0.0.1:" + wiremock.port());
        env.put("PICOBASE_DATA_DIR", dataDir.toString());
        env.put("PICOBASE_METADATA_BACKUP_INTERVAL", "off");
        return env;
    }

    @Override
    public void close() {
        wiremock.stop();
    }
}
