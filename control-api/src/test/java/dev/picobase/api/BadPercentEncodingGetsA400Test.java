package dev.picobase.api;

import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StoreKind;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A request whose path or query has a broken percent-escape ({@code %zz}, a lone {@code %}) is
 * malformed input like any other and gets the JSON 400.
 *
 * <p>What went wrong: {@code ApiRequest.of} decodes the URI with {@code QueryStringDecoder}, whose
 * {@code path()} and {@code parameters()} throw {@link IllegalArgumentException} on a bad escape. The
 * exception escaped {@code ApiChannelHandler.channelRead0} on the event loop, {@code exceptionCaught}
 * closed the connection, and the client got no response at all.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadPercentEncodingGetsA400Test extends PlatformPerStoreKind {
    @ParameterizedTest
    @ValueSource(strings = {"/api/health?x=%zz", "/api/%zz", "/api/instances/%", "/%zz", "/api/me?q=%e"})
    void aBrokenEscapeIsAJson400(String target) {
        try (RawHttp connection = RawHttp.connect(api.port())) {
            RawHttp.Response response = connection.send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .readResponse();

            assertThat(response.status()).isEqualTo(400);
            assertThat(response.header("content-type")).isNotNull().satisfies(t -> assertThat(t)
                    .startsWith("application/json"));
            assertThat(response.json().path("error").path("code").asText()).isNotBlank();
            assertThat(response.json().path("error").path("message").asText()).isNotBlank();
        }
        assertThatReply(api.client().get("/api/health")).hasStatus(200);
    }
}
