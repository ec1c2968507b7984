package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.testsupport.RawHttp;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.StoreKind;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A body over {@code PICOBASE_API_MAX_BODY} (2 KiB here) is answered with the JSON 413 as soon as the
 * server knows it is too large, and the connection is closed so the rest is never read. Raw sockets,
 * because a client still sending when the server closes may see a reset instead of the response; these
 * tests only send what the server will have read by the time it answers.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OversizedBodyTest {
    private static final int MAX_BODY = 2048;

    @Parameter
    StoreKind kind;

    private RunningApi api;

    @BeforeParameterizedClassInvocation
    void startApi(StoreKind kind, @TempDir Path dataDir) {
        api = RunningApi.start(kind, dataDir, Map.of("PICOBASE_API_MAX_BODY", "2k"), Clock.systemUTC());
    }

    @AfterParameterizedClassInvocation
    void stopApi() {
        api.close();
    }

    @Test
    void aDeclaredLengthOverTheLimitIsRefusedBeforeTheBodyIsSent() {
        assertThat(api.config().apiMaxBodyBytes()).isEqualTo(MAX_BODY);
        try (RawHttp connection = RawHttp.connect(api.port())) {
            connection.send("POST /api/auth/signup HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n");

            RawHttp.Response response = connection.readResponse();

            assertThat(response.status()).isEqualTo(413);
            assertThat(response.header("content-type")).isNotNull().satisfies(t -> assertThat(t).startsWith("application/json"));
            assertThat(response.errorCode()).isEqualTo("too_large");
            assertThat(response.json().path("error").path("message").asText()).isNotBlank();
            assertThat(connection.isClosedByServer()).isTrue();
        }
        assertThatReply(api.client().get("/api/health")).hasStatus(200);
    }

    /**
     * curl sends {@code Expect: 100-continue} before large uploads. What went wrong: Netty's
     * {@code HttpObjectAggregator} answered an oversized one with its own bodiless 413, bypassing
     * {@code JsonBodyAggregator}'s JSON error.
     */
    @Test
    void anOversizedRequestExpectingContinueGetsTheJson413() {
        try (RawHttp connection = RawHttp.connect(api.port())) {
            connection.send("POST /api/auth/signup HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n");

            RawHttp.Response response = connection.readResponse();

            assertThat(response.status()).isEqualTo(413);
            assertThat(response.errorCode()).isEqualTo("too_large");
        }
    }

    @Test
    void aSmallRequestExpectingContinueIsInvitedAndServed() {
        String email = Unique.email();
        String body = json("name", "Ada", "email", email, "password", "correct horse battery");
        try (RawHttp connection = RawHttp.connect(api.port())) {
            connection.send("POST /api/auth/signup HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n");
            assertThat(connection.readResponse().status()).isEqualTo(100);

            RawHttp.Response response = connection.send(body).readResponse();

            assertThat(response.status()).isEqualTo(201);
        }
        assertThat(api.store().findCredentials(email)).isPresent();
    }

    @Test
    void aChunkedBodyGrowingOverTheLimitIsRefused() {
        try (RawHttp connection = RawHttp.connect(api.port())) {
            int size = MAX_BODY + 1000;
            connection.send("POST /api/auth/signup HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(size) + "\r\n" + " ".repeat(size));

            RawHttp.Response response = connection.readResponse();

            assertThat(response.status()).isEqualTo(413);
            assertThat(response.errorCode()).isEqualTo("too_large");
            assertThat(connection.isClosedByServer()).isTrue();
        }
        assertThatReply(api.client().get("/api/health")).hasStatus(200);
    }

    @Test
    void aBodyOverTheLimitIsRefusedThroughAnOrdinaryClient() {
        String email = Unique.email();
        String body = json("name", "Ada", "email", email, "password", "correct horse battery");
        String padded = body.substring(0, body.length() - 1) + " ".repeat(MAX_BODY) + "}";

        try {
            assertThatReply(api.client().post("/api/auth/signup", padded)).isError(413, "too_large");
        } catch (UncheckedIOException resetWhileSending) {
            // The server may close while the client is still writing; refused either way.
        }
        assertThat(api.store().findCredentials(email)).isEmpty();
    }

    @Test
    void aBodyWithinTheLimitIsAccepted() {
        String email = Unique.email();
        String body = json("name", "Ada", "email", email, "password", "correct horse battery");
        String padded = body.substring(0, body.length() - 1) + " ".repeat(MAX_BODY - body.length()) + "}";
        assertThat(padded).hasSize(MAX_BODY);

        assertThatReply(api.client().post("/api/auth/signup", padded)).hasStatus(201);
    }
}
