package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.StoreKind;
import dev.picobase.testsupport.TestClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code PICOBASE_SIGNUP=invite}: an account needs an operator's invitation, used once, before it
 * expires, by the address it names if it names one. What could go wrong: a link that works twice
 * (two sign-ups at the same moment too), after its expiry or after it was revoked, a token shown again
 * in the listing, a non-operator creating links, or a failed sign-up (email taken) that burns it.
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InvitedSignUpTest extends PlatformPerStoreKind {
    private static final String PASSWORD = "correct horse battery";
    private final String operatorEmail = "operator-" + Unique.email();
    private final TestClock clock = new TestClock(Instant.now());

    @Override
    protected Map<String, String> settings() {
        return Map.of("PICOBASE_SIGNUP", "invite", "PICOBASE_OPERATOR_EMAILS", "  " + operatorEmail.toUpperCase() + " ,",
                "PICOBASE_SIGNIN_RATE_PER_ADDRESS", "10000");
    }

    @Override
    protected Clock clock() {
        return clock;
    }

    @Test
    void thePolicyIsPublishedAndASignUpWithoutInvitationIsRefused() {
        assertThat(api.client().get("/api/auth/signup-policy").json().path("policy").asText()).isEqualTo("invite");
        Reply refused = signUp(Unique.email(), null);
        assertThat(refused.status()).as(refused.text()).isEqualTo(403);
        assertThat(refused.errorCode()).isEqualTo("invitation_required");
        assertThat(signUp(Unique.email(), "pbi_made-up").errorCode()).isEqualTo("invitation_invalid");
    }

    @Test
    void anInvitationMakesOneAccountAndIsListedWithoutItsToken() {
        ApiClient operator = operator();
        Reply created = operator.withHeader("Host", "picobase.example.com:3000")
                .post("/api/admin/invitations", json("note", "for the design team"));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String token = created.json().path("token").asText();
        assertThat(token).startsWith("pbi_");
        assertThat(created.json().path("url").asText())
                .isEqualTo("http://picobase.example.com:3000/signup?invitation=" + token);
        JsonNode invitation = created.json().path("invitation");
        assertThat(invitation.path("state").asText()).isEqualTo("pending");
        assertThat(Duration.between(Instant.parse(invitation.path("createdAt").asText()),
                Instant.parse(invitation.path("expiresAt").asText()))).isEqualTo(Duration.ofDays(7));

        String email = Unique.email();
        Reply up = signUp(email, token);
        assertThat(up.status()).as(up.text()).isEqualTo(201);
        assertThat(signUp(Unique.email(), token).errorCode()).as("single use").isEqualTo("invitation_invalid");

        Reply listed = operator.get("/api/admin/invitations");
        assertThat(listed.text()).doesNotContain(token).doesNotContain(token.substring(4));
        JsonNode mine = find(listed.json().path("items"), invitation.path("id").asText());
        assertThat(mine.path("state").asText()).isEqualTo("used");
        assertThat(mine.path("usedBy").asText()).isEqualTo(api.store().findCredentials(email).orElseThrow().user().id());
        assertThat(mine.path("note").asText()).isEqualTo("for the design team");
    }

    @Test
    void aTakenEmailDoesNotUseTheInvitationUp() {
        ApiClient operator = operator();
        String token = operator.post("/api/admin/invitations", "{}").json().path("token").asText();
        String taken = operator().get("/api/me").json().path("user").path("email").asText();
        Reply conflict = signUp(taken, token);
        assertThat(conflict.errorCode()).isEqualTo("email_taken");
        assertThat(signUp(Unique.email(), token).status()).as("still usable").isEqualTo(201);
    }

    @Test
    void anInvitationForOneEmailServesOnlyThatEmail() {
        String invited = Unique.email();
        String token = operator().post("/api/admin/invitations", json("email", invited.toUpperCase()))
                .json().path("token").asText();
        assertThat(signUp(Unique.email(), token).errorCode()).isEqualTo("invitation_invalid");
        assertThat(signUp(invited, token).status()).isEqualTo(201);
    }

    @Test
    void anExpiredOrRevokedInvitationIsRefused() {
        ApiClient operator = operator();
        Reply shortLived = operator.post("/api/admin/invitations", json("expiresInHours", 1));
        String expiring = shortLived.json().path("token").asText();
        Reply revoked = operator.post("/api/admin/invitations", "{}");
        assertThat(operator.delete("/api/admin/invitations/" + revoked.json().path("invitation").path("id").asText())
                .status()).isEqualTo(204);
        assertThat(signUp(Unique.email(), revoked.json().path("token").asText()).errorCode())
                .isEqualTo("invitation_invalid");

        clock.advance(Duration.ofMinutes(61));
        assertThat(signUp(Unique.email(), expiring).errorCode()).isEqualTo("invitation_invalid");
        assertThat(find(operator.get("/api/admin/invitations").json().path("items"),
                shortLived.json().path("invitation").path("id").asText()).path("state").asText()).isEqualTo("expired");
        assertThat(operator.delete("/api/admin/invitations/inv_nosuchthing").errorCode()).isEqualTo("not_found");
    }

    @Test
    void twoSignUpsWithOneLinkAtOnceMakeOneAccount() throws Exception {
        String token = operator().post("/api/admin/invitations", "{}").json().path("token").asText();
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Reply>> attempts = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String email = Unique.email();
            attempts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return signUp(email, token);
            }));
        }
        go.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<Reply> attempt : attempts) {
            statuses.add(attempt.get().status());
        }
        assertThat(statuses).containsOnlyOnce(201).containsOnly(201, 403);
    }

    @Test
    void onlyOperatorsManageInvitationsAndTheirInputIsChecked() {
        ApiClient stranger = api.client();
        assertThat(stranger.get("/api/admin/invitations").status()).isEqualTo(401);
        String token = operator().post("/api/admin/invitations", "{}").json().path("token").asText();
        String email = Unique.email();
        assertThat(signUp(email, token).status()).isEqualTo(201);
        ApiClient member = api.client().withToken(api.client().post("/api/auth/signin",
                json("email", email, "password", PASSWORD)).json().path("token").asText());
        for (Reply r : List.of(member.get("/api/admin/invitations"), member.post("/api/admin/invitations", "{}"),
                member.delete("/api/admin/invitations/inv_x"))) {
            assertThat(r.status()).as(r.text()).isEqualTo(403);
            assertThat(r.errorCode()).isEqualTo("operator_only");
        }
        assertThat(member.get("/api/me").json().path("operator").asBoolean()).isFalse();

        ApiClient operator = operator();
        assertThat(operator.get("/api/me").json().path("operator").asBoolean()).isTrue();
        Reply tooLong = operator.post("/api/admin/invitations", json("expiresInHours", 24 * 31));
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.json().path("error").path("field").asText()).isEqualTo("expiresInHours");
        assertThat(operator.post("/api/admin/invitations", json("email", "grace@example")).status()).isEqualTo(400);
    }

    /** The operator signs up without an invitation (their email is in PICOBASE_OPERATOR_EMAILS), once. */
    private ApiClient operator() {
        Reply in = api.client().post("/api/auth/signin", json("email", operatorEmail, "password", PASSWORD));
        if (in.status() == 200) {
            return api.client().withToken(in.json().path("token").asText());
        }
        return api.client().signUpAndSignIn(operatorEmail, PASSWORD).client();
    }

    private Reply signUp(String email, String invitation) {
        return api.client().post("/api/auth/signup", invitation == null
                ? json("name", "Invited", "email", email, "password", PASSWORD)
                : json("name", "Invited", "email", email, "password", PASSWORD, "invitation", invitation));
    }

    private static JsonNode find(JsonNode items, String id) {
        for (JsonNode item : items) {
            if (item.path("id").asText().equals(id)) {
                return item;
            }
        }
        throw new AssertionError("no " + id + " in " + items);
    }
}
