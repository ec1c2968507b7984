package dev.picobase.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqliteFileBackend;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose lease lapsed on its own clock (a slow renewal) takes it again and keeps serving only
 * when the epoch shows that no other node held it in between: then what it runs is still the newest
 * data. If another node held it, even briefly and then gave it back, the take is not continuous and
 * the node must set its copy aside instead of serving it.
 */
class ALeaseTakenAgainContinuesOnlyIfNobodyHeldItTest {
    @TempDir
    Path dir;

    @Test
    void continuityIsJudgedByTheEpoch() {
        try (MetadataStore store = MetadataStore.open(new SqliteFileBackend(dir.resolve("m.db")), Clock.systemUTC())) {
            String owner = store.createUser("Owner", "owner@example.com", "not-a-hash").orElseThrow().id();
            String id = store.createInstance(owner, "App", "app").orElseThrow().id();
            NodeLeases a = NodeLeases.cluster(store, "node-a", Duration.ofSeconds(10));
            NodeLeases b = NodeLeases.cluster(store, "node-b", Duration.ofSeconds(10));

            assertThat(a.take(id).continuous()).as("a first lease continues nothing").isFalse();
            assertThat(a.valid(id)).isTrue();
            assertThatThrownBy(() -> b.take(id)).isInstanceOf(InstanceElsewhereException.class)
                    .hasMessageContaining("node-a");

            a.release(id);
            assertThat(a.valid(id)).isFalse();
            assertThat(a.take(id).continuous()).as("taken again, nobody in between").isTrue();

            a.release(id);
            b.take(id);
            b.release(id);
            NodeLeases.Taken again = a.take(id);
            assertThat(again.continuous()).as("node-b held it in between").isFalse();
            assertThat(again.epoch()).isEqualTo(4);
        }
    }
}
