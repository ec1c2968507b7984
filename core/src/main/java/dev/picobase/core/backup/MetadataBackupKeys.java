package dev.picobase.core.backup;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The object keys of metadata backups: {@code metadata/picobase-<yyyyMMdd'T'HHmmss'Z'>.db.gz}, the
 * UTC second the backup was taken. Keys sort as their times do, and anything else under
 * {@code metadata/} (an operator's own file) is not a backup: never listed, restored or deleted.
 */
public final class MetadataBackupKeys {
    public static final String PREFIX = "metadata/";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern KEY = Pattern.compile("metadata/picobase-(\\d{8}T\\d{6}Z)\\.db\\.gz");

    private MetadataBackupKeys() {}

    /** The key of a backup taken at {@code at} (to the second). */
    public static String key(Instant at) {
        return PREFIX + "picobase-" + TIME.format(at) + ".db.gz";
    }

    /** When the backup under {@code key} was taken; empty when {@code key} is not a metadata backup's. */
    public static Optional<Instant> takenAt(String key) {
        Matcher m = KEY.matcher(key);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.from(TIME.parse(m.group(1))));
        } catch (DateTimeParseException e) {
            return Optional.empty(); // 20261399T...: shaped like a key, not a time
        }
    }

    /** The backups' keys among {@code keys}, oldest first. */
    public static List<String> backups(List<String> keys) {
        return keys.stream().filter(k -> takenAt(k).isPresent())
                .sorted(Comparator.comparing((String k) -> takenAt(k).orElseThrow())).toList();
    }

    /** The keys to delete so that only the {@code retention} newest backups among {@code keys} remain, oldest first. */
    public static List<String> beyondRetention(List<String> keys, int retention) {
        List<String> backups = backups(keys);
        return backups.subList(0, Math.max(0, backups.size() - retention));
    }
}
