package dev.picobase.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.StoreKind;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * HTTP/1.1 lets a client send several requests on one connection without waiting (pipelining); the
 * server must answer them in the order they arrived (RFC 9112, section 9.3.2).
 *
 * <p>What went wrong: {@code ApiChannelHandler} handed every decoded request to the blocking executor
 * at once and wrote each response when its handler finished, so a slow request (a sign-in, which
 * runs bcrypt) followed by a fast one (health) was answered fast-one-first, and the client paired
 * each response with the wrong request; admin-UI files, served on the event loop, overtook both.
 * Every response on a connection is now chained behind the previous one.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelinedRequestsAreAnsweredInOrderTest extends PlatformPerStoreKind {
    private String slowSignIn() {
        String signIn = ApiClient.json("email", Unique.email(), "password", "wrong password");
        return "POST /api/auth/signin HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + signIn.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + signIn;
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    @Test
    void aSlowApiResponseComesBeforeTheFastOnesSentAfterIt() {
        try (RawHttp connection = RawHttp.connect(api.port())) {
            connection.send(slowSignIn() + get("/api/health") + get("/api/nope") + slowSignIn() + get("/api/health"));

            assertThat(connection.readResponse().status()).as("sign-in").isEqualTo(401);
            assertThat(connection.readResponse().status()).as("health").isEqualTo(200);
            assertThat(connection.readResponse().status()).as("unknown path").isEqualTo(404);
            assertThat(connection.readResponse().status()).as("second sign-in").isEqualTo(401);
            assertThat(connection.readResponse().status()).as("health again").isEqualTo(200);
        }
    }

    @Test
    void anAdminUiFileRequestedAfterASlowApiCallIsAnsweredAfterIt() {
        try (RawHttp connection = RawHttp.connect(api.port())) {
            connection.send(slowSignIn() + get("/"));

            assertThat(connection.readResponse().status()).as("sign-in").isEqualTo(401);
            RawHttp.Response page = connection.readResponse();
            assertThat(page.status()).as("admin UI").isEqualTo(200);
            assertThat(page.header("content-type")).isNotNull().satisfies(t -> assertThat(t).startsWith("text/html"));
        }
    }
}
