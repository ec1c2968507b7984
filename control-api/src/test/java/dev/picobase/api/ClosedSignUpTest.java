package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.StoreKind;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code PICOBASE_SIGNUP=closed}: nobody signs up, with or without an invitation, except the
 * operators named in {@code PICOBASE_OPERATOR_EMAILS} (how a closed server gets its first account).
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClosedSignUpTest extends PlatformPerStoreKind {
    private final String operatorEmail = "operator-" + Unique.email();

    @Override
    protected Map<String, String> settings() {
        return Map.of("PICOBASE_SIGNUP", "closed", "PICOBASE_OPERATOR_EMAILS", operatorEmail);
    }

    @Test
    void nobodyButAnOperatorSignsUp() {
        assertThat(api.client().get("/api/auth/signup-policy").json().path("policy").asText()).isEqualTo("closed");
        String email = Unique.email();
        for (String invitation : new String[] {null, "pbi_anything"}) {
            Reply refused = api.client().post("/api/auth/signup", invitation == null
                    ? json("name", "Ada", "email", email, "password", "correct horse battery")
                    : json("name", "Ada", "email", email, "password", "correct horse battery", "invitation", invitation));
            assertThat(refused.status()).as(refused.text()).isEqualTo(403);
            assertThat(refused.errorCode()).isEqualTo("signup_closed");
            assertThat(refused.json().path("error").path("message").asText()).contains("sign-up is closed");
        }
        assertThat(api.store().findCredentials(email)).isEmpty();

        var operator = api.client().signUpAndSignIn(operatorEmail, "correct horse battery");
        assertThat(operator.client().get("/api/me").json().path("operator").asBoolean()).isTrue();
    }
}
