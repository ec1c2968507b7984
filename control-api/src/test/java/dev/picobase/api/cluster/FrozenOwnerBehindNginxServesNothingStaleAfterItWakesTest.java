package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.core.model.Snapshot;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zombie owner of the "Cluster mode" issue on three real nodes behind Debian's nginx balancing
 * round-robin ({@link ThreeNodes}; snapshots only at stops). Node A runs the instance with writes that
 * came through nginx (most of them forwarded to A by the other two) and were saved nowhere, when its JVM
 * is frozen ({@code kill -STOP}) past the 2 s TTL — a long GC pause, a suspended VM. Node B takes the
 * instance over from the current snapshot and takes writes, directly and forwarded by node C. Requests
 * reach A meanwhile: one sent straight to its gateway, one that B forwarded to A while A's lease still
 * lived, and whichever of three requests through nginx nginx gave to A; they wait in A's sockets. Then A
 * runs again ({@code kill -CONT}) believing for a moment that it owns the instance.
 *
 * <p>What could go wrong: A answered those waiting requests, or the next ones, from its stale copy (its
 * unsaved writes visible, B's missing); its next save moved the snapshot pointer over B's data; or its
 * unsaved writes were thrown away. What the test proves: every answer A gives after waking — to the
 * requests that waited and to one sent directly afterwards — is B's data (forwarded) or a 503 with
 * {@code Retry-After}, never A's copy; A stops its PocketBase; the pointer stays where B started from, and
 * B's own save becomes current afterwards; A's unsaved writes are listed in
 * {@code GET /api/instances/:id/backups} as a backup that is not current, with {@code nodeId} A and a
 * note; A counts one lease lost and B one takeover; restoring that backup brings A's writes back.
 */
@Timeout(120)
class FrozenOwnerBehindNginxServesNothingStaleAfterItWakesTest {
    private static final String ADMIN = "admin@example.com";
    private static final String PASSWORD = "1234567890";
    private static final String LIST = "/api/collections/notes/records?perPage=500&skipTotal=1&fields=text";
    /** How long a request held by the frozen node is waited for (it is answered once the node runs again). */
    private static final Duration HELD = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private ThreeNodes nodes;
    private final ExecutorService clients = Executors.newCachedThreadPool();

    @AfterEach
    void stopAll() throws InterruptedException {
        clients.shutdownNow();
        clients.awaitTermination(20, TimeUnit.SECONDS);
        if (nodes != null) {
            nodes.close(); // resumes a node left frozen before it kills it
        }
    }

    @Test
    void aFrozenOwnerServesNothingStaleAfterItWakesAndKeepsItsUnsavedWritesAsABackup() throws Exception {
        nodes = ThreeNodes.start(dir);
        MetadataStore store = nodes.store();
        ApiClient.SignedIn user = nodes.node(1).client().signUpAndSignIn();
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        String id = tenant.id();
        TenantGateway balanced = nodes.throughBalancer(tenant).asNewAdmin(ADMIN, PASSWORD);
        balanced.createNotes();
        balanced.writeNote("a1");
        ApiClient.Reply stopped = user.client().post("/api/instances/" + id + "/stop"); // saved, lease given back
        assertThat(stopped.status()).as(stopped.text()).isEqualTo(200);
        Snapshot saved = store.latestSnapshot(id).orElseThrow();
        for (String text : List.of("a2", "a3", "a4")) { // through nginx: the first wakes the instance somewhere
            balanced.writeNote(text);
        }
        int a = ThreeNodes.number(store.leaseOf(id).orElseThrow().nodeId());
        assertThat(nodes.ownerOf(id)).as("the node running the instance holds its lease").isEqualTo(a);
        int b = a % ThreeNodes.COUNT + 1;
        int c = b % ThreeNodes.COUNT + 1;
        TenantGateway onA = balanced.on(nodes.node(a).gatewayPort());
        TenantGateway onB = balanced.on(nodes.node(b).gatewayPort());
        TenantGateway onC = balanced.on(nodes.node(c).gatewayPort());

        nodes.node(a).pause();
        long frozen = System.nanoTime();
        // While A's lease lives, B forwards to A's gateway, whose kernel accepts the connection: it waits there.
        Map<String, Future<RawHttp.Response>> held = new LinkedHashMap<>();
        held.put("sent to node-" + b + " while node-" + a + "'s lease lived", submit(onB));
        held.put("sent directly to the frozen node-" + a, submit(onA));

        Deadline.await("node-" + a + "'s lease to lapse in the database", Duration.ofSeconds(10),
                () -> !store.leaseOf(id).orElseThrow().live());
        Deadline.await("node-" + b + " to take the instance over", Duration.ofSeconds(20),
                () -> onB.send("GET", "/api/health", null).status() == 200);
        long tookOver = System.nanoTime();
        assertThat(store.leaseOf(id).orElseThrow().nodeId()).isEqualTo(ThreeNodes.name(b));
        assertThat(texts(onB.notes())).as("node-%d starts from the current snapshot", b).containsExactly("a1");
        onB.writeNote("b1");
        onC.writeNote("b2"); // C forwards it to B
        Set<String> ofB = new TreeSet<>(List.of("a1", "b1", "b2")); // what B has
        // Three requests through nginx, one to each node in turn: the one given to A waits there too.
        List<Future<RawHttp.Response>> throughNginx = new ArrayList<>();
        for (int i = 0; i < ThreeNodes.COUNT; i++) {
            throughNginx.add(submit(balanced));
        }
        Deadline.await("the requests nginx gave to nodes " + b + " and " + c + " to be answered",
                Duration.ofSeconds(20), () -> throughNginx.stream().filter(Future::isDone).count() >= 2);
        for (int i = 0; i < throughNginx.size(); i++) {
            held.put("through nginx #" + (i + 1) + (throughNginx.get(i).isDone() ? "" : " (waiting at the freeze)"),
                    throughNginx.get(i));
        }
        boolean waitedAtA = held.values().stream().limit(2).noneMatch(Future::isDone);

        nodes.node(a).resume();
        long resumed = System.nanoTime();
        // A's first request after waking, sent directly to it: its lease is past its margin by A's own clock.
        RawHttp.Response firstAfterWaking = onA.send("GET", LIST, null);
        Map<String, String> answers = new LinkedHashMap<>();
        for (Map.Entry<String, Future<RawHttp.Response>> e : held.entrySet()) {
            answers.put(e.getKey(), describe(e.getValue()));
        }
        answers.put("sent directly to node-" + a + " after it woke", describe(firstAfterWaking));

        // A notices its lease is lost, stops its PocketBase and keeps its unsaved writes as a backup.
        AtomicReference<JsonNode> aside = new AtomicReference<>();
        Deadline.await("node-" + a + "'s unsaved writes to be listed as a backup", Duration.ofSeconds(15), () -> {
            for (JsonNode backup : backups(user, id)) {
                if (ThreeNodes.name(a).equals(backup.path("nodeId").textValue()) && !backup.path("current").asBoolean()
                        && !backup.path("id").asText().equals(saved.id())) {
                    aside.set(backup);
                    return true;
                }
            }
            return false;
        });
        Deadline.await("node-" + a + "'s PocketBase for the instance to be gone", Duration.ofSeconds(10),
                () -> nodes.pocketBasesOf(id) == 1);
        answers.put("sent directly to node-" + a + " after it stopped its PocketBase",
                describe(onA.send("GET", LIST, null)));
        System.out.printf("kill -STOP of the owner node-%d: node-%d took over %d ms after the freeze; requests that "
                + "reached node-%d frozen waited (%s) and, like later ones, were answered after kill -CONT "
                + "(%d ms after the freeze): %s%n", a, b, (tookOver - frozen) / 1_000_000, a, waitedAtA,
                (resumed - frozen) / 1_000_000, answers);

        SoftAssertions.assertSoftly(softly -> {
            answers.forEach((request, answer) -> softly.assertThat(answer).as("%s; the nodes' warnings:%n%s", request,
                    nodes.warnings()).isIn("200 " + ofB, "503 with Retry-After"));
            softly.assertThat(aside.get().path("note").asText()).contains(ThreeNodes.name(a))
                    .contains("lost the instance's lease");
            softly.assertThat(nodes.ownerOf(id)).as("the one node running the instance").isEqualTo(b);
            softly.assertThat(store.latestSnapshot(id).orElseThrow().id()).as("the pointer did not move")
                    .isEqualTo(saved.id());
            softly.assertThat(store.leaseOf(id).orElseThrow().nodeId()).isEqualTo(ThreeNodes.name(b));
            softly.assertThat(texts(balanced.notes())).as("served through nginx").isEqualTo(ofB);
            softly.assertThat(nodes.metric(a, "picobase_leases_lost_total")).as("leases node-%d lost", a)
                    .isEqualTo(1.0);
            softly.assertThat(nodes.sum("picobase_lease_takeovers_total")).as("takeovers, cluster-wide")
                    .isEqualTo(1.0);
            softly.assertThat(nodes.metric(b, "picobase_lease_takeovers_total")).isEqualTo(1.0);
        });

        // B's data stays current: its stop saves it (the new owner's snapshot), over nothing of A's.
        ApiClient.Reply stoppedOnB = nodes.node(c).client().withToken(user.token()) // sent on to B
                .post("/api/instances/" + id + "/stop");
        assertThat(stoppedOnB.status()).as(stoppedOnB.text()).isEqualTo(200);
        JsonNode current = currentBackup(user, id);
        assertThat(current.path("nodeId").asText()).isEqualTo(ThreeNodes.name(b));
        assertThat(current.path("note").isNull()).as("an ordinary save has no note").isTrue();
        assertThat(texts(balanced.notes())).isEqualTo(ofB);

        // A's writes were not thrown away: restoring its backup brings them back.
        ApiClient.Reply restored = user.client().post("/api/instances/" + id + "/restore",
                ApiClient.json("snapshotId", aside.get().path("id").asText()));
        assertThat(restored.status()).as(restored.text()).isEqualTo(200);
        assertThat(texts(balanced.notes())).containsExactly("a1", "a2", "a3", "a4");
        assertThat(currentBackup(user, id).path("id").asText()).isEqualTo(aside.get().path("id").asText());
    }

    /** A list of the notes' texts, sent in the background, answered whenever the node it reaches answers. */
    private Future<RawHttp.Response> submit(TenantGateway gateway) {
        return clients.submit(() -> gateway.send("GET", LIST, null, HELD));
    }

    /** "200 [texts]", "503 with Retry-After", another status with its body, or how no answer came. */
    private static String describe(Future<RawHttp.Response> f) {
        try {
            return describe(f.get(HELD.toSeconds() + 5, TimeUnit.SECONDS));
        } catch (Exception e) {
            return "no answer: " + e;
        }
    }

    private static String describe(RawHttp.Response r) {
        if (r.status() == 200) {
            Set<String> texts = new TreeSet<>();
            r.json().path("items").forEach(item -> texts.add(item.path("text").asText()));
            return "200 " + texts;
        }
        if (r.status() == 503 && r.header("Retry-After") != null) {
            return "503 with Retry-After";
        }
        return r.status() + " " + r.text();
    }

    /** The texts of notes listed as "id text". */
    private static Set<String> texts(Set<String> notes) {
        Set<String> texts = new TreeSet<>();
        notes.forEach(n -> texts.add(n.substring(n.indexOf(' ') + 1)));
        return texts;
    }

    private static JsonNode backups(ApiClient.SignedIn user, String id) {
        return user.client().get("/api/instances/" + id + "/backups").json().path("backups");
    }

    private static JsonNode currentBackup(ApiClient.SignedIn user, String id) {
        for (JsonNode backup : backups(user, id)) {
            if (backup.path("current").asBoolean()) {
                return backup;
            }
        }
        throw new AssertionError("no current backup of " + id);
    }
}
