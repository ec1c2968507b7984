package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.testsupport.StoreKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A user's own account: what could go wrong is a password change that leaves a thief's session
 * signed in, a change that does not check the current password (a borrowed session could lock the
 * owner out), a session listing that shows tokens, and an account deletion that leaves instances
 * running, their snapshots in object storage or their keys working. On both metadata back ends.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccountSettingsTest extends PlatformPerStoreKind {
    private static final String PASSWORD = "correct horse battery";

    @Test
    void changingThePasswordEndsEveryOtherSession() {
        String email = Unique.email();
        ApiClient.SignedIn here = api.client().signUpAndSignIn(email, PASSWORD);
        ApiClient elsewhere = signIn(email, PASSWORD);

        Reply listed = here.client().get("/api/me/sessions");
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.json().path("sessions")).hasSize(2);
        assertThat(listed.text()).doesNotContain(here.token());
        assertThat(currentFlags(listed.json())).containsExactlyInAnyOrder(true, false);

        Reply wrong = here.client().post("/api/me/password", json("currentPassword", "not it", "newPassword",
                "a new long password"));
        assertThat(wrong.status()).as(wrong.text()).isEqualTo(403);
        assertThat(wrong.errorCode()).isEqualTo("wrong_password");
        assertThat(elsewhere.get("/api/me").status()).as("nothing changed").isEqualTo(200);

        Reply tooShort = here.client().post("/api/me/password", json("currentPassword", PASSWORD, "newPassword", "x"));
        assertThat(tooShort.status()).isEqualTo(400);
        assertThat(tooShort.json().path("error").path("field").asText()).isEqualTo("newPassword");

        Reply changed = here.client().post("/api/me/password", json("currentPassword", PASSWORD, "newPassword",
                "a new long password"));
        assertThat(changed.status()).as(changed.text()).isEqualTo(200);
        assertThat(changed.json().path("otherSessionsEnded").asInt()).isEqualTo(1);
        assertThat(elsewhere.get("/api/me").status()).as("the other session ended").isEqualTo(401);
        assertThat(here.client().get("/api/me").status()).as("this one goes on").isEqualTo(200);
        assertThat(api.client().post("/api/auth/signin", json("email", email, "password", PASSWORD)).status())
                .isEqualTo(401);
        assertThat(api.client().post("/api/auth/signin", json("email", email, "password", "a new long password"))
                .status()).isEqualTo(200);
    }

    @Test
    void aSessionCanBeEndedFromAnotherButNotFromAnotherAccount() {
        String email = Unique.email();
        ApiClient.SignedIn here = api.client().signUpAndSignIn(email, PASSWORD);
        ApiClient elsewhere = signIn(email, PASSWORD);
        String otherId = null;
        for (JsonNode s : here.client().get("/api/me/sessions").json().path("sessions")) {
            if (!s.path("current").asBoolean()) {
                otherId = s.path("id").asText();
            }
        }
        assertThat(otherId).startsWith("ses_");

        ApiClient.SignedIn stranger = api.client().signUpAndSignIn(Unique.email(), PASSWORD);
        assertThat(stranger.client().delete("/api/me/sessions/" + otherId).status()).isEqualTo(404);
        assertThat(elsewhere.get("/api/me").status()).isEqualTo(200);

        assertThat(here.client().delete("/api/me/sessions/" + otherId).status()).isEqualTo(204);
        assertThat(elsewhere.get("/api/me").status()).isEqualTo(401);
        assertThat(here.client().get("/api/me/sessions").json().path("sessions")).hasSize(1);
    }

    @Test
    void deletingTheAccountDeletesItsInstancesTheirDataAndTheirKeys() throws Exception {
        String email = Unique.email();
        ApiClient.SignedIn user = api.client().signUpAndSignIn(email, PASSWORD);
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        TenantGateway gateway = new TenantGateway(api.gatewayPort(), tenant.subdomain(), tenant.key());
        assertThat(gateway.send("GET", "/api/health", null).status()).isEqualTo(200); // running
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/backups").status()).isEqualTo(201);
        try (ObjectStore objects = ObjectStore.of(api.config().objectStorage())) {
            assertThat(objects.list("instances/" + tenant.id() + "/")).isNotEmpty();
        }

        Reply unconfirmed = user.client().send("DELETE", "/api/me", json("email", "someone@example.com"));
        assertThat(unconfirmed.status()).isEqualTo(400);
        assertThat(unconfirmed.json().path("error").path("field").asText()).isEqualTo("email");
        assertThat(user.client().get("/api/me").status()).isEqualTo(200);

        Reply deleted = user.client().send("DELETE", "/api/me", json("email", email.toUpperCase()));
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);

        assertThat(user.client().get("/api/me").status()).isEqualTo(401);
        assertThat(api.client().post("/api/auth/signin", json("email", email, "password", PASSWORD)).status())
                .isEqualTo(401);
        assertThat(api.store().findInstance(tenant.id())).isEmpty();
        assertThat(api.platform().lifecycle().running(tenant.id())).isEmpty();
        assertThat(gateway.send("GET", "/api/health", null).status()).isEqualTo(404);
        try (ObjectStore objects = ObjectStore.of(api.config().objectStorage())) {
            assertThat(objects.list("instances/" + tenant.id() + "/")).as("no snapshot left").isEmpty();
        }
        // The address is free again.
        assertThat(api.client().post("/api/auth/signup", json("name", "Again", "email", email, "password", PASSWORD))
                .status()).isEqualTo(201);
    }

    private ApiClient signIn(String email, String password) {
        Reply in = api.client().post("/api/auth/signin", json("email", email, "password", password));
        assertThat(in.status()).isEqualTo(200);
        return api.client().withToken(in.json().path("token").asText());
    }

    private static List<Boolean> currentFlags(JsonNode listing) {
        List<Boolean> flags = new ArrayList<>();
        listing.path("sessions").forEach(s -> flags.add(s.path("current").asBoolean()));
        return flags;
    }
}
