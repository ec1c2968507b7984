package dev.picobase.core.runtime;

import dev.picobase.core.io.FileTrees;
import dev.picobase.core.model.Instance;
import dev.picobase.core.snapshot.Snapshots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a crash leaves on the local disk, put right at start before anything uses an instance: beside
 * each {@code pb_data}, a restore's staging, the data it was replacing, a copy being evicted, a
 * wake-up's restore that may not have reached the disk ({@link Snapshots#recoverLeftovers}); and the
 * directories of instances whose delete the platform did not finish (marked {@link #DELETING}).
 *
 * <p>Threading: blocking (file work); called once, at start.
 */
final class CrashRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(CrashRecovery.class);
    /** In an instance's directory: its delete has begun; the directory goes even if the platform dies first. */
    static final String DELETING = "deleting";

    private CrashRecovery() {}

    static void putRightTheDisk(InstanceDirectories directories, List<Instance> instances) {
        for (Instance i : instances) {
            Snapshots.recoverLeftovers(directories.instanceDir(i.id()));
        }
        deleteOrphanDirectories(directories, instances);
    }

    /**
     * Only directories marked {@link #DELETING} and without a row are removed: a directory without a
     * row is otherwise kept (the platform may have been pointed at the wrong metadata database, and that
     * data may be the only copy).
     */
    private static void deleteOrphanDirectories(InstanceDirectories directories, List<Instance> instances) {
        Set<String> known = new HashSet<>();
        instances.forEach(i -> known.add(i.id()));
        Path root = directories.root();
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(d -> Files.exists(d.resolve(DELETING))).toList()) {
                if (!known.contains(dir.getFileName().toString())) {
                    LOG.info("deleting {}: its instance was deleted (the platform stopped before it was removed)", dir);
                    FileTrees.delete(dir);
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot look for deleted instances' directories in {}: {}", root, e.getMessage());
        }
    }
}
