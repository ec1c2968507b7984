package dev.picobase.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StoreKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stranger guessing an account's password locks out their own address, not the owner. Before,
 * failures were counted per account alone: five wrong passwords from anywhere answered the owner's
 * correct password with 429 for fifteen minutes, repeatable at will by anyone who knew the email.
 * The two parties are two loopback source addresses (on Linux all of 127/8 is loopback), so the
 * control API sees them as the two clients they are; it takes the address from the TCP peer.
 * The metadata store plays no part in the limits, so one back end is enough.
 */
class OwnerSignsInFromCleanAddressDuringLockoutTest {
    private static final String OWNER = "127.0.0.1";
    private static final String STRANGER = "127.0.0.2";
    private static final String PASSWORD = "correct horse battery";

    @TempDir
    Path dataDir;

    private RunningApi api;

    private String ownerAccount(Map<String, String> limits) {
        api = RunningApi.start(StoreKind.SQLITE, dataDir, limits, Clock.systemUTC());
        String email = Unique.email();
        new ApiClient("http://" + OWNER + ":" + api.port()).signUpAndSignIn(email, PASSWORD);
        return email;
    }

    @AfterEach
    void stopApi() {
        if (api != null) {
            api.close();
        }
    }

    private RawHttp.Response signIn(String from, String email, String password) {
        return signIn(from, null, email, password);
    }

    /** A sign-in from {@code from}, saying it forwards for {@code forwardedFor} when that is set. */
    private RawHttp.Response signIn(String from, String forwardedFor, String email, String password) {
        byte[] body = ApiClient.json("email", email, "password", password).getBytes(StandardCharsets.UTF_8);
        try (RawHttp http = RawHttp.connectFrom(from, api.port())) {
            http.send("POST /api/auth/signin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + (forwardedFor == null ? "" : "X-Forwarded-For: " + forwardedFor + "\r\n")
                    + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n");
            http.send(body);
            return http.readResponse();
        }
    }

    private static void assertRateLimited(RawHttp.Response reply, long maxSeconds) {
        assertThat(reply.status()).as(reply.text()).isEqualTo(429);
        assertThat(reply.errorCode()).isEqualTo("rate_limited");
        assertThat(reply.json().path("token").isMissingNode()).isTrue();
        assertThat(reply.header("set-cookie")).isNull();
        assertThat(reply.header("retry-after")).matches("[0-9]+");
        assertThat(Long.parseLong(reply.header("retry-after"))).isBetween(1L, maxSeconds);
    }

    private static void assertSignedIn(RawHttp.Response reply) {
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        assertThat(reply.json().path("token").asText()).isNotBlank();
    }

    @Test
    void theOwnerSignsInFromACleanAddressWhileTheStrangersStaysLocked() {
        String email = ownerAccount(Map.of("PICOBASE_SIGNIN_MAX_FAILURES", "3"));

        for (int i = 0; i < 3; i++) {
            assertThat(signIn(STRANGER, email, "wrong password " + i).status()).isEqualTo(401);
        }
        assertRateLimited(signIn(STRANGER, email, "wrong password 3"), 15 * 60);
        // Even the right password: the stranger's address gets no more guesses for this account.
        assertRateLimited(signIn(STRANGER, email, PASSWORD), 15 * 60);

        assertSignedIn(signIn(OWNER, email, PASSWORD));
        assertSignedIn(signIn(OWNER, email, PASSWORD));
        // The owner's success does not unlock the stranger's address.
        assertRateLimited(signIn(STRANGER, email, PASSWORD), 15 * 60);
    }

    @Test
    void pastTheAccountBackstopAnAddressThatFailedIsRefusedButACleanOneIsChecked() {
        String email = ownerAccount(Map.of("PICOBASE_SIGNIN_MAX_FAILURES", "3",
                "PICOBASE_SIGNIN_MAX_FAILURES_PER_ACCOUNT", "4"));

        for (int i = 0; i < 3; i++) {
            signIn(STRANGER, email, "wrong password");
        }
        assertThat(signIn("127.0.0.3", email, "wrong password").status()).isEqualTo(401); // 4th failure overall
        assertRateLimited(signIn("127.0.0.3", email, "wrong password"), 15 * 60); // after one guess, not three

        assertThat(signIn("127.0.0.4", email, "wrong password").status()).isEqualTo(401); // a clean address is checked
        assertRateLimited(signIn("127.0.0.4", email, "wrong password"), 15 * 60);
        assertSignedIn(signIn(OWNER, email, PASSWORD));
    }

    @Test
    void oneAddressPastTheAttemptLimitGets429WithRetryAfterWhileAnotherSignsIn() {
        String email = ownerAccount(Map.of("PICOBASE_SIGNIN_RATE_PER_ADDRESS", "5"));

        // Unknown emails: no account counter can be what refuses the sixth attempt.
        for (int i = 0; i < 5; i++) {
            assertThat(signIn(STRANGER, Unique.email(), PASSWORD).status()).isEqualTo(401);
        }
        assertRateLimited(signIn(STRANGER, Unique.email(), PASSWORD), 60);
        assertRateLimited(signIn(STRANGER, email, PASSWORD), 60);

        assertSignedIn(signIn(OWNER, email, PASSWORD));
    }

    /**
     * Behind a trusted proxy (Caddy in front of the control API) every client arrives from the proxy's
     * address; counting by it would let one stranger lock out everyone. With the proxy in
     * {@code PICOBASE_TRUSTED_PROXIES} the limits count the client its {@code X-Forwarded-For} names,
     * and a client that is not a trusted proxy cannot pick its address by sending the header.
     */
    @Test
    void behindATrustedProxyTheForwardedClientIsCountedAndOthersCannotClaimAnAddress() {
        String proxy = "127.0.0.9";
        String email = ownerAccount(Map.of("PICOBASE_SIGNIN_MAX_FAILURES", "3",
                "PICOBASE_TRUSTED_PROXIES", proxy + "/32"));

        for (int i = 0; i < 3; i++) {
            assertThat(signIn(proxy, "203.0.113.5", email, "wrong password").status()).isEqualTo(401);
        }
        assertRateLimited(signIn(proxy, "203.0.113.5", email, PASSWORD), 15 * 60);
        assertSignedIn(signIn(proxy, "198.51.100.7", email, PASSWORD)); // another client through the same proxy

        for (int i = 0; i < 3; i++) {
            assertThat(signIn(STRANGER, "198.51.100." + i, email, "wrong password").status()).isEqualTo(401);
        }
        assertRateLimited(signIn(STRANGER, "198.51.100.99", email, PASSWORD), 15 * 60);
    }
}
