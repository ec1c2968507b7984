package dev.picobase.api.domains;

import static dev.picobase.api.testsupport.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What could go wrong: a verification waits on DNS on one of the control API's few blocking threads,
 * so owners pressing Verify while the DNS server is silent could hold every thread for the resolver's
 * timeout and stall the whole API. At most {@link DomainRoutes#VERIFYING_AT_ONCE} wait at once; the
 * rest are told 429 at once. And a check nobody answered is not a "no record": it says the lookup
 * failed and changes no status.
 */
@ParameterizedClass
@EnumSource(dev.picobase.testsupport.StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class VerifyingAgainstASilentDnsServerIsBoundedTest extends PlatformPerStoreKind {
    /** Bound, never read: queries to it go unanswered. One per platform (per back end). */
    private DatagramSocket silent;

    @Override
    protected Map<String, String> settings() {
        try {
            silent = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        } catch (SocketException e) {
            throw new IllegalStateException(e);
        }
        return Map.of("PICOBASE_DNS_RESOLVER", "127.0.0.1:" + silent.getLocalPort());
    }

    @AfterParameterizedClassInvocation
    void closeSocket() {
        silent.close();
    }

    @Test
    void verificationsBeyondTheBoundAreRefusedAtOnce() {
        ApiClient.SignedIn owner = api.client().signUpAndSignIn();
        String base = "/api/instances/" + owner.createInstance().path("id").asText() + "/domains";
        int asked = DomainRoutes.VERIFYING_AT_ONCE + 2;
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < asked; i++) {
            String host = "d" + i + "-" + kind.name().toLowerCase() + ".example.test";
            assertThat(owner.client().post(base, json("hostname", host)).status()).isEqualTo(201);
            hosts.add(host);
        }
        List<CompletableFuture<ApiClient.Reply>> replies = hosts.stream()
                .map(h -> CompletableFuture.supplyAsync(() -> owner.client().post(base + "/" + h + "/verify"))).toList();
        List<ApiClient.Reply> answered = replies.stream().map(CompletableFuture::join).toList();

        List<ApiClient.Reply> refused = answered.stream().filter(r -> r.status() == 429).toList();
        List<ApiClient.Reply> checked = answered.stream().filter(r -> r.status() == 200).toList();
        assertThat(refused.size() + checked.size()).as(answered.toString()).isEqualTo(asked);
        assertThat(checked.size()).isBetween(1, DomainRoutes.VERIFYING_AT_ONCE);
        assertThat(refused).isNotEmpty();
        for (ApiClient.Reply r : checked) {
            assertThat(r.json().path("status").asText()).isEqualTo("pending");
            assertThat(r.json().path("checkError").asText()).startsWith("DNS lookup of _picobase.");
        }
        assertThat(api.client().get("/api/health").status()).isEqualTo(200);
    }
}
