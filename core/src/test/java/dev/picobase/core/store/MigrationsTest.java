package dev.picobase.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.model.Instance;
import dev.picobase.core.model.InstanceStatus;
import dev.picobase.testsupport.SqldServer;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each test gets an empty database: its own SQLite file, or its own sqld. */
class MigrationsTest {
    @TempDir
    Path dir;

    private interface WithBackend {
        void run(SqlBackend backend) throws Exception;
    }

    private void withEmptyDatabase(StoreKind kind, WithBackend test) throws Exception {
        if (kind == StoreKind.SQLITE) {
            test.run(new SqliteFileBackend(dir.resolve("meta.db")));
        } else {
            try (SqldServer sqld = SqldServer.start(dir)) {
                test.run(new LibsqlBackend(sqld.url(), null));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void runningMigrationsTwiceChangesNothing(StoreKind kind) throws Exception {
        withEmptyDatabase(kind, backend -> {
            try (MetadataStore store = MetadataStore.open(backend, Clock.systemUTC())) {
                int latest = Migrations.ALL.get(Migrations.ALL.size() - 1).version();
                assertThat(store.schemaVersion()).isEqualTo(latest);
                Instance i = store.createInstance("usr_1", "x", "first").orElseThrow();
                assertThat(store.migrate()).isZero();
                assertThat(store.schemaVersion()).isEqualTo(latest);
                assertThat(store.listAllInstances()).containsExactly(i);
            }
            // And a second process opening the same database applies nothing either.
            try (MetadataStore again = MetadataStore.open(backend, Clock.systemUTC())) {
                assertThat(again.migrate()).isZero();
                assertThat(again.listAllInstances()).hasSize(1);
            }
        });
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void aDatabaseCreatedByTheFirstMigrationUpgradesWithItsData(StoreKind kind) throws Exception {
        withEmptyDatabase(kind, backend -> {
            Sql sql = new Sql(backend, 1);
            assertThat(Migrations.apply(sql, List.of(Migrations.ALL.get(0)))).isEqualTo(1);
            // Rows written by the version-1 schema, without the later columns.
            sql.execute("INSERT INTO users (id, name, email, password_hash, created_at) "
                    + "VALUES ('usr_old', 'Old', 'old@example.com', 'h', 1)");
            sql.execute("INSERT INTO instances (id, owner_id, name, subdomain, status, created_at, updated_at) "
                    + "VALUES ('ins_old', 'usr_old', 'Old app', 'oldapp', 'stopped', 1, 1)");
            sql.close();

            try (MetadataStore store = MetadataStore.open(backend, Clock.systemUTC())) {
                assertThat(store.schemaVersion()).isEqualTo(Migrations.ALL.get(Migrations.ALL.size() - 1).version());
                Instance old = store.findInstance("ins_old").orElseThrow();
                assertThat(old.subdomain()).isEqualTo("oldapp");
                assertThat(old.statusReason()).isEmpty();
                assertThat(old.lastActivityAt()).isEmpty();
                assertThat(store.transition("ins_old", EnumSet.of(InstanceStatus.STOPPED), InstanceStatus.FAILED,
                        "uses a version-2 column")).isPresent();
                assertThat(store.findCredentials("old@example.com")).isPresent();
            }
        });
    }
}
