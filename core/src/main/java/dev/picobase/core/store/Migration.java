package dev.picobase.core.store;

import java.util.List;

/**
 * One versioned schema change. Every step is idempotent on its own ({@code IF NOT EXISTS}, or a
 * column added only when missing) because the libSQL driver cannot wrap a migration in a
 * transaction: a migration interrupted half-way is simply run again.
 */
public record Migration(int version, String name, List<Step> steps) {

    public sealed interface Step permits Statement, AddColumn {}

    /** A statement that is safe to run twice. */
    public record Statement(String sql) implements Step {}

    /** {@code ALTER TABLE ... ADD COLUMN}, skipped when the column already exists. */
    public record AddColumn(String table, String column, String definition) implements Step {}

    public static Step sql(String sql) {
        return new Statement(sql);
    }

    public static Step addColumn(String table, String column, String definition) {
        return new AddColumn(table, column, definition);
    }
}
