package dev.picobase.testsupport;

import dev.picobase.core.store.SqlBackend;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link SqlBackend} that records every statement sent to the database behind it: one entry per
 * {@code execute}, {@code executeQuery}, {@code executeUpdate} or {@code executeBatch} called on a
 * statement of its connections (what the metadata store's {@code Sql} calls, once per statement),
 * with the SQL text, the bound parameters and the calling thread. Opening a connection, binding and
 * reading rows are not statements. {@link #mark()} and {@link #since(int)} let a test read what ran
 * between two moments.
 *
 * <p>Threading: thread-safe; the record is in execution order (appended when the call returns or
 * fails, so two statements racing on two connections may appear in either order).
 */
public final class CountingSqlBackend implements SqlBackend {
    /** A statement as it was sent (its text shortened in {@link #toString}, for failure messages). */
    public record Executed(String sql, List<Object> params, String thread) {
        @Override
        public String toString() {
            String text = sql == null || sql.length() <= 140 ? sql : sql.substring(0, 140) + "...";
            return "[" + thread + "] " + text + (params.isEmpty() ? "" : " " + params);
        }
    }

    private final SqlBackend delegate;
    private final List<Executed> executed = new ArrayList<>();

    public CountingSqlBackend(SqlBackend delegate) {
        this.delegate = delegate;
    }

    /** How many statements ran so far: a position to pass to {@link #since(int)} later. */
    public synchronized int mark() {
        return executed.size();
    }

    /** The statements that ran after {@code mark}, oldest first. */
    public synchronized List<Executed> since(int mark) {
        return List.copyOf(executed.subList(mark, executed.size()));
    }

    /** The statements between two marks, oldest first. */
    public synchronized List<Executed> between(int from, int to) {
        return List.copyOf(executed.subList(from, to));
    }

    private synchronized void record(Executed e) {
        executed.add(e);
    }

    @Override
    public Connection open() throws SQLException {
        Connection real = delegate.open();
        return proxy(Connection.class, real, (self, method, args) -> {
            Object result = invoke(real, method, args);
            if (result instanceof PreparedStatement ps && method.getName().equals("prepareStatement")) {
                return statement(PreparedStatement.class, ps, (String) args[0]);
            }
            if (result instanceof Statement s && method.getName().equals("createStatement")) {
                return statement(Statement.class, s, null);
            }
            return result;
        });
    }

    private <S extends Statement> S statement(Class<S> type, S real, String preparedSql) {
        Map<Integer, Object> params = new TreeMap<>();
        return proxy(type, real, (self, method, args) -> {
            String name = method.getName();
            if (name.startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer i) {
                params.put(i, name.equals("setNull") ? null : args[1]);
            } else if (name.equals("clearParameters")) {
                params.clear();
            }
            if (!name.startsWith("execute")) {
                return invoke(real, method, args);
            }
            String sql = args != null && args.length > 0 && args[0] instanceof String s ? s : preparedSql;
            try {
                return invoke(real, method, args);
            } finally {
                record(new Executed(sql, new ArrayList<>(params.values()), Thread.currentThread().getName()));
            }
        });
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static <T> T proxy(Class<T> type, T real, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(CountingSqlBackend.class.getClassLoader(), new Class<?>[] {type},
                handler));
    }

    @Override
    public String describe() {
        return delegate.describe();
    }
}
