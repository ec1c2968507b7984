package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.testsupport.StorageKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Durability issue's soak: a bounded run (~15 s of load per object store) in which everything that
 * moves an instance's data happens at once, against real PocketBase processes. What went wrong
 * before: a POST that arrived while its instance was being stopped could get a 502; a delete raced
 * with the requests still reaching the instance, which woke it again and left its directory and new
 * snapshots behind; restoring the oldest listed backup failed with a 500 ("no object") because a save
 * made under the restore pruned it. (A restore dropping the writes of an instance whose PocketBase had
 * died needs a crash, whose in-flight requests rightly get 502: that has its own test, not this one.)
 *
 * <p>Instance A takes writes from {@value #WRITERS} threads (each record carries a unique sequence
 * value) while a controller stops it every ~2 s and, every other time, restores an older backup
 * (alternately the oldest listed and one in the middle), and periodic snapshots every second with a
 * retention of {@value #RETENTION} keep pruning the history. Instance B takes reads and writes too and
 * is deleted in the middle of it. Afterwards:
 * <ul>
 *   <li>no request got a 5xx other than 503 with {@code Retry-After}, and no connection failed;</li>
 *   <li>every write A acknowledged (200) is live, or in a listed backup — each listed backup is
 *       restored through the control API and read back through the gateway, on a restarted, quiet
 *       platform (no periodic snapshots, no pruning) so reading one cannot prune the next;</li>
 *   <li>B's requests sent after its delete get 404, and no PocketBase process, directory or object of
 *       B is left.</li>
 * </ul>
 *
 * <p><b>Retention and rolled-back writes.</b> A restore rolls A back on purpose: writes acknowledged
 * after the restored snapshot are then not live, only in the backup the restore saved first (its
 * "holder"). Retention keeps the newest {@value #RETENTION}, so within seconds later snapshots push the
 * holder out — which is retention doing its job, not a loss. Pruning is part of what is soaked, so it
 * stays on; instead the check excuses exactly those writes: missing, possibly rolled back by a restore
 * whose holder is no longer listed, and not due in any snapshot still listed (a listed snapshot taken
 * after the write was acknowledged and before the next restore began must hold it). Excused writes are
 * counted in the report; every other missing write fails the test.
 */
@ParameterizedClass
@EnumSource(StorageKind.class)
@Timeout(180)
class AcknowledgedWritesSurviveStopsRestoresAndDeletesUnderLoadTest extends PlatformPerStorageKind {
    private static final String ADMIN = "admin@example.com";
    private static final String PASSWORD = "1234567890";
    private static final Duration LOAD = Duration.ofSeconds(15);
    private static final Duration BETWEEN_ACTIONS = Duration.ofSeconds(2);
    private static final int WRITERS = 3;
    private static final int RETENTION = 10;
    private static final int PAGE = 500;
    private static final int EXAMPLES = 5;
    /** Requests each client of B sends once its delete was answered (404s are cheap: unbounded, they spin). */
    private static final int AFTER_DELETE = 50;

    @Override
    Map<String, String> settings() {
        return Map.of(
                "PICOBASE_IDLE_TIMEOUT", "2s",
                "PICOBASE_SNAPSHOT_INTERVAL", "1s",
                "PICOBASE_SNAPSHOT_RETENTION", Integer.toString(RETENTION),
                // Below RawHttp's 10 s read timeout: a request held longer gets the platform's 503 with
                // Retry-After (allowed) rather than a client-side timeout (a failure).
                "PICOBASE_HOLD_TIMEOUT", "8s");
    }

    /** A write A acknowledged: its value, when it was sent and when the 200 arrived. */
    private record Ack(long seq, Instant sentAt, Instant ackedAt) {
        String text() {
            return "s" + seq;
        }
    }

    /**
     * A restore A answered 200: when it was asked and answered, and the backup that held A's data just
     * before the rollback (the restore's own save, or the current snapshot if there was nothing to save).
     */
    private record Restore(int n, String target, Instant targetCreated, Instant requested, Instant answered,
            String holder) {}

    /** A stop A answered 200, from request to answer. */
    private record Stop(Instant requested, Instant answered) {}

    private record Backup(String id, Instant createdAt, boolean current) {}

    /** Problems by kind, with the first few examples of each and their count. */
    private static final class Findings {
        private final Map<String, List<String>> examples = new LinkedHashMap<>();
        private final Map<String, Integer> counts = new LinkedHashMap<>();

        synchronized void add(String kind, String example) {
            counts.merge(kind, 1, Integer::sum);
            List<String> list = examples.computeIfAbsent(kind, k -> new ArrayList<>());
            if (list.size() < EXAMPLES) {
                list.add(example);
            }
        }

        synchronized boolean isEmpty() {
            return counts.isEmpty();
        }

        @Override
        public synchronized String toString() {
            StringBuilder sb = new StringBuilder();
            counts.forEach((kind, n) -> {
                sb.append("\n- ").append(kind).append(": ").append(n).append(n > EXAMPLES ? ", the first " + EXAMPLES : "")
                        .append(':');
                examples.get(kind).forEach(e -> sb.append("\n    ").append(e));
            });
            return sb.toString();
        }
    }

    private final Findings findings = new Findings();
    private final List<Ack> acks = new CopyOnWriteArrayList<>();
    private final List<Restore> restores = new CopyOnWriteArrayList<>();
    private final Set<String> seenBackups = ConcurrentHashMap.newKeySet();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicInteger aRetryLater = new AtomicInteger();
    private final List<Stop> stops = new CopyOnWriteArrayList<>();
    private final AtomicInteger actions = new AtomicInteger();
    private final AtomicInteger restoresOfPrunedTargets = new AtomicInteger();
    private final AtomicInteger bServed = new AtomicInteger();
    private final AtomicInteger bServedBeforeDelete = new AtomicInteger();
    private final AtomicInteger bAnsweredAfterDelete = new AtomicInteger();
    private final AtomicInteger bRetryLater = new AtomicInteger();
    private final AtomicReference<Instant> deleteSent = new AtomicReference<>();
    private final AtomicReference<Instant> deleteAnswered = new AtomicReference<>();
    private Instant setUp;
    private Instant loadStart;
    private Instant loadEnd;

    @Test
    void everyAcknowledgedWriteIsLiveOrInAListedBackupAndTheDeletedInstanceLeavesNothing() throws Exception {
        ApiClient.Tenant a = user.createInstanceWithKey();
        TenantGateway aAdmin = gateway(a).asNewAdmin(ADMIN, PASSWORD);
        aAdmin.createNotes();
        // The backups made from here on hold the admin and the collection, so each can be restored and read
        // back; a periodic one taken during the set-up may lack the collection, and holds no write.
        setUp = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        assertThat(user.client().post("/api/instances/" + a.id() + "/stop").status()).isEqualTo(200);
        ApiClient.Tenant b = user.createInstanceWithKey();
        TenantGateway bAdmin = gateway(b).asNewAdmin(ADMIN, PASSWORD);
        bAdmin.createNotes();

        loadStart = Instant.now();
        loadEnd = loadStart.plus(LOAD);
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 4);
        List<Future<?>> tasks = new ArrayList<>();
        try {
            for (int i = 0; i < WRITERS; i++) {
                tasks.add(pool.submit(() -> writeTo(aAdmin)));
            }
            tasks.add(pool.submit(() -> hitB(bAdmin, "POST", "/api/collections/notes/records")));
            tasks.add(pool.submit(() -> hitB(bAdmin, "GET", "/api/collections/notes/records?perPage=1&fields=id")));
            tasks.add(pool.submit(() -> control(a.id())));
            tasks.add(pool.submit(() -> deleteMidway(b.id())));
            for (Future<?> task : tasks) {
                task.get(90, TimeUnit.SECONDS); // each stops at loadEnd, after at most one slow request
            }
        } finally {
            pool.shutdownNow();
        }

        // What A serves now, then one last save, and the backups that are listed.
        Optional<Set<String>> live = texts(aAdmin, "A's live records after the load");
        ApiClient.Reply finalStop = user.client().post("/api/instances/" + a.id() + "/stop");
        if (finalStop.status() != 200) {
            findings.add("the final stop of A failed", finalStop.toString());
        }
        List<Backup> listed = backups(user.client(), a.id());

        checkNothingOfBLeft(b.id());

        // Reading a backup means restoring it and waking A; on this platform each wake would bring a
        // periodic snapshot that prunes the oldest listed backup before its turn. A quiet platform on the
        // same data and bucket reads each one as it was listed.
        restartPlatform(Map.of("PICOBASE_SNAPSHOT_INTERVAL", "0s", "PICOBASE_SNAPSHOT_RETENTION", "1000",
                "PICOBASE_IDLE_TIMEOUT", "1h"));
        List<String> listedIds = listed.stream().map(Backup::id).toList();
        List<String> relisted = backups(owner(), a.id()).stream().map(Backup::id).toList();
        if (!relisted.equals(listedIds)) {
            findings.add("the restart changed A's backups", "before " + listedIds + ", after " + relisted);
        }
        Map<String, Set<String>> backupContents = new LinkedHashMap<>();
        TenantGateway aNow = aAdmin.on(api.gatewayPort());
        List<Backup> oldestFirst = new ArrayList<>(listed);
        Collections.reverse(oldestFirst);
        for (Backup backup : oldestFirst) {
            if (backup.createdAt().isBefore(setUp)) {
                continue; // made before the collection was complete, and before any write
            }
            ApiClient.Reply restored = owner().post("/api/instances/" + a.id() + "/restore",
                    ApiClient.json("snapshotId", backup.id()));
            if (restored.status() != 200) {
                findings.add("a listed backup of A could not be restored", backup.id() + " (" + backup.createdAt()
                        + "): " + restored);
                continue;
            }
            texts(aNow, "backup " + backup.id()).ifPresent(t -> backupContents.put(backup.id(), t));
        }

        int excused = checkEveryAcknowledgedWrite(live.orElse(Set.of()), backupContents, listed);
        long duringStops = checkTheSoakDidWhatItSays(listedIds);
        String summary = String.format("%s: %d writes acknowledged to A (%d while it was being stopped, %d rolled back "
                        + "by a restore whose holder retention pruned), %d answered 503 + Retry-After; %d stops and "
                        + "%d restores of A (%d restore targets pruned before the restore); %d backups seen, %d listed "
                        + "at the end; B: %d served (%d before its delete), %d answered after it, %d 503 + Retry-After",
                storage, acks.size(), duringStops, excused, aRetryLater.get(), stops.size(), restores.size(),
                restoresOfPrunedTargets.get(), seenBackups.size(), listed.size(), bServed.get(),
                bServedBeforeDelete.get(), bAnsweredAfterDelete.get(), bRetryLater.get());
        System.out.println("soak " + summary);
        assertThat(findings.isEmpty()).as("%s%s", summary, findings).isTrue();
    }

    // ---- load ---------------------------------------------------------------------------------

    private boolean loading() {
        return Instant.now().isBefore(loadEnd);
    }

    private String at(Instant t) {
        return String.format("+%.3fs", Duration.between(loadStart, t).toMillis() / 1000.0);
    }

    private static String brief(RawHttp.Response r) {
        String body = r.text();
        return r.status() + (r.header("Retry-After") == null ? "" : " Retry-After: " + r.header("Retry-After")) + " "
                + (body.length() > 200 ? body.substring(0, 200) + "…" : body);
    }

    private static boolean retryLater(RawHttp.Response r) {
        return r.status() == 503 && r.header("Retry-After") != null;
    }

    /** One writer of A: unique values until the load ends; every answer is classified. */
    private void writeTo(TenantGateway a) {
        while (loading()) {
            long seq = sequence.incrementAndGet();
            Instant sent = Instant.now();
            RawHttp.Response r;
            try {
                r = a.send("POST", "/api/collections/notes/records", ApiClient.json("text", "s" + seq));
            } catch (RuntimeException | AssertionError e) {
                findings.add("A: a write failed without an answer", "s" + seq + " sent at " + at(sent) + ": " + e);
                continue;
            }
            Instant answered = Instant.now();
            if (r.status() == 200) {
                acks.add(new Ack(seq, sent, answered));
            } else if (retryLater(r)) {
                aRetryLater.incrementAndGet();
            } else {
                findings.add("A: a write got neither 200 nor 503 with Retry-After", "s" + seq + " sent at " + at(sent)
                        + ", answered at " + at(answered) + ": " + brief(r));
            }
        }
    }

    /** Stops A every ~2 s while writes are acknowledged; every other time restores an older backup instead. */
    private void control(String a) {
        Instant last = Instant.now();
        while (loading()) {
            int before = acks.size();
            Instant since = last;
            awaitOrLoadEnd("2 s and new writes to A since the last stop or restore", () ->
                    Duration.between(since, Instant.now()).compareTo(BETWEEN_ACTIONS) >= 0 && acks.size() > before);
            if (!loading()) {
                return;
            }
            int n = actions.incrementAndGet();
            try {
                if (n % 2 == 1) {
                    stop(a, n);
                } else {
                    restoreAnOlderBackup(a, n);
                }
            } catch (RuntimeException e) {
                findings.add("A: a control-API call failed without an answer", "action " + n + ": " + e);
            }
            last = Instant.now();
        }
    }

    private void awaitOrLoadEnd(String what, BooleanSupplier condition) {
        Deadline.await(what + " (or the end of the load)", LOAD.plusSeconds(30),
                () -> !loading() || condition.getAsBoolean());
    }

    private void stop(String a, int n) {
        Instant sent = Instant.now();
        ApiClient.Reply r = user.client().post("/api/instances/" + a + "/stop");
        if (r.status() == 200) {
            stops.add(new Stop(sent, Instant.now()));
        } else {
            findings.add("A: a stop failed", "action " + n + " at " + at(sent) + ": " + r);
        }
    }

    private void restoreAnOlderBackup(String a, int n) {
        Instant listedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS); // createdAt is stored in ms
        List<Backup> before = backups(user.client(), a);
        List<Backup> older = before.stream().filter(b -> !b.current() && !b.createdAt().isBefore(setUp)).toList();
        if (older.isEmpty()) {
            stop(a, n);
            return;
        }
        // Alternately the oldest listed (the one a save pruned under the restore: its own save, or a
        // periodic one it waited for) and one from the middle of the history, which a save or two cannot
        // reach, so the rollback itself is exercised.
        Backup target = (n / 2) % 2 == 1 ? older.get(older.size() - 1) : older.get((older.size() - 1) / 2);
        Instant requested = Instant.now();
        ApiClient.Reply r = user.client().post("/api/instances/" + a + "/restore",
                ApiClient.json("snapshotId", target.id()));
        Instant answered = Instant.now().truncatedTo(ChronoUnit.MILLIS).plusMillis(1);
        if (r.status() == 200) {
            List<Backup> after = backups(user.client(), a);
            // The restore's own save is the newest backup made between the listing and the answer (the
            // lock is held throughout, and a wake-up plus a periodic snapshot cannot fit before the answer
            // arrives); without one, the data was already the current snapshot.
            String holder = after.stream()
                    .filter(x -> !x.createdAt().isBefore(listedAt) && !x.createdAt().isAfter(answered)
                            && !x.id().equals(target.id()))
                    .max(Comparator.comparing(Backup::createdAt)).map(Backup::id)
                    .orElseGet(() -> before.stream().filter(Backup::current).map(Backup::id).findFirst().orElse("none"));
            restores.add(new Restore(n, target.id(), target.createdAt(), requested, answered, holder));
        } else if (r.status() == 400 && r.text().contains("no such snapshot")) {
            // A periodic snapshot pruned the target between the listing and the request: a correct answer.
            restoresOfPrunedTargets.incrementAndGet();
        } else {
            findings.add("A: a restore of an older backup failed", "action " + n + " at " + at(requested) + ", "
                    + target.id() + ", number " + (before.indexOf(target) + 1) + " of the " + before.size()
                    + " listed newest first: " + r);
        }
    }

    /** One client of B: served until B is deleted, 404 once its delete was answered; never a bare 5xx. */
    private void hitB(TenantGateway b, String method, String path) {
        int afterDelete = 0;
        while (loading() && afterDelete < AFTER_DELETE) {
            Instant sent = Instant.now();
            Instant deleted = deleteAnswered.get();
            Instant deleting = deleteSent.get();
            RawHttp.Response r;
            try {
                r = b.send(method, path, method.equals("POST") ? ApiClient.json("text", "b" + sent) : null);
            } catch (RuntimeException | AssertionError e) {
                findings.add("B: a request failed without an answer", method + " sent at " + at(sent) + ": " + e);
                continue;
            }
            Instant answered = Instant.now();
            String what = method + " sent at " + at(sent) + ", answered at " + at(answered) + ": " + brief(r);
            if (deleted != null) {
                afterDelete++;
                bAnsweredAfterDelete.incrementAndGet();
                if (r.status() != 404) {
                    findings.add("B: a request sent after its delete was answered did not get 404", what);
                }
            } else if (r.status() == 200) {
                bServed.incrementAndGet();
                if (deleting == null) {
                    bServedBeforeDelete.incrementAndGet();
                }
            } else if (retryLater(r)) {
                bRetryLater.incrementAndGet();
            } else if (r.status() >= 500) {
                findings.add("B: a 5xx other than 503 with Retry-After", what);
            } else if (deleteSent.get() == null) {
                findings.add("B: refused before its delete began", what);
            }
            // else: a 4xx while the delete was under way (its key or route going): what a deleted instance gets.
        }
    }

    /** Deletes B once it has served some requests and A has been stopped or restored twice. */
    private void deleteMidway(String b) {
        awaitOrLoadEnd("B to serve 20 requests and A's controller to act twice",
                () -> bServed.get() >= 20 && actions.get() >= 2);
        if (!loading()) {
            findings.add("B: the load ended before it was deleted", bServed.get() + " served, " + actions.get()
                    + " actions on A");
            return;
        }
        deleteSent.set(Instant.now());
        ApiClient.Reply r;
        try {
            r = user.client().delete("/api/instances/" + b);
        } catch (RuntimeException e) {
            findings.add("B: its delete failed without an answer", e.toString());
            return;
        }
        if (r.status() == 204) {
            deleteAnswered.set(Instant.now());
        } else {
            findings.add("B: its delete failed", "sent at " + at(deleteSent.get()) + ": " + r);
        }
    }

    // ---- checks -------------------------------------------------------------------------------

    private List<Backup> backups(ApiClient owner, String id) {
        ApiClient.Reply r = owner.get("/api/instances/" + id + "/backups");
        assertThat(r.status()).as("listing the backups of %s: %s", id, r).isEqualTo(200);
        List<Backup> list = new ArrayList<>();
        for (JsonNode node : r.json().path("backups")) {
            Backup b = new Backup(node.path("id").asText(), Instant.parse(node.path("createdAt").asText()),
                    node.path("current").asBoolean());
            list.add(b);
            seenBackups.add(b.id());
        }
        return list;
    }

    /** Every record's text, page by page (waking the instance); empty, with a finding, if a page fails. */
    private Optional<Set<String>> texts(TenantGateway instance, String what) {
        Set<String> texts = new HashSet<>();
        for (int page = 1; ; page++) {
            RawHttp.Response r;
            try {
                r = instance.send("GET", "/api/collections/notes/records?perPage=" + PAGE + "&page=" + page
                        + "&skipTotal=1&sort=id&fields=text", null);
            } catch (RuntimeException | AssertionError e) {
                findings.add("reading records failed", what + ", page " + page + ": " + e);
                return Optional.empty();
            }
            if (r.status() != 200) {
                findings.add("reading records failed", what + ", page " + page + ": " + brief(r));
                return Optional.empty();
            }
            JsonNode items = r.json().path("items");
            items.forEach(item -> texts.add(item.path("text").asText()));
            if (items.size() < PAGE) {
                return Optional.of(texts);
            }
        }
    }

    /**
     * Every acknowledged write is live or in a listed backup, except one a restore rolled back whose
     * holder retention has since pruned (see the class comment), and which no listed backup was due to hold.
     */
    private int checkEveryAcknowledgedWrite(Set<String> live, Map<String, Set<String>> backups, List<Backup> listedBackups) {
        Map<String, Instant> listedCreated = new LinkedHashMap<>();
        listedBackups.forEach(b -> listedCreated.put(b.id(), b.createdAt()));
        Set<String> listed = listedCreated.keySet();
        int excused = 0;
        for (Ack ack : acks) {
            String text = ack.text();
            if (live.contains(text) || backups.values().stream().anyMatch(c -> c.contains(text))) {
                continue;
            }
            // A restore can only have rolled the write back if it was answered after the write was sent, to
            // a backup taken before the write was acknowledged (a later one holds it).
            List<Restore> couldRollBack = restores.stream().filter(r -> r.answered().isAfter(ack.sentAt())
                    && r.targetCreated().isBefore(ack.ackedAt())).toList();
            Optional<Restore> prunedHolder = couldRollBack.stream().filter(r -> !listed.contains(r.holder())).findFirst();
            boolean overlapped = restores.stream().anyMatch(r ->
                    r.requested().isBefore(ack.ackedAt()) && r.answered().isAfter(ack.sentAt()));
            Instant nextRestore = restores.stream().map(Restore::requested).filter(t -> t.isAfter(ack.ackedAt()))
                    .min(Comparator.naturalOrder()).orElse(Instant.MAX);
            List<String> due = listed.stream().filter(id -> {
                Instant created = listedCreated.get(id);
                return created != null && !created.isBefore(ack.ackedAt()) && created.isBefore(nextRestore);
            }).toList();
            String where = text + " sent at " + at(ack.sentAt()) + ", acknowledged at " + at(ack.ackedAt());
            if (prunedHolder.isPresent() && (overlapped || due.isEmpty())) {
                excused++;
            } else if (couldRollBack.isEmpty()) {
                findings.add("A: an acknowledged write is neither live nor in a listed backup (no restore came after it)",
                        where);
            } else {
                findings.add("A: an acknowledged write is neither live nor in a listed backup",
                        where + "; restores after it: " + couldRollBack.stream().map(r -> "#" + r.n() + " of "
                                + r.target() + " at " + at(r.requested()) + " (holder " + r.holder()
                                + (listed.contains(r.holder()) ? ", listed" : ", pruned") + ")")
                                .collect(Collectors.joining(", "))
                                + (due.isEmpty() ? "" : "; listed backups that were due to hold it: " + due));
            }
        }
        return excused;
    }

    /** Findings for what the soak claims but did not do; returns how many writes overlapped a stop. */
    private long checkTheSoakDidWhatItSays(List<String> listed) {
        if (stops.size() < 2) {
            findings.add("the soak stopped A fewer than twice", stops.size() + " stops");
        }
        long duringStops = acks.stream().filter(ack -> stops.stream().anyMatch(st ->
                ack.sentAt().isBefore(st.answered()) && ack.ackedAt().isAfter(st.requested()))).count();
        if (duringStops == 0) {
            findings.add("no acknowledged write of A overlapped a stop", stops.size() + " stops");
        }
        if (restores.isEmpty()) {
            findings.add("the soak restored no older backup of A", restoresOfPrunedTargets.get()
                    + " restores found their target pruned");
        }
        if (listed.containsAll(seenBackups)) {
            findings.add("retention pruned none of A's backups during the soak", seenBackups.size() + " seen");
        }
        // (A delete that failed is a finding of its own; nothing was answered "after" it.)
        if (deleteAnswered.get() != null && (bServedBeforeDelete.get() == 0 || bAnsweredAfterDelete.get() == 0)) {
            findings.add("B was not under load around its delete", bServedBeforeDelete.get()
                    + " served before it, " + bAnsweredAfterDelete.get() + " answered after it");
        }
        return duringStops;
    }

    /** No PocketBase, directory or object of B is left; polled, since an idle save could still be racing. */
    private void checkNothingOfBLeft(String b) {
        Path instanceDir = dir.resolve("instances").resolve(b);
        try (ObjectStore objects = ObjectStore.of(api.config().objectStorage())) {
            AtomicReference<String> left = new AtomicReference<>("");
            try {
                Deadline.await("nothing of the deleted instance B to be left", Duration.ofSeconds(10), () -> {
                    List<String> what = new ArrayList<>();
                    PlatformProcess.pocketBasesUnder(instanceDir).forEach(p -> what.add("PocketBase pid " + p.pid()
                            + ": " + p.info().commandLine().orElse("?")));
                    if (Files.exists(instanceDir)) {
                        what.add("directory " + instanceDir);
                    }
                    objects.list("instances/" + b + "/").forEach(k -> what.add("object " + k));
                    left.set(String.join("; ", what));
                    return what.isEmpty();
                });
            } catch (AssertionError e) {
                findings.add("B: left behind 10 s after its delete", left.get());
            }
        }
    }
}
