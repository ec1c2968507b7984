package dev.picobase.api.admin;

import static dev.picobase.api.testsupport.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.http.Json;
import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.core.io.FileTrees;
import dev.picobase.core.secret.Tokens;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StoreKind;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The operators' side of the control API ({@code /api/admin/*}), on both metadata back ends. What
 * could go wrong: a tenant reaching another account's data or actions through it; a suspension that
 * leaves the account signed in, its keys working through the gateway's cache, or its instance woken
 * again by the next request with one of them; a reactivation that leaves the keys refused (the
 * gateway remembers revoked keys for minutes); an action missing from the audit log; and the whole
 * cause of a failed start reaching the tenant, or not reaching the operator.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorsActOnEveryAccountTest extends PlatformPerStoreKind {
    private static final String PASSWORD = "correct horse battery";
    /** One operator per test JVM: the libSQL server is one database for every class. */
    private static final String OPERATOR = "operator-" + Tokens.randomId(10) + "@example.com";

    @Override
    protected Map<String, String> settings() {
        return Map.of("PICOBASE_OPERATOR_EMAILS", OPERATOR.toUpperCase(), "PICOBASE_IDLE_TIMEOUT", "1h");
    }

    /** The operator's client, signed up on first use on this back end. */
    private ApiClient operator() {
        Reply in = api.client().post("/api/auth/signin", json("email", OPERATOR, "password", PASSWORD));
        if (in.status() == 200) {
            return api.client().withToken(in.json().path("token").asText());
        }
        return api.client().signUpAndSignIn(OPERATOR, PASSWORD).client();
    }

    private static List<String[]> adminCalls(String accountId, String instanceId) {
        return List.of(
                new String[] {"GET", "/api/admin/accounts"},
                new String[] {"GET", "/api/admin/instances"},
                new String[] {"GET", "/api/admin/audit"},
                new String[] {"POST", "/api/admin/instances/" + instanceId + "/stop"},
                new String[] {"POST", "/api/admin/instances/" + instanceId + "/start"},
                new String[] {"POST", "/api/admin/accounts/" + accountId + "/suspend"},
                new String[] {"POST", "/api/admin/accounts/" + accountId + "/reactivate"});
    }

    @Test
    void everyAdminRouteRefusesEveryoneButOperators() {
        ApiClient.SignedIn user = api.client().signUpAndSignIn();
        String instanceId = user.createInstance().path("id").asText();
        for (String[] call : adminCalls(user.userId(), instanceId)) {
            Reply anonymous = api.client().send(call[0], call[1], (String) null);
            assertThat(anonymous.status()).as(call[0] + " " + call[1] + " unauthenticated").isEqualTo(401);
            Reply tenant = user.client().send(call[0], call[1], (String) null);
            assertThat(tenant.status()).as(call[0] + " " + call[1] + " " + tenant.text()).isEqualTo(403);
            assertThat(tenant.errorCode()).isEqualTo("operator_only");
        }
        assertThat(user.client().get("/api/me").json().path("operator").asBoolean()).isFalse();
        assertThat(operator().get("/api/me").json().path("operator").asBoolean()).isTrue();
        assertThat(user.client().get("/api/instances/" + instanceId).json().path("status").asText())
                .as("nothing was done").isEqualTo("stopped");
        assertThat(api.store().isSuspended(user.userId())).isFalse();
    }

    @Test
    void operatorsListEveryAccountAndInstanceWithTheirOwners() {
        ApiClient ops = operator();
        ApiClient.SignedIn user = api.client().signUpAndSignIn();
        JsonNode created = user.createInstance();

        Reply accounts = ops.get("/api/admin/accounts");
        assertThat(accounts.status()).as(accounts.text()).isEqualTo(200);
        JsonNode row = find(accounts.json(), "id", user.userId()).orElseThrow();
        assertThat(row.path("email").asText()).isEqualTo(user.email());
        assertThat(row.path("instances").asInt()).isEqualTo(1);
        assertThat(row.path("suspended").asBoolean()).isFalse();
        assertThat(row.path("operator").asBoolean()).isFalse();
        assertThat(row.has("createdAt")).isTrue();
        assertThat(find(accounts.json(), "email", OPERATOR).orElseThrow().path("operator").asBoolean()).isTrue();
        assertThat(accounts.text()).doesNotContain("password");

        Reply instances = ops.get("/api/admin/instances");
        assertThat(instances.status()).as(instances.text()).isEqualTo(200);
        JsonNode instance = find(instances.json(), "id", created.path("id").asText()).orElseThrow();
        assertThat(instance.path("subdomain").asText()).isEqualTo(created.path("subdomain").asText());
        assertThat(instance.path("url").asText()).isEqualTo(created.path("url").asText());
        assertThat(instance.path("status").asText()).isEqualTo("stopped");
        assertThat(instance.path("owner").path("id").asText()).isEqualTo(user.userId());
        assertThat(instance.path("owner").path("email").asText()).isEqualTo(user.email());
        assertThat(instance.path("failureCause").isNull()).isTrue();

        Reply badLimit = ops.get("/api/admin/audit?limit=0");
        assertThat(badLimit.status()).isEqualTo(400);
        assertThat(badLimit.errorCode()).isEqualTo("invalid_input");
        assertThat(badLimit.json().path("error").path("field").asText()).isEqualTo("limit");
        assertThat(ops.post("/api/admin/instances/ins_nosuchthing/stop").status()).isEqualTo(404);
        assertThat(ops.post("/api/admin/accounts/usr_nosuchthing/suspend").status()).isEqualTo(404);
    }

    @Test
    void anOperatorStopsAndStartsAnotherUsersInstance() {
        ApiClient ops = operator();
        ApiClient.SignedIn user = api.client().signUpAndSignIn();
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        TenantGateway gateway = new TenantGateway(api.gatewayPort(), tenant.subdomain(), tenant.key());
        assertThat(gateway.send("GET", "/api/health", null).status()).isEqualTo(200);
        assertThat(status(user, tenant)).isEqualTo("running");

        Reply stopped = ops.post("/api/admin/instances/" + tenant.id() + "/stop");
        assertThat(stopped.status()).as(stopped.text()).isEqualTo(200);
        assertThat(stopped.json().path("status").asText()).isEqualTo("stopped");
        assertThat(status(user, tenant)).isEqualTo("stopped");
        assertThat(api.platform().lifecycle().running(tenant.id())).isEmpty();

        Reply started = ops.post("/api/admin/instances/" + tenant.id() + "/start");
        assertThat(started.status()).as(started.text()).isEqualTo(200);
        assertThat(started.json().path("status").asText()).isEqualTo("running");
        assertThat(status(user, tenant)).isEqualTo("running");
        assertThat(gateway.send("GET", "/api/health", null).status()).isEqualTo(200);

        JsonNode audit = ops.get("/api/admin/audit?limit=1000").json();
        assertThat(actions(audit, tenant.id())).containsSubsequence("instance.start", "instance.stop");
        JsonNode entry = find(audit, "target", tenant.id()).orElseThrow();
        assertThat(entry.path("actor").path("email").asText()).isEqualTo(OPERATOR);
        assertThat(entry.path("at").asText()).isNotEmpty();
    }

    @Test
    void aSuspendedAccountIsSignedOutItsKeysRefusedAndItsInstancesStayStopped() throws Exception {
        ApiClient ops = operator();
        ApiClient.SignedIn user = api.client().signUpAndSignIn(Unique.email(), PASSWORD);
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        TenantGateway gateway = new TenantGateway(api.gatewayPort(), tenant.subdomain(), tenant.key());
        assertThat(gateway.send("GET", "/api/health", null).status()).isEqualTo(200);
        assertThat(api.gatewayAccepts(tenant.key())).as("the verdict is cached").isTrue();

        String operatorId = ops.get("/api/me").json().path("user").path("id").asText();
        Reply self = ops.post("/api/admin/accounts/" + operatorId + "/suspend");
        assertThat(self.status()).as(self.text()).isEqualTo(400);
        assertThat(self.errorCode()).isEqualTo("cannot_suspend_self");

        Reply suspended = ops.post("/api/admin/accounts/" + user.userId() + "/suspend");
        assertThat(suspended.status()).as(suspended.text()).isEqualTo(200);
        assertThat(suspended.json().path("account").path("suspended").asBoolean()).isTrue();
        assertThat(suspended.json().path("account").path("suspendedAt").asText()).isNotEmpty();
        assertThat(suspended.json().path("stopped").toString()).contains(tenant.id());
        assertThat(api.platform().lifecycle().running(tenant.id())).isEmpty();

        assertThat(user.client().get("/api/me").status()).as("the session ended").isEqualTo(401);
        Reply signIn = api.client().post("/api/auth/signin", json("email", user.email(), "password", PASSWORD));
        assertThat(signIn.status()).as(signIn.text()).isEqualTo(403);
        assertThat(signIn.errorCode()).isEqualTo("account_suspended");
        Reply wrongPassword = api.client().post("/api/auth/signin", json("email", user.email(), "password", "nope"));
        assertThat(wrongPassword.status()).as("no word of the suspension without the password").isEqualTo(401);

        RawHttp.Response refused = gateway.send("GET", "/api/health", null);
        assertThat(refused.status()).as(refused.text()).isIn(401, 403);
        assertThat(refused.errorCode()).isNotEmpty();
        assertThat(api.gatewayAccepts(tenant.key())).isFalse();
        Thread.sleep(1500); // past the key verdicts' recheck interval: still refused, still not woken
        assertThat(gateway.send("GET", "/api/health", null).status()).isIn(401, 403);
        assertThat(api.store().findInstance(tenant.id()).orElseThrow().status().wireName()).isEqualTo("stopped");
        assertThat(api.platform().lifecycle().running(tenant.id())).isEmpty();

        JsonNode row = find(ops.get("/api/admin/accounts").json(), "id", user.userId()).orElseThrow();
        assertThat(row.path("suspended").asBoolean()).isTrue();
        assertThat(ops.post("/api/admin/accounts/" + user.userId() + "/suspend").errorCode())
                .isEqualTo("already_suspended");
        Reply startRefused = ops.post("/api/admin/instances/" + tenant.id() + "/start");
        assertThat(startRefused.status()).as(startRefused.text()).isEqualTo(409);
        assertThat(startRefused.errorCode()).isEqualTo("account_suspended");

        Reply reactivated = ops.post("/api/admin/accounts/" + user.userId() + "/reactivate");
        assertThat(reactivated.status()).as(reactivated.text()).isEqualTo(200);
        assertThat(reactivated.json().path("account").path("suspended").asBoolean()).isFalse();
        assertThat(ops.post("/api/admin/accounts/" + user.userId() + "/reactivate").errorCode())
                .isEqualTo("not_suspended");
        RawHttp.Response again = gateway.send("GET", "/api/health", null);
        assertThat(again.status()).as("the key works again, and wakes the instance: " + again.text()).isEqualTo(200);
        assertThat(api.client().post("/api/auth/signin", json("email", user.email(), "password", PASSWORD)).status())
                .isEqualTo(200);

        JsonNode audit = ops.get("/api/admin/audit").json();
        assertThat(actions(audit, user.userId())).containsSubsequence("account.reactivate", "account.suspend");
        JsonNode entry = find(audit, "target", user.userId()).orElseThrow();
        assertThat(entry.path("actor").path("email").asText()).isEqualTo(OPERATOR);
        assertThat(entry.path("actor").path("id").asText()).isEqualTo(operatorId);
        assertThat(entry.path("detail").asText()).contains(user.email());
    }

    @Test
    void aFailedStartShowsItsWholeCauseToOperatorsButNotToTheTenant() throws Exception {
        ApiClient ops = operator();
        ApiClient.SignedIn user = api.client().signUpAndSignIn();
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/start").status()).isEqualTo(200);
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/stop").status()).isEqualTo(200);
        // Its data now only in object storage, and gone from there too: the next start cannot restore it.
        FileTrees.delete(api.dataDir().resolve("instances").resolve(tenant.id()).resolve("pb_data"));
        try (ObjectStore objects = ObjectStore.of(api.config().objectStorage())) {
            List<String> stored = objects.list("instances/" + tenant.id() + "/");
            assertThat(stored).isNotEmpty();
            stored.forEach(objects::delete);
        }

        Reply start = ops.post("/api/admin/instances/" + tenant.id() + "/start");
        assertThat(start.status()).as(start.text()).isEqualTo(503);

        JsonNode row = find(ops.get("/api/admin/instances").json(), "id", tenant.id()).orElseThrow();
        assertThat(row.path("status").asText()).isEqualTo("failed");
        String cause = row.path("failureCause").asText();
        assertThat(cause).as("the whole cause, with the exception's type").contains("Exception");
        assertThat(cause).isNotEqualTo(row.path("statusReason").asText());

        Reply mine = user.client().get("/api/instances/" + tenant.id());
        assertThat(mine.json().path("status").asText()).isEqualTo("failed");
        assertThat(mine.json().has("failureCause")).isFalse();
        assertThat(mine.text()).doesNotContain(cause).doesNotContain("Exception");
        assertThat(user.client().get("/api/instances").text()).doesNotContain("Exception");

        // The management port's listing (./picobase instances) has it too.
        String listing = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + api.managementPort() + "/instances")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertThat(Json.MAPPER.readTree(listing).path("instances").findValues("failureCause").stream()
                .map(JsonNode::asText)).contains(cause);
    }

    private static String status(ApiClient.SignedIn user, ApiClient.Tenant tenant) {
        return user.client().get("/api/instances/" + tenant.id()).json().path("status").asText();
    }

    private static Optional<JsonNode> find(JsonNode listing, String field, String value) {
        return StreamSupport.stream(listing.path("items").spliterator(), false)
                .filter(n -> n.path(field).asText().equalsIgnoreCase(value)).findFirst();
    }

    /** The actions on {@code target} in the audit listing, newest first. */
    private static List<String> actions(JsonNode audit, String target) {
        return StreamSupport.stream(audit.path("items").spliterator(), false)
                .filter(n -> n.path("target").asText().equals(target)).map(n -> n.path("action").asText()).toList();
    }
}
