package dev.picobase.api.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

/**
 * A tenant's whole journey with the official PocketBase JS SDK ({@code /e2e/sdk-journey.mjs} in Node):
 * a refused request's message, the first admin, a collection, records created, listed, updated and
 * deleted, a user signing in, a 5 MB file up and down (SHA-256 compared) and a realtime event over
 * SSE — against whatever gateway {@code url} names. Single-node and cluster tests run the same script.
 *
 * <p>Threading: blocking; the caller waits for Node (at most two minutes).
 */
public final class SdkJourney {
    private static final Duration LIMIT = Duration.ofSeconds(120);

    private SdkJourney() {}

    /**
     * Runs the journey against {@code url} ({@code http://<subdomain>.localhost:<port>}, a fresh
     * instance) with API key {@code key}; fails the test with every line the script printed unless it
     * completed. Returns that output (one line per step).
     */
    public static String completes(String url, String key) {
        NodeScript.Outcome outcome = new NodeScript("/e2e/sdk-journey.mjs").run(Map.of(
                "PICOBASE_URL", url,
                "PICOBASE_KEY", key), LIMIT);
        System.out.println(outcome.output());
        assertThat(outcome.succeeded())
                .withFailMessage("sdk-journey.mjs against %s exited with %d:%n%s", url, outcome.exitCode(),
                        outcome.output())
                .isTrue();
        assertThat(outcome.output()).contains("journey complete");
        return outcome.output();
    }
}
