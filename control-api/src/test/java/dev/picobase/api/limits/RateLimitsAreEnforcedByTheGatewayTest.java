package dev.picobase.api.limits;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.testsupport.RawHttp;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code PATCH /api/instances/:id {"rateLimit": ...}} limits the requests the gateway lets through to
 * one instance, on both metadata back ends: every answer for a limited instance carries
 * {@code RateLimit-Limit}, {@code RateLimit-Remaining} (counting down) and {@code RateLimit-Reset}; the
 * request past the limit gets 429 {@code rate_limited} with {@code Retry-After}, before its key is
 * checked, so it never wakes a stopped instance; another client address (per-address limits, the
 * address a trusted proxy names) and another instance are unaffected; null goes back to no limit.
 */
@ParameterizedClass
@EnumSource(dev.picobase.testsupport.StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class RateLimitsAreEnforcedByTheGatewayTest extends PlatformPerStoreKind {
    @Override
    protected Map<String, String> settings() {
        // Loopback is a trusted proxy here, so each request can name its client in X-Forwarded-For,
        // as a load balancer in front of the gateway would.
        return Map.of("PICOBASE_IDLE_TIMEOUT", "1h", "PICOBASE_TRUSTED_PROXIES", "127.0.0.1");
    }

    @Test
    void theRequestPastTheLimitIs429AndWakesNothingWhileOtherAddressesAndInstancesPass() {
        ApiClient.SignedIn user = api.client().signUpAndSignIn();
        ApiClient.Tenant limited = user.createInstanceWithKey();
        ApiClient.Tenant other = user.createInstanceWithKey();
        ApiClient client = user.client();

        ApiClient.Reply set = client.send("PATCH", "/api/instances/" + limited.id(),
                "{\"rateLimit\":{\"requestsPerMinute\":3,\"perAddress\":true}}");
        assertThat(set.status()).isEqualTo(200);
        assertThat(set.json().path("rateLimit").path("requestsPerMinute").asInt()).isEqualTo(3);
        assertThat(set.json().path("rateLimit").path("perAddress").asBoolean()).isTrue();
        assertThat(set.json().path("rateLimitDefault").isNull()).as("no platform default here").isTrue();

        for (int i = 0; i < 3; i++) {
            RawHttp.Response r = get(limited, "203.0.113.7", limited.key());
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("RateLimit-Limit")).isEqualTo("3");
            assertThat(r.header("RateLimit-Remaining")).as("request %d", i + 1).isEqualTo(Integer.toString(2 - i));
            assertThat(Long.parseLong(r.header("RateLimit-Reset"))).isBetween(1L, 60L);
        }
        assertThat(client.post("/api/instances/" + limited.id() + "/stop").status()).isEqualTo(200);

        RawHttp.Response refused = get(limited, "203.0.113.7", limited.key());
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.errorCode()).isEqualTo("rate_limited");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 60L);
        assertThat(refused.header("RateLimit-Remaining")).isEqualTo("0");
        assertThat(refused.header("RateLimit-Limit")).isEqualTo("3");
        // Past the limit the key is not even looked at: a wrong one gets the same 429, not a 401.
        assertThat(get(limited, "203.0.113.7", "pb_wrong_key").status()).isEqualTo(429);
        assertThat(status(client, limited.id())).as("the refused requests woke nothing").isEqualTo("stopped");

        RawHttp.Response elsewhere = get(limited, "198.51.100.9", limited.key());
        assertThat(elsewhere.status()).as("another address has its own allowance").isEqualTo(200);
        assertThat(elsewhere.header("RateLimit-Remaining")).isEqualTo("2");
        assertThat(status(client, limited.id())).isEqualTo("running");

        RawHttp.Response unlimited = get(other, "203.0.113.7", other.key());
        assertThat(unlimited.status()).as("another instance is not limited").isEqualTo(200);
        assertThat(unlimited.header("RateLimit-Limit")).isNull();

        // Back to the platform default (none here): nothing is counted any more.
        ApiClient.Reply cleared = client.send("PATCH", "/api/instances/" + limited.id(), "{\"rateLimit\":null}");
        assertThat(cleared.json().path("rateLimit").isNull()).isTrue();
        RawHttp.Response free = get(limited, "203.0.113.7", limited.key());
        assertThat(free.status()).isEqualTo(200);
        assertThat(free.header("RateLimit-Limit")).isNull();
    }

    @Test
    void aWholeInstanceLimitCountsEveryAddressTogether() {
        ApiClient.SignedIn user = api.client().signUpAndSignIn();
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(user.client().send("PATCH", "/api/instances/" + tenant.id(),
                "{\"rateLimit\":{\"requestsPerMinute\":2}}").json().path("rateLimit").path("perAddress").asBoolean())
                .isFalse();
        assertThat(get(tenant, "203.0.113.1", tenant.key()).header("RateLimit-Remaining")).isEqualTo("1");
        assertThat(get(tenant, "203.0.113.2", tenant.key()).header("RateLimit-Remaining")).isEqualTo("0");
        RawHttp.Response third = get(tenant, "203.0.113.3", tenant.key());
        assertThat(third.status()).isEqualTo(429);
        assertThat(third.header("Retry-After")).isNotNull();
    }

    @Test
    void invalidLimitsAreRefusedNamingTheField() {
        ApiClient.SignedIn user = api.client().signUpAndSignIn();
        String id = user.createInstance().get("id").asText();
        for (String body : new String[] {"{\"rateLimit\":{\"requestsPerMinute\":0}}",
                "{\"rateLimit\":{\"requestsPerMinute\":1.5}}", "{\"rateLimit\":{\"requestsPerMinute\":\"10\"}}",
                "{\"rateLimit\":{\"requestsPerMinute\":10,\"perAddress\":\"yes\"}}",
                "{\"rateLimit\":{\"requestsPerMinute\":10,\"burst\":5}}", "{\"rateLimit\":600}",
                "{\"rateLimit\":{\"requestsPerMinute\":1000001}}"}) {
            ApiClient.Reply r = user.client().send("PATCH", "/api/instances/" + id, body);
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.json().path("error").path("field").asText()).as(body).isEqualTo("rateLimit");
        }
        ApiClient.SignedIn stranger = api.client().signUpAndSignIn();
        assertThat(stranger.client().send("PATCH", "/api/instances/" + id,
                "{\"rateLimit\":{\"requestsPerMinute\":5}}").status()).isEqualTo(404);
        JsonNode unchanged = user.client().get("/api/instances/" + id).json();
        assertThat(unchanged.path("rateLimit").isNull()).isTrue();
    }

    private RawHttp.Response get(ApiClient.Tenant tenant, String clientAddress, String key) {
        try (RawHttp http = RawHttp.connect(api.gatewayPort())) {
            http.send("GET /api/health HTTP/1.1\r\nHost: " + tenant.subdomain() + ".localhost\r\napikey: " + key
                    + "\r\nX-Forwarded-For: " + clientAddress + "\r\nConnection: close\r\n\r\n");
            return http.readResponse();
        }
    }

    private static String status(ApiClient client, String id) {
        return client.get("/api/instances/" + id).json().path("status").asText();
    }
}
