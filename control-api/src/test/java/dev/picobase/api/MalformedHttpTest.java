package dev.picobase.api;

import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StoreKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests no real client sends, over raw sockets: each gets a JSON error with the right status
 * and, when the connection can no longer be trusted, is closed; the server keeps serving others.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MalformedHttpTest extends PlatformPerStoreKind {
    @AfterEach
    void theServerStillServesNormalRequests() {
        assertThatReply(api.client().get("/api/health")).hasStatus(200);
        try (RawHttp connection = RawHttp.connect(api.port())) {
            assertThat(connection.send("GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse().status())
                    .isEqualTo(200);
        }
    }

    private static void assertJsonError(RawHttp.Response response, int status) {
        assertThat(response.status()).as(response.statusLine() + " " + response.text()).isEqualTo(status);
        assertThat(response.header("content-type")).isNotNull().satisfies(t -> assertThat(t).startsWith("application/json"));
        assertThat(response.json().path("error").path("code").asText()).isNotBlank();
        assertThat(response.json().path("error").path("message").asText()).isNotBlank();
    }

    @ParameterizedTest
    @ValueSource(strings = {"this is not http\r\n\r\n", "GET\r\n\r\n", "GET /api/health HTTP/9.x\r\n\r\n",
        "G\u0001T /api/health HTTP/1.1\r\n\r\n", "\u0000\u0001\u0002\u0003 garbage\r\n\r\n"})
    void aGarbageRequestLineGetsAJson400AndTheConnectionIsClosed(String request) {
        try (RawHttp connection = RawHttp.connect(api.port())) {
            RawHttp.Response response = connection.send(request).readResponse();

            assertJsonError(response, 400);
            assertThat(connection.isClosedByServer()).isTrue();
        }
    }

    @Test
    void aRequestLineLongerThan8KbGets414() {
        try (RawHttp connection = RawHttp.connect(api.port())) {
            RawHttp.Response response = connection
                    .send("GET /api/" + "a".repeat(9000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse();

            assertJsonError(response, 414);
            assertThat(connection.isClosedByServer()).isTrue();
        }
    }

    @Test
    void headersOver16KbGet431() {
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            headers.append("X-Filler-").append(i).append(": ").append("b".repeat(1000)).append("\r\n");
        }
        try (RawHttp connection = RawHttp.connect(api.port())) {
            RawHttp.Response response = connection
                    .send("GET /api/health HTTP/1.1\r\nHost: localhost\r\n" + headers + "\r\n").readResponse();

            assertJsonError(response, 431);
            assertThat(connection.isClosedByServer()).isTrue();
        }
    }

    @Test
    void anUnknownEndpointGetsAJson404AndTheConnectionStaysUsable() {
        try (RawHttp connection = RawHttp.connect(api.port())) {
            RawHttp.Response notFound = connection
                    .send("GET /api/no/such/thing HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse();

            assertJsonError(notFound, 404);
            assertThat(notFound.errorCode()).isEqualTo("not_found");
            RawHttp.Response next = connection.send("GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .readResponse();
            assertThat(next.status()).isEqualTo(200);
        }
    }

    @Test
    void aWrongMethodGets405WithAllow() {
        try (RawHttp connection = RawHttp.connect(api.port())) {
            RawHttp.Response response = connection
                    .send("PUT /api/instances HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}")
                    .readResponse();

            assertJsonError(response, 405);
            assertThat(response.errorCode()).isEqualTo("method_not_allowed");
            assertThat(response.header("allow")).isNotNull().satisfies(allow ->
                    assertThat(allow.split(",\\s*")).containsExactlyInAnyOrder("GET", "POST"));
            RawHttp.Response next = connection.send("GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .readResponse();
            assertThat(next.status()).isEqualTo(200);
        }
    }

    @Test
    void aConnectionCloseRequestIsAnsweredAndClosed() {
        try (RawHttp connection = RawHttp.connect(api.port())) {
            RawHttp.Response response = connection
                    .send("GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").readResponse();

            assertThat(response.status()).isEqualTo(200);
            assertThat(connection.isClosedByServer()).isTrue();
        }
    }

    @Test
    void severalRequestsShareOneKeptAliveConnection() {
        try (RawHttp connection = RawHttp.connect(api.port())) {
            String[] paths = {"/api/health", "/api/me", "/api/nope", "/", "/api/health"};
            int[] statuses = {200, 401, 404, 200, 200};
            for (int i = 0; i < paths.length; i++) {
                String path = paths[i];
                RawHttp.Response response = connection.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                        .readResponse();
                assertThat(response.status()).as(path).isEqualTo(statuses[i]);
                assertThat(response.header("connection")).as(path).isNotEqualToIgnoringCase("close");
            }
        }
    }
}
