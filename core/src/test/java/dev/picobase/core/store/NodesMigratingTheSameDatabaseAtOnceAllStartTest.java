package dev.picobase.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.testsupport.SqldServer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: three cluster nodes started at the same moment on a fresh sqld database (as a
 * cluster's first start, or a rolling deploy that brings a migration, does). Two of them read that a
 * column a migration adds was missing, both ran {@code ALTER TABLE ... ADD COLUMN}, and the second
 * node exited at start with "duplicate column name: idle_timeout_seconds" — although
 * {@link Migrations} promises that running concurrently from two processes changes nothing. Now a
 * column that another process added between the check and the {@code ALTER} counts as added.
 *
 * <p>The race is made certain, not hoped for: this node's connection lets "another node" run every
 * migration right after this node's first check found a column missing.
 */
class NodesMigratingTheSameDatabaseAtOnceAllStartTest {
    @TempDir
    Path dir;

    @Test
    void aColumnAnotherNodeAddedAfterThisNodesCheckIsNotAnError() throws Exception {
        try (SqldServer sqld = SqldServer.start(dir)) {
            LibsqlBackend database = new LibsqlBackend(sqld.url(), null);
            AtomicBoolean raced = new AtomicBoolean();
            SqlBackend thisNode = afterEachColumnCheck(database, () -> {
                if (raced.compareAndSet(false, true)) {
                    try (Sql otherNode = new Sql(database, 1)) {
                        Migrations.apply(otherNode, Migrations.ALL);
                    }
                }
            });

            try (MetadataStore store = MetadataStore.open(thisNode, Clock.systemUTC())) {
                assertThat(raced).as("the other node migrated between a check and its ALTER").isTrue();
                assertThat(store.schemaVersion()).isEqualTo(Migrations.ALL.get(Migrations.ALL.size() - 1).version());
                assertThat(store.createInstance("usr_1", "App", "app").orElseThrow().idleTimeout()).isEmpty();
            }
        }
    }

    /** {@code real}, except that {@code meanwhile} runs each time a column check has just been answered. */
    private static SqlBackend afterEachColumnCheck(SqlBackend real, Runnable meanwhile) {
        return new SqlBackend() {
            @Override
            public Connection open() throws SQLException {
                return proxy(Connection.class, real.open(), (method, args, result) ->
                        method.getName().equals("prepareStatement") && args[0] instanceof String sql
                                && sql.contains("pragma_table_info")
                                ? proxy(PreparedStatement.class, (PreparedStatement) result, (m, a, r) -> {
                                    if (m.getName().equals("executeQuery")) {
                                        meanwhile.run();
                                    }
                                    return r;
                                })
                                : result);
            }

            @Override
            public String describe() {
                return real.describe();
            }
        };
    }

    /** What a proxy returns for a call, given what the real object returned. */
    private interface After {
        Object apply(Method method, Object[] args, Object result) throws Exception;
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, T target, After after) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, method, args) -> {
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            return after.apply(method, args, result);
        });
    }
}
