package dev.picobase.api;

import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StoreKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Paths outside {@code /api/} are the admin UI: HTML with a strict Content-Security-Policy, the
 * index page for client-side routes, and a JSON 404 for files that do not exist.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminUiIsServedTest extends PlatformPerStoreKind {
    @Test
    void theRootServesHtmlWithAContentSecurityPolicy() {
        Reply page = api.client().get("/");

        assertThatReply(page).hasStatus(200);
        assertThat(page.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("text/html"));
        assertThat(page.headers().firstValue("content-security-policy")).hasValueSatisfying(csp -> assertThat(csp)
                .contains("default-src 'self'").contains("script-src 'self'").contains("frame-ancestors 'none'")
                .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval"));
        assertThat(page.headers().firstValue("x-content-type-options")).contains("nosniff");
        assertThat(page.text()).containsIgnoringCase("<!doctype html").containsIgnoringCase("<title>");
    }

    @Test
    void aClientSideRouteServesTheSamePage() {
        Reply root = api.client().get("/");
        Reply route = api.client().get("/instances/ins_abc");

        assertThatReply(route).hasStatus(200);
        assertThat(route.text()).isEqualTo(root.text());
        assertThat(route.headers().firstValue("content-security-policy")).isPresent();
    }

    @Test
    void aMissingFileIsAJson404() {
        assertThatReply(api.client().get("/no-such-file.js")).isError(404, "not_found");
    }

    @Test
    void aPathOutsideTheUiIsNotServed() {
        for (String path : new String[] {"/../pom.xml", "/%2e%2e/pom.xml", "//etc/passwd", "/..%5cpom.xml"}) {
            try (RawHttp connection = RawHttp.connect(api.port())) {
                RawHttp.Response response = connection.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                        .readResponse();
                assertThat(response.status()).as(path).isEqualTo(404);
                assertThat(response.errorCode()).as(path).isEqualTo("not_found");
            }
        }
    }

    @Test
    void aWriteToThePagesIs405() {
        Reply reply = api.client().post("/", "{}");

        assertThatReply(reply).isError(405, "method_not_allowed");
        assertThat(reply.headers().firstValue("allow")).hasValueSatisfying(a -> assertThat(a).contains("GET"));
    }
}
