package dev.picobase.core.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs single statements on a small pool of connections. Every write PicoBase makes is one atomic
 * statement (conditional {@code UPDATE}, {@code INSERT ... ON CONFLICT DO NOTHING RETURNING}), because
 * the libSQL driver has no transactions; {@code RETURNING} tells the caller whether the write took
 * effect on both back ends alike.
 *
 * <p>Threading: blocking. Call only from a blocking executor. A connection is used by one thread at
 * a time; a connection that failed is closed and replaced on next use.
 */
final class Sql implements AutoCloseable {
    interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private final SqlBackend backend;
    private final BlockingQueue<Connection> idle;
    private final java.util.concurrent.Semaphore permits;

    Sql(SqlBackend backend, int maxConnections) {
        this.backend = backend;
        this.idle = new ArrayBlockingQueue<>(maxConnections);
        this.permits = new java.util.concurrent.Semaphore(maxConnections, true);
    }

    <T> List<T> query(String sql, Row<T> row, Object... params) {
        return withStatement(sql, params, ps -> {
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row.map(rs));
                }
            }
            return out;
        });
    }

    <T> Optional<T> queryOne(String sql, Row<T> row, Object... params) {
        List<T> rows = query(sql, row, params);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    /** Runs a statement that returns no rows (DDL, or a write whose effect the caller does not need). */
    void execute(String sql, Object... params) {
        withStatement(sql, params, ps -> {
            ps.execute();
            return null;
        });
    }

    private interface Work<T> {
        T run(PreparedStatement ps) throws SQLException;
    }

    private <T> T withStatement(String sql, Object[] params, Work<T> work) {
        Connection c = borrow();
        boolean healthy = false;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                bind(ps, i + 1, params[i]);
            }
            T result = work.run(ps);
            healthy = true;
            return result;
        } catch (SQLException e) {
            // A constraint failure or bad SQL leaves the connection usable; anything else may not.
            healthy = e.getMessage() != null && e.getMessage().contains("constraint");
            throw new StoreException("metadata store (" + backend.describe() + "): " + e.getMessage(), e);
        } finally {
            giveBack(c, healthy);
        }
    }

    private static void bind(PreparedStatement ps, int index, Object value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else if (value instanceof String s) {
            ps.setString(index, s);
        } else if (value instanceof Long l) {
            ps.setLong(index, l);
        } else if (value instanceof Integer i) {
            ps.setLong(index, i);
        } else if (value instanceof Instant t) {
            ps.setLong(index, t.toEpochMilli());
        } else {
            throw new IllegalArgumentException("unsupported parameter type " + value.getClass());
        }
    }

    private Connection borrow() {
        try {
            if (!permits.tryAcquire(30, TimeUnit.SECONDS)) {
                throw new StoreException("metadata store: no connection free within 30s", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("metadata store: interrupted while waiting for a connection", e);
        }
        Connection c = idle.poll();
        if (c != null) {
            return c;
        }
        try {
            return backend.open();
        } catch (SQLException | RuntimeException e) {
            permits.release();
            throw new StoreException("cannot open " + backend.describe() + ": " + e.getMessage(), e);
        }
    }

    private void giveBack(Connection c, boolean healthy) {
        try {
            if (!healthy || !idle.offer(c)) {
                closeQuietly(c);
            }
        } finally {
            permits.release();
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // Already broken; nothing more to release.
        }
    }

    @Override
    public void close() {
        Connection c;
        while ((c = idle.poll()) != null) {
            closeQuietly(c);
        }
    }

    /** Nullable text; the libSQL driver reads some NULLs as empty strings, so both mean absent. */
    static Optional<String> text(ResultSet rs, String column) throws SQLException {
        String value = rs.getString(column);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    static Optional<Instant> instant(ResultSet rs, String column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(millis));
    }
}
