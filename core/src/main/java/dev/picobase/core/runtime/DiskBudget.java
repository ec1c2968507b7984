package dev.picobase.core.runtime;

import dev.picobase.core.io.FileTrees;
import dev.picobase.core.model.Instance;
import dev.picobase.core.snapshot.Snapshots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local copies are a cache of object storage within {@code PICOBASE_DISK_BUDGET}: past it, the copies
 * of stopped, saved instances are deleted least recently used first, and their next start restores
 * them. A copy that is running, being started or stopped (its lock is taken), or not saved (its data
 * would exist nowhere else) is never deleted. A copy is renamed away before it is deleted, so a start
 * never finds half of one.
 *
 * <p>Threading: thread-safe; {@link #evictBeyondBudget} and {@link #recordOnDisk} block (file work)
 * and run on blocking executors.
 */
final class DiskBudget {
    private static final Logger LOG = LoggerFactory.getLogger(DiskBudget.class);

    private final long budgetBytes;
    private final LocalCopies copies;
    private final InstanceLocks locks;
    private final InstanceDirectories directories;
    private final Snapshots snapshots;
    private final Predicate<String> running;
    private final Object evicting = new Object();

    DiskBudget(long budgetBytes, InstanceLocks locks, InstanceDirectories directories, Snapshots snapshots,
               Predicate<String> running) {
        this.budgetBytes = budgetBytes;
        this.copies = new LocalCopies(budgetBytes);
        this.locks = locks;
        this.directories = directories;
        this.snapshots = snapshots;
        this.running = running;
    }

    /** At start-up: the local copies on disk, in the order their instances last saved (oldest first). */
    void recordOnDisk(List<Instance> instances) {
        record OnDisk(String id, long bytes, long savedAt) {}
        List<OnDisk> found = new ArrayList<>();
        for (Instance i : instances) {
            Path pbData = directories.pbData(i.id());
            if (!Files.isDirectory(pbData)) {
                continue;
            }
            try {
                Path marker = pbData.getParent().resolve(Snapshots.MARKER);
                Path dated = Files.exists(marker) ? marker : pbData;
                found.add(new OnDisk(i.id(), FileTrees.size(pbData), Files.getLastModifiedTime(dated).toMillis()));
            } catch (IOException e) {
                LOG.warn("instance {}: cannot size its local copy: {}", i.id(), e.getMessage());
            }
        }
        found.sort(Comparator.comparingLong(OnDisk::savedAt));
        found.forEach(c -> copies.used(c.id(), c.bytes()));
    }

    /** The instance's copy was saved or restored: measured now, and the most recently used. */
    void measured(String instanceId) {
        try {
            copies.used(instanceId, FileTrees.size(directories.pbData(instanceId)));
        } catch (IOException e) {
            LOG.warn("instance {}: cannot size its local copy: {}", instanceId, e.getMessage());
        }
    }

    /** The instance is starting: its copy is the most recently used (measured at its next save: no file walk here). */
    void touched(String instanceId) {
        copies.touched(instanceId);
    }

    /**
     * Deletes the instance's local copy (and the markers that describe it): renamed away first, so a
     * start never finds half of one, and a crash leaves it where the next start removes it. For an
     * eviction, and for a copy another node's run made stale (cluster mode).
     */
    void delete(String instanceId) throws IOException {
        Path pbData = directories.pbData(instanceId);
        Path gone = pbData.resolveSibling(Snapshots.EVICTED);
        FileTrees.delete(gone);
        if (Files.isDirectory(pbData)) {
            Files.move(pbData, gone, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.deleteIfExists(pbData.resolveSibling(Snapshots.MARKER));
        Files.deleteIfExists(pbData.resolveSibling(Snapshots.BASE));
        copies.removed(instanceId);
        FileTrees.delete(gone);
    }

    /** The instance's copy is gone (the instance was deleted). */
    void removed(String instanceId) {
        copies.removed(instanceId);
    }

    /** Bytes held by local copies, each as of its last save (or the platform's start). */
    long totalBytes() {
        return copies.totalBytes();
    }

    /** Past the budget, deletes the copies it may, least recently used first. */
    void evictBeyondBudget() {
        synchronized (evicting) {
            for (String id : copies.evictionOrder()) {
                if (copies.withinBudget()) {
                    return;
                }
                // A start or stop under way holds the lock: skip that copy, do not wait for it.
                locks.tryRunLocked(id, () -> evict(id));
            }
        }
    }

    private void evict(String id) {
        try {
            Path pbData = directories.pbData(id);
            if (running.test(id)) {
                return; // (a stop in progress holds the lock: only its own thread gets here, after its save)
            }
            if (Files.isDirectory(pbData) && snapshots.isDirty(id, pbData)) {
                return;
            }
            delete(id);
            LOG.info("instance {}: local copy deleted to stay within the disk budget of {} bytes; its next "
                    + "start restores it from object storage", id, budgetBytes);
        } catch (IOException | RuntimeException e) {
            LOG.warn("instance {}: could not evict its local copy: {}", id, e.getMessage());
        }
    }
}
