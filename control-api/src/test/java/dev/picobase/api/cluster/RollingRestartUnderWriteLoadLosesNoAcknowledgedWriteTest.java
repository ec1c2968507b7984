package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling restart, as an operator deploys a new version: three real nodes behind nginx
 * (round-robin, {@link ThreeNodes}) under a continuous write load through nginx, and each node in turn
 * stopped with SIGTERM, waited for, and started again on its ports and data directory, the next one only
 * once nginx sends it traffic again. The instance's owner is among them, so its lease moves at least
 * once. What could go wrong: a write acknowledged by the node that was stopping and missing from the
 * next owner's copy (its drain saved too early, or the next node restored an older snapshot); requests
 * answered 502 while a node's listener was closed but its lease still held (forwarded to a gateway that
 * no longer listens), or cut when its connections were closed. What the test proves: every acknowledged
 * write is listed at the end, nothing listed was invented, and every answer was 200 or 503 with
 * {@code Retry-After} (every status is recorded; a connection nginx could not answer counts too).
 */
@Timeout(300)
class RollingRestartUnderWriteLoadLosesNoAcknowledgedWriteTest {
    private static final int WRITERS = 3;
    private static final Duration BACK_IN_ROTATION = Duration.ofSeconds(30); // nginx's fail_timeout is 5 s

    @TempDir
    Path dir;

    private ThreeNodes nodes;
    private final ExecutorService writers = Executors.newFixedThreadPool(WRITERS);

    @AfterEach
    void stopAll() throws InterruptedException {
        writers.shutdownNow();
        writers.awaitTermination(20, TimeUnit.SECONDS);
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void everyAcknowledgedWriteSurvivesAndNothingButA503WithRetryAfterIsRefused() throws Exception {
        nodes = ThreeNodes.start(dir);
        ApiClient.Tenant tenant = nodes.node(1).client().signUpAndSignIn().createInstanceWithKey();
        TenantGateway admin = nodes.throughBalancer(tenant).asNewAdmin("admin@example.com", "1234567890");
        admin.createNotes();

        Map<String, LongAdder> answers = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>(); // "id text"
        Set<String> sent = ConcurrentHashMap.newKeySet(); // texts, answered or not
        AtomicBoolean stop = new AtomicBoolean();
        long began = System.nanoTime();
        // When each node went down and came back, and when anything but 200 or a 503 with Retry-After came.
        ConcurrentLinkedQueue<String> timeline = new ConcurrentLinkedQueue<>();
        java.util.function.Consumer<String> mark = what -> timeline.add(
                "t=" + (System.nanoTime() - began) / 1_000_000 + " ms " + what);
        List<Future<?>> load = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            String prefix = "w" + w + "-";
            load.add(writers.submit(() -> {
                for (int i = 0; !stop.get(); i++) {
                    String text = prefix + i;
                    sent.add(text);
                    String answer = write(admin, text, acknowledged);
                    answers.computeIfAbsent(answer, k -> new LongAdder()).increment();
                    if (!answer.equals("200") && !answer.equals("503 with Retry-After")) {
                        mark.accept(answer.lines().findFirst().orElse(answer));
                    }
                }
            }));
        }
        Deadline.await("the write load to be acknowledged", Duration.ofSeconds(20), () -> acknowledged.size() >= 50);

        List<String> steps = new ArrayList<>();
        int ownerRestarts = 0;
        for (int n = 1; n <= ThreeNodes.COUNT; n++) {
            int owner = nodes.ownerOf(tenant.id());
            ownerRestarts += owner == n ? 1 : 0;
            int ackedBefore = acknowledged.size();
            long t0 = System.nanoTime();
            mark.accept("SIGTERM to node-" + n);
            int exit = nodes.terminate(n);
            mark.accept("node-" + n + " exited");
            nodes.startAgain(n);
            mark.accept("node-" + n + " up again");
            long restarted = System.nanoTime();
            assertThat(exit).as("node-%d exited on SIGTERM after its shutdown (128 + 15)", n).isEqualTo(143);
            int node = n;
            Deadline.await("nginx to send node-" + n + " traffic again", BACK_IN_ROTATION,
                    () -> nodes.metric(node, "picobase_gateway_requests_total") > 0);
            int ackedDuring = acknowledged.size() - ackedBefore;
            steps.add(String.format("node-%d (owner: node-%d): stopped and up again in %d ms, back in rotation "
                    + "after %d ms more, %d writes acknowledged meanwhile", n, owner, (restarted - t0) / 1_000_000,
                    (System.nanoTime() - restarted) / 1_000_000, ackedDuring));
            assertThat(ackedDuring).as("writes acknowledged while node-%d restarted", n).isPositive();
        }
        stop.set(true);
        for (Future<?> f : load) {
            f.get(30, TimeUnit.SECONDS);
        }
        assertThat(ownerRestarts).as("restarts of the node holding the instance's lease (it moved)").isPositive();

        Map<String, Long> seen = new TreeMap<>();
        answers.forEach((k, v) -> seen.put(k, v.sum()));
        System.out.println("rolling restart under load: " + String.join("; ", steps) + "\nanswers: " + seen);
        Set<String> listed = admin.notes();
        Set<String> texts = new TreeSet<>();
        listed.forEach(note -> texts.add(note.substring(note.indexOf(' ') + 1)));
        SoftAssertions.assertSoftly(softly -> { // both verdicts, whichever fails
            softly.assertThat(seen.keySet()).as("every answer during the rolling restart (%s); timeline:%n%s%n"
                    + "the nodes' warnings:%n%s", seen, String.join("\n", timeline), nodes.warnings())
                    .isSubsetOf("200", "503 with Retry-After");
            softly.assertThat(listed).as("every acknowledged write (%d), listed through nginx after the restart",
                    acknowledged.size()).containsAll(acknowledged);
            softly.assertThat(sent).as("nothing listed was invented").containsAll(texts);
        });
    }

    /** One write through nginx; returns how it was answered, and records it if acknowledged. */
    private static String write(TenantGateway admin, String text, ConcurrentLinkedQueue<String> acknowledged) {
        RawHttp.Response r;
        try {
            r = admin.send("POST", "/api/collections/notes/records", ApiClient.json("text", text));
        } catch (RuntimeException | AssertionError e) {
            return "no answer: " + e.getClass().getSimpleName() + " " + e.getMessage();
        }
        if (r.status() == 200) {
            acknowledged.add(r.json().path("id").asText() + " " + r.json().path("text").asText());
            return "200";
        }
        if (r.status() == 503 && r.header("Retry-After") != null) {
            return "503 with Retry-After";
        }
        return r.status() + " " + r.text();
    }
}
