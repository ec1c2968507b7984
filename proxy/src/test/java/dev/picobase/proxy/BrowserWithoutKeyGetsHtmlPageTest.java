package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Opening an instance's {@code /_/} in a browser without a key, or with one that is not valid for the
 * instance, showed the gateway's raw JSON error. A request that accepts HTML now gets a small page (still
 * 401, nosniff, a Content-Security-Policy that allows nothing but the page's own style sheet) saying how to
 * open the admin with a key; an API client asking for JSON still gets the JSON error; neither is forwarded.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BrowserWithoutKeyGetsHtmlPageTest {
    private static final String BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void aBrowserWithoutAKeyGetsAPageSayingHowToOpenTheAdmin() throws Exception {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/_/")
                .header("Accept", BROWSER_ACCEPT).build());

        assertThat(r.statusCode()).isEqualTo(401);
        assertIsTheLockedDownPage(r);
        assertThat(r.body()).contains("An API key is needed").contains("Open PocketBase admin with this key")
                .contains("?apikey=");
        assertThat(gateway.backend().received()).isEmpty();
    }

    @Test
    void aBrowserWithAWrongKeyIsToldTheKeyIsNotValid() throws Exception {
        for (String key : new String[] {gateway.otherKey(), "garbage"}) {
            HttpResponse<String> byCookie = gateway.send(gateway.request(gateway.appHost(), "/_/")
                    .header("Accept", BROWSER_ACCEPT).header("Cookie", "picobase_apikey=" + key).build());
            assertThat(byCookie.statusCode()).isEqualTo(401);
            assertIsTheLockedDownPage(byCookie);
            assertThat(byCookie.body()).contains("not valid for this instance").doesNotContain(key);
        }
        assertThat(gateway.backend().received()).isEmpty();
    }

    @Test
    void anApiClientStillGetsJson() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/_/")
                .header("Accept", "application/json").build());

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(GatewayFixture.json(r.body()).path("error").path("code").asText()).isEqualTo("unauthorized");

        HttpResponse<String> post = gateway.send(gateway.request(gateway.appHost(), "/api/collections")
                .header("Accept", BROWSER_ACCEPT).POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(post.statusCode()).isEqualTo(401);
        assertThat(GatewayFixture.json(post.body()).path("error").path("code").asText()).isEqualTo("unauthorized");
        assertThat(gateway.backend().received()).isEmpty();
    }

    /** text/html, nosniff, not cached, and a CSP whose only allowance is the hash of the page's style element. */
    private static void assertIsTheLockedDownPage(HttpResponse<String> r) throws Exception {
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).startsWith("default-src 'none'").contains("frame-ancestors 'none'").doesNotContain("unsafe");
        String body = r.body();
        assertThat(body).doesNotContain("<script");
        String style = body.substring(body.indexOf("<style>") + "<style>".length(), body.indexOf("</style>"));
        String hash = Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(style.getBytes(StandardCharsets.UTF_8)));
        assertThat(csp).contains("style-src 'sha256-" + hash + "'");
    }
}
