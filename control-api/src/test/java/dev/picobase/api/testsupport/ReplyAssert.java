package dev.picobase.api.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.assertj.core.api.AbstractAssert;

/**
 * AssertJ assertions for control-API replies, so every test checks the one error shape
 * {@code {"error": {"code", "message"[, "field"]}}} the same way, and a failure prints the body.
 */
public final class ReplyAssert extends AbstractAssert<ReplyAssert, ApiClient.Reply> {

    private ReplyAssert(ApiClient.Reply actual) {
        super(actual, ReplyAssert.class);
    }

    public static ReplyAssert assertThatReply(ApiClient.Reply reply) {
        return new ReplyAssert(reply);
    }

    public ReplyAssert hasStatus(int status) {
        isNotNull();
        if (actual.status() != status) {
            failWithMessage("expected status %d but got %d with body %s", status, actual.status(), actual.text());
        }
        return this;
    }

    /** The status, a JSON content type, and {@code {"error": {"code": code, "message": <non-blank>}}}. */
    public ReplyAssert isError(int status, String code) {
        hasStatus(status);
        assertThat(actual.headers().firstValue("content-type")).as("content type of %s", actual.text())
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode error = actual.json().path("error");
        assertThat(error.isObject()).as("an error object in %s", actual.text()).isTrue();
        assertThat(error.path("code").asText()).as("error code in %s", actual.text()).isEqualTo(code);
        assertThat(error.path("message").isTextual()).as("error message in %s", actual.text()).isTrue();
        assertThat(error.path("message").asText()).as("error message in %s", actual.text()).isNotBlank();
        assertThat(actual.json().size()).as("only 'error' at the top level of %s", actual.text()).isEqualTo(1);
        return this;
    }

    /** A 400 {@code invalid_input} error that names {@code field}. */
    public ReplyAssert isInvalid(String field) {
        isError(400, "invalid_input");
        assertThat(actual.json().path("error").path("field").asText()).as("field named in %s", actual.text())
                .isEqualTo(field);
        return this;
    }

    public ReplyAssert namesField(String field) {
        assertThat(actual.json().path("error").path("field").asText()).as("field named in %s", actual.text())
                .isEqualTo(field);
        return this;
    }
}
