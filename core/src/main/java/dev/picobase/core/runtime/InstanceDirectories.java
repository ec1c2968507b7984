package dev.picobase.core.runtime;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Where an instance lives on the local disk: {@code <dataDir>/instances/<instanceId>/}, holding
 * {@code pb_data/} (PocketBase's data directory, what a snapshot saves and restores) and
 * {@code logs/pocketbase.log} (its output, not part of snapshots). Instance ids become path
 * segments, so anything but letters, digits, {@code -} and {@code _} is refused.
 *
 * <p>Threading: immutable; any thread.
 */
public final class InstanceDirectories {
    /** The name of PocketBase's data directory inside an instance directory. */
    public static final String PB_DATA = "pb_data";
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    private final Path root;

    public InstanceDirectories(Path dataDir) {
        this.root = dataDir.toAbsolutePath().normalize().resolve("instances");
    }

    /** The directory holding every instance's directory. */
    public Path root() {
        return root;
    }

    public Path instanceDir(String instanceId) {
        if (instanceId == null || !SAFE_ID.matcher(instanceId).matches()) {
            throw new IllegalArgumentException("not a valid instance id: '" + instanceId + "'");
        }
        return root.resolve(instanceId);
    }

    public Path pbData(String instanceId) {
        return instanceDir(instanceId).resolve(PB_DATA);
    }

    public Path logFile(String instanceId) {
        return instanceDir(instanceId).resolve("logs").resolve("pocketbase.log");
    }
}
