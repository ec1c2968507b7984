package dev.picobase.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What went wrong: routed errors carried {@code X-Content-Type-Options: nosniff}, but the errors the
 * control API writes before a request reaches the router (the decoder's 400, 414 and 431, the body
 * aggregator's 413 and 417) did not, so a browser could sniff those bodies as something other than
 * JSON. Every error now gets the header where error responses are made. The metadata store plays no
 * part, so one back end is enough.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EveryControlApiErrorIsNosniffTest {
    private RunningApi api;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        api = RunningApi.start(StoreKind.SQLITE, dataDir);
    }

    @AfterAll
    void stop() {
        api.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "garbage request line, 400",
        "request line over 8 KiB, 414",
        "headers over 16 KiB, 431",
        "body over the limit, 413",
        "unknown expectation, 417",
        "unknown route, 404"})
    void theErrorIsNosniffJson(String what, int status) {
        try (RawHttp connection = RawHttp.connect(api.port())) {
            RawHttp.Response response = connection.send(request(what)).readResponse();

            assertThat(response.status()).as(response.statusLine() + " " + response.text()).isEqualTo(status);
            assertThat(response.header("content-type")).startsWith("application/json");
            assertThat(response.errorCode()).isNotBlank();
            assertThat(response.header("x-content-type-options")).isEqualTo("nosniff");
        }
    }

    private static String request(String what) {
        return switch (what) {
            case "garbage request line" -> "this is not http\r\n\r\n";
            case "request line over 8 KiB" -> "GET /api/" + "a".repeat(9000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
            case "headers over 16 KiB" -> "GET /api/health HTTP/1.1\r\nHost: localhost\r\n"
                    + ("X-Filler: " + "b".repeat(1000) + "\r\n").repeat(20) + "\r\n";
            case "body over the limit" -> "POST /api/auth/signup HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n";
            case "unknown expectation" -> "POST /api/auth/signup HTTP/1.1\r\nHost: localhost\r\nExpect: 200-ok\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n";
            case "unknown route" -> "GET /api/no/such/thing HTTP/1.1\r\nHost: localhost\r\n\r\n";
            default -> throw new IllegalArgumentException(what);
        };
    }
}
