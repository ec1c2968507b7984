package dev.picobase.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.model.ApiKey;
import dev.picobase.core.model.Instance;
import dev.picobase.core.model.InstanceStatus;
import dev.picobase.core.model.User;
import dev.picobase.core.secret.Tokens;
import dev.picobase.testsupport.CountingSqlBackend;
import dev.picobase.testsupport.StoreKind;
import dev.picobase.testsupport.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MetadataStoreTest {
    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));

    private MetadataStore open(StoreKind kind) {
        return MetadataStore.open(SqlBackend.of(PicoBaseConfig.fromMap(kind.environment(dir)).metadata()), clock);
    }

    private static String unique(String prefix) {
        return prefix + Tokens.randomId(10);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aSecondAccountWithTheSameEmailIsRefused(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            String email = unique("a") + "@example.com";
            User user = store.createUser("Ada", email, "hash").orElseThrow();
            assertThat(store.createUser("Eve", email, "other")).isEmpty();
            assertThat(store.findCredentials(email).orElseThrow().user()).isEqualTo(user);
            assertThat(store.findCredentials(email).orElseThrow().passwordHash()).isEqualTo("hash");
            assertThat(store.findUser(user.id())).contains(user);
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void sessionsEndWhenTheyExpireOrAreDeleted(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            User user = store.createUser("Ada", unique("s") + "@example.com", "hash").orElseThrow();
            String a = Tokens.sha256Hex(unique("t"));
            String b = Tokens.sha256Hex(unique("t"));
            store.createSession(a, user.id(), clock.instant().plus(Duration.ofHours(1)));
            store.createSession(b, user.id(), clock.instant().plus(Duration.ofHours(3)));
            assertThat(store.findSessionUser(a)).contains(user);
            clock.advance(Duration.ofHours(2));
            assertThat(store.findSessionUser(a)).isEmpty();
            assertThat(store.findSessionUser(b)).contains(user);
            store.deleteSession(b);
            assertThat(store.findSessionUser(b)).isEmpty();
            store.deleteExpiredSessions();
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void subdomainsAreUniqueAndListingsAreByOwner(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            String owner = unique("usr_");
            String other = unique("usr_");
            String sub = unique("app");
            Instance created = store.createInstance(owner, "My app", sub).orElseThrow();
            assertThat(created.status()).isEqualTo(InstanceStatus.STOPPED);
            assertThat(created.subdomain()).isEqualTo(sub);
            assertThat(store.createInstance(other, "Copy", sub)).isEmpty();
            store.createInstance(other, "Theirs", unique("app")).orElseThrow();
            assertThat(store.listInstances(owner)).containsExactly(created);
            assertThat(store.findInstanceBySubdomain(sub)).contains(created);
            assertThat(store.listAllInstances()).contains(created);
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void transitionsHappenOnlyFromTheExpectedStatus(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            Instance i = store.createInstance(unique("usr_"), "x", unique("app")).orElseThrow();
            Set<InstanceStatus> fromStopped = EnumSet.of(InstanceStatus.STOPPED);
            assertThat(store.transition(i.id(), fromStopped, InstanceStatus.STARTING, null))
                    .hasValueSatisfying(s -> assertThat(s.status()).isEqualTo(InstanceStatus.STARTING));
            assertThat(store.transition(i.id(), fromStopped, InstanceStatus.STARTING, null)).isEmpty();
            Instance failed = store.transition(i.id(), EnumSet.of(InstanceStatus.STARTING), InstanceStatus.FAILED,
                    "exited with code 1").orElseThrow();
            assertThat(failed.statusReason()).contains("exited with code 1");
            clock.advance(Duration.ofMinutes(1));
            store.recordActivity(i.id(), clock.instant());
            store.recordActivity(i.id(), clock.instant().minusSeconds(30));
            assertThat(store.findInstance(i.id()).orElseThrow().lastActivityAt()).contains(clock.instant());
        }
    }

    /**
     * {@code picobase_instances} is read from {@link MetadataStore#countInstancesByStatus}: the counts
     * must agree with the instances actually stored (every status present, zeros included; a deleted
     * instance gone), and come from one statement whatever the number of instances, not a listing
     * of every instance per scrape. Deltas, because the shared {@code sqld} holds other tests' rows.
     */
    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void instancesAreCountedByStatusInOneStatement(StoreKind kind) {
        CountingSqlBackend backend = new CountingSqlBackend(
                SqlBackend.of(PicoBaseConfig.fromMap(kind.environment(dir)).metadata()));
        try (MetadataStore store = MetadataStore.open(backend, clock)) {
            Map<InstanceStatus, Long> before = store.countInstancesByStatus();
            assertThat(before).containsOnlyKeys(InstanceStatus.values());
            Set<InstanceStatus> stopped = EnumSet.of(InstanceStatus.STOPPED);
            Set<InstanceStatus> starting = EnumSet.of(InstanceStatus.STARTING);
            store.createInstance(unique("usr_"), "stays stopped", unique("app")).orElseThrow();
            Instance running = store.createInstance(unique("usr_"), "runs", unique("app")).orElseThrow();
            store.transition(running.id(), stopped, InstanceStatus.STARTING, null).orElseThrow();
            store.transition(running.id(), starting, InstanceStatus.RUNNING, null).orElseThrow();
            Instance failed = store.createInstance(unique("usr_"), "fails", unique("app")).orElseThrow();
            store.transition(failed.id(), stopped, InstanceStatus.STARTING, null).orElseThrow();
            store.transition(failed.id(), starting, InstanceStatus.FAILED, "exited with code 1").orElseThrow();
            Instance deleted = store.createInstance(unique("usr_"), "deleted", unique("app")).orElseThrow();
            assertThat(store.deleteInstance(deleted.id())).isTrue();

            int mark = backend.mark();
            Map<InstanceStatus, Long> after = store.countInstancesByStatus();
            assertThat(backend.since(mark)).singleElement()
                    .satisfies(e -> assertThat(e.sql()).contains("GROUP BY status"));

            assertThat(after).containsOnlyKeys(InstanceStatus.values());
            assertThat(after.get(InstanceStatus.STOPPED) - before.get(InstanceStatus.STOPPED)).isEqualTo(1);
            assertThat(after.get(InstanceStatus.RUNNING) - before.get(InstanceStatus.RUNNING)).isEqualTo(1);
            assertThat(after.get(InstanceStatus.FAILED) - before.get(InstanceStatus.FAILED)).isEqualTo(1);
            assertThat(after.get(InstanceStatus.STARTING)).isEqualTo(before.get(InstanceStatus.STARTING));
            assertThat(after.get(InstanceStatus.STOPPING)).isEqualTo(before.get(InstanceStatus.STOPPING));
            // The same numbers a listing of every instance gives, status by status.
            Map<InstanceStatus, Long> listed = new EnumMap<>(InstanceStatus.class);
            for (InstanceStatus status : InstanceStatus.values()) {
                listed.put(status, 0L);
            }
            store.listAllInstances().forEach(i -> listed.merge(i.status(), 1L, Long::sum));
            assertThat(after).isEqualTo(listed);
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void deletingAnInstanceDeletesItsKeysInTheSameStatement(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            Instance i = store.createInstance(unique("usr_"), "x", unique("app")).orElseThrow();
            String keyId = Tokens.randomId(12);
            ApiKey key = store.createApiKey(i.id(), keyId, "ci", "$2a$hash", "abcd");
            assertThat(store.findApiKey(keyId)).contains(key);
            assertThat(store.listApiKeys(i.id())).containsExactly(key);
            store.recordKeyUse(keyId, clock.instant());
            assertThat(store.findApiKey(keyId).orElseThrow().lastUsedAt()).contains(clock.instant());
            assertThat(store.deleteInstance(i.id())).isTrue();
            assertThat(store.deleteInstance(i.id())).isFalse();
            assertThat(store.findApiKey(keyId)).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aKeyIsDeletedOnlyThroughItsOwnInstance(StoreKind kind) {
        try (MetadataStore store = open(kind)) {
            Instance mine = store.createInstance(unique("usr_"), "x", unique("app")).orElseThrow();
            Instance theirs = store.createInstance(unique("usr_"), "y", unique("app")).orElseThrow();
            String keyId = Tokens.randomId(12);
            store.createApiKey(mine.id(), keyId, "ci", "$2a$hash", "abcd");
            assertThat(store.deleteApiKey(theirs.id(), keyId)).isFalse();
            assertThat(store.deleteApiKey(mine.id(), keyId)).isTrue();
            assertThat(store.listApiKeys(mine.id())).isEmpty();
        }
    }
}
