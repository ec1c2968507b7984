package dev.picobase.core.snapshot;

import dev.picobase.core.io.Durable;
import dev.picobase.core.io.FileTrees;
import dev.picobase.core.model.Snapshot;
import dev.picobase.core.model.SnapshotReason;
import dev.picobase.core.secret.Tokens;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.core.storage.ObjectStoreException;
import dev.picobase.core.store.MetadataStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves an instance's {@code pb_data} to object storage and brings it back, without ever losing
 * the last good copy.
 *
 * <p>Save: the directory is archived (with its SHA-256) to a temporary file, uploaded under a new,
 * never-reused key, and the upload verified (its stored size read back). Only then is the snapshot
 * recorded and the instance's pointer moved to it, in one statement. A failure at any step leaves
 * the pointer on the previous snapshot and the local directory untouched. Old snapshots beyond the
 * retention count are deleted afterwards (pointer first, objects last).
 *
 * <p>Restore: the archive is downloaded, its SHA-256 checked against the record (a mismatch is
 * refused with {@link SnapshotCorruptException}), extracted beside {@code pb_data}, and swapped in
 * by rename; the old directory is deleted only after the swap.
 *
 * <p>Power loss: the marker beside {@code pb_data} ({@link #MARKER}) says "the local copy is snapshot
 * X", and a clean copy is trusted (started, or left unsaved) on its word, so it must never outlive
 * a cut that the data did not. Everything it vouches for is forced to disk first (extracted files and
 * directories, the renames, a saved copy's files), the marker is written atomically and forced, and
 * a restore removes it, forced, before its first rename. The archive written for an upload is not
 * forced: the upload reads it back in the same boot.
 *
 * <p>Threading: blocking (file and network I/O); call from a blocking executor, and never for the
 * same instance from two threads at once (the lifecycle serialises per instance).
 */
public final class Snapshots {
    private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);
    private static final DateTimeFormatter KEY_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    /** Beside {@code pb_data}: the id of the snapshot the local copy was last saved as or restored from. */
    public static final String MARKER = "snapshot-id";
    /**
     * Beside {@code pb_data}: the snapshot the local copy descends from (the one it was restored from
     * or last saved as). Unlike {@link #MARKER} it stays while PocketBase runs: in cluster mode a node
     * that takes an instance's lease again compares it with the current snapshot, and a copy that
     * descends from an older one is stale (another node ran the instance since).
     */
    public static final String BASE = "snapshot-base";
    /** Beside {@code pb_data}: a restore's staging, the data it replaces, a copy being evicted. */
    private static final String STAGING = "pb_data.restoring";
    private static final String OLD = "pb_data.old";
    public static final String EVICTED = "pb_data.evicted";
    /**
     * Beside {@code pb_data}: a wake-up's restore put it there without waiting for the disk, and it
     * is not forced yet ({@link #settle}). Holds the boot id: found after a reboot, the copy may be
     * torn by a power cut and is discarded at start; found in the same boot, it is forced then.
     */
    static final String UNSETTLED = "pb_data.unsettled";
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    private final MetadataStore store;
    private final ObjectStore objects;
    private final int retention;
    private final Clock clock;
    private final SnapshotEvents events;
    private volatile PointerMove pointerMove;
    private volatile String nodeId;
    /** Snapshots a restore is using: retention never prunes them. */
    private final java.util.Set<String> pinned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Moves an instance's pointer to a snapshot just stored; false when this node may no longer (in
     * cluster mode: it does not hold the instance's lease at the epoch it took it at).
     */
    @FunctionalInterface
    public interface PointerMove {
        boolean move(String instanceId, String snapshotId);
    }

    /** Keeps a snapshot from being pruned until closed. */
    public interface Pin extends AutoCloseable {
        @Override
        void close();
    }
    /** Told each step of a save or a restore as it completes: tests copy the disk there to play a crash. */
    private Consumer<String> step = name -> {};

    public Snapshots(MetadataStore store, ObjectStore objects, int retention, Clock clock) {
        this(store, objects, retention, clock, SnapshotEvents.NONE);
    }

    public Snapshots(MetadataStore store, ObjectStore objects, int retention, Clock clock, SnapshotEvents events) {
        this.events = events;
        this.store = store;
        this.objects = objects;
        this.retention = retention;
        this.clock = clock;
        this.pointerMove = (instanceId, snapshotId) -> {
            store.pointToSnapshot(instanceId, snapshotId);
            return true;
        };
    }

    /**
     * Cluster mode: pointer moves go through {@code move} (fenced by the lease's epoch), and snapshots
     * record the node that saved them. Set once at wiring time, before any save.
     */
    public void inCluster(String nodeId, PointerMove move) {
        this.nodeId = nodeId;
        this.pointerMove = move;
    }

    /** Saves the stopped instance's {@code pbData} as a new current snapshot taken at a stop. */
    public Snapshot save(String instanceId, Path pbData) {
        return save(instanceId, pbData, SnapshotReason.STOP);
    }

    /**
     * Saves the stopped instance's {@code pbData} as a new current snapshot, taken for {@code why}; the
     * local copy then matches it.
     */
    public Snapshot save(String instanceId, Path pbData, SnapshotReason why) {
        Snapshot snapshot = upload(instanceId, pbData, clock.instant(), true, why);
        step.accept("uploaded");
        // PocketBase does not force its uploaded files; the marker vouches for all of pb_data.
        settle(pbData);
        mark(instanceId, pbData, snapshot);
        return snapshot;
    }

    /**
     * Records that the local copy is {@code snapshot}, once that copy is on disk: the marker is
     * written atomically and forced, so after a power cut it names a snapshot only if it was
     * complete before the cut.
     */
    private void mark(String instanceId, Path pbData, Snapshot snapshot) {
        try {
            Durable.writeAtomically(pbData.getParent().resolve(BASE), snapshot.id());
            Durable.writeAtomically(pbData.getParent().resolve(MARKER), snapshot.id());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the snapshot marker of " + instanceId, e);
        }
        step.accept("marked");
    }

    /**
     * Snapshots a running instance without stopping it: each SQLite database is copied through
     * SQLite's online backup (a consistent copy while PocketBase keeps writing), other files as they
     * are. Skipped, returning empty, when nothing in {@code pb_data} changed since the current
     * snapshot. The local copy stays dirty: PocketBase may write again the next moment.
     */
    public Optional<Snapshot> saveRunning(String instanceId, Path pbData) {
        Optional<Snapshot> current = latest(instanceId);
        if (current.isPresent() && !changedSince(pbData, current.get().createdAt())) {
            return Optional.empty();
        }
        return Optional.of(copyRunning(instanceId, pbData, SnapshotReason.PERIODIC));
    }

    /**
     * A manual backup of a running instance ("back up now"): as {@link #saveRunning}, but always taken,
     * even when nothing changed since the current snapshot: the owner who asked for a backup expects a
     * new one in the list. Made current, like a periodic snapshot (it is the newest point-in-time copy).
     */
    public Snapshot backUpRunning(String instanceId, Path pbData) {
        return copyRunning(instanceId, pbData, SnapshotReason.MANUAL);
    }

    /**
     * A manual backup of an instance whose data is its current snapshot (stopped and saved, or never
     * copied to this node): the current snapshot's archive is downloaded, checked against its SHA-256
     * and stored again as a new snapshot, current, with reason {@code manual}. {@code instanceDir}
     * holds the temporary copy.
     *
     * @throws java.util.NoSuchElementException when the instance has no snapshot (it never ran)
     */
    public Snapshot backUpCurrent(String instanceId, Path instanceDir) {
        Snapshot current = latest(instanceId).orElseThrow(() -> new java.util.NoSuchElementException(
                "the instance has no data to back up yet: start it once"));
        return copy(current, instanceId, instanceDir, SnapshotReason.MANUAL);
    }

    /**
     * Stores {@code current}'s archive again, checked against its SHA-256, as a new current snapshot of
     * {@code instanceId} (the same instance for a manual backup, a new one for a clone), taken for
     * {@code why}; {@code workDir} holds the temporary copy.
     */
    public Snapshot copy(Snapshot current, String instanceId, Path workDir, SnapshotReason why) {
        Path instanceDir = workDir;
        Path archive = null;
        try {
            Files.createDirectories(instanceDir);
            archive = Files.createTempFile(instanceDir, ".backup-", ".zip");
            objects.get(current.objectKey(), archive);
            String sha = SnapshotArchive.sha256Of(archive);
            if (!sha.equals(current.sha256())) {
                throw new SnapshotCorruptException("snapshot " + current.id() + " is corrupted: its SHA-256 is " + sha
                        + " but " + current.sha256() + " was recorded when it was taken");
            }
            return store(instanceId, archive, sha, clock.instant(), true, why, System.nanoTime());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy snapshot " + current.id() + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(archive);
        }
    }

    /** An online copy of the running instance's {@code pbData}, uploaded as a current snapshot. */
    private Snapshot copyRunning(String instanceId, Path pbData, SnapshotReason why) {
        Path copy = pbData.getParent().resolve("pb_data.backup");
        try {
            FileTrees.delete(copy);
            Instant asOf = clock.instant(); // writes after this moment may be missing from the copy
            OnlineBackup.copy(pbData, copy);
            return upload(instanceId, copy, asOf, true, why);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + pbData + ": " + e.getMessage(), e);
        } finally {
            try {
                FileTrees.delete(copy);
            } catch (IOException ignored) {
                // removed with the next attempt
            }
        }
    }

    private static boolean changedSince(Path pbData, Instant since) {
        boolean[] changed = {false};
        try {
            // Not Files.walk: PocketBase deletes files as we look, and the stream throws for them.
            Files.walkFileTree(pbData, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (attributes.isRegularFile() && !attributes.lastModifiedTime().toInstant().isBefore(since)) {
                        changed[0] = true;
                        return FileVisitResult.TERMINATE;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        changed[0] = true; // a file deleted is a change
                        return FileVisitResult.TERMINATE;
                    }
                    throw e;
                }
            });
            return changed[0];
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * Saves {@code pbData} as a snapshot that is listed but never made current, with {@code note}
     * saying why: the unsaved writes of a copy this node may no longer make current (it lost the
     * instance's lease, or another node ran the instance since this copy's base). The owner can
     * restore it deliberately. The local copy is not marked: the caller discards it.
     */
    public Snapshot saveAside(String instanceId, Path pbData, String note) {
        Snapshot aside = upload(instanceId, pbData, clock.instant(), false, SnapshotReason.SET_ASIDE);
        store.noteSnapshot(aside.id(), note);
        LOG.warn("instance {}: {} saved as backup {} (not current): {}", instanceId, pbData, aside.id(), note);
        return aside.withNote(note);
    }

    /**
     * Archives, uploads and verifies {@code pbData}, then (with {@code makeCurrent}) makes it current;
     * {@code asOf} dates its content; {@code why} is recorded with it.
     */
    private Snapshot upload(String instanceId, Path pbData, Instant asOf, boolean makeCurrent, SnapshotReason why) {
        Path instanceDir = pbData.getParent();
        Path archive = null;
        long began = System.nanoTime();
        try {
            archive = Files.createTempFile(instanceDir, ".snapshot-", ".zip");
            String sha = SnapshotArchive.write(pbData, archive);
            return store(instanceId, archive, sha, asOf, makeCurrent, why, began);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot archive " + pbData + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(archive);
        }
    }

    /**
     * Uploads {@code archive} (whose SHA-256 is {@code sha}) under a new key, verifies the upload,
     * records it and (with {@code makeCurrent}) makes it current, then prunes beyond retention.
     */
    private Snapshot store(String instanceId, Path archive, String sha, Instant asOf, boolean makeCurrent,
                           SnapshotReason why, long began) throws IOException {
        long size = Files.size(archive);
        Instant now = asOf;
        String id = "snp_" + Tokens.randomId(16);
        String key = "instances/" + instanceId + "/snapshots/" + KEY_TIME.format(now) + "-" + id + ".zip";
        try {
            objects.put(key, archive);
            long stored = objects.size(key);
            if (stored != size) {
                throw new ObjectStoreException("upload of " + key + " could not be verified: stored " + stored
                        + " bytes of " + size, null);
            }
        } catch (RuntimeException e) {
            events.uploadFailed();
            throw e;
        }
        Snapshot snapshot = new Snapshot(id, instanceId, key, sha, size, now).withReason(why);
        String node = nodeId;
        if (node != null) {
            snapshot = snapshot.withProvenance(node, null);
        }
        store.insertSnapshot(snapshot);
        if (makeCurrent && pointerMove.move(instanceId, id)) {
            prune(instanceId, id);
        } else if (makeCurrent) {
            // Fenced: a node that lost the lease keeps the data, as a backup, and prunes nothing.
            store.noteSnapshot(id, "saved by node " + node + " after it lost the instance's lease; "
                    + "restore it to bring these writes back");
            throw new LeaseLostException("instance " + instanceId + ": saved as backup " + id
                    + ", not current: this node no longer holds the instance's lease");
        }
        events.saved(instanceId, size, System.nanoTime() - began);
        return snapshot;
    }

    /**
     * Replaces {@code pbData} with {@code snapshot}'s content, after checking its SHA-256; on return
     * the copy is on disk and marked as {@code snapshot}.
     */
    public void restore(Snapshot snapshot, Path pbData) {
        restore(snapshot, pbData, true);
    }

    /**
     * A wake-up's restore: as {@link #restore(Snapshot, Path)}, but nothing is forced to disk and no
     * marker written (the start marks the copy dirty at once), so PocketBase starts without waiting
     * for the disk. A durable note beside {@code pb_data} says the copy is not on disk yet; the caller
     * calls {@link #settle} once PocketBase serves. A power cut before that discards the copy at the
     * next start (it may be torn), and the next wake-up restores the snapshot again.
     */
    public void restoreToStart(Snapshot snapshot, Path pbData) {
        restore(snapshot, pbData, false);
    }

    /**
     * Forces {@code pbData} to disk (files that vanish meanwhile are skipped: PocketBase may be
     * running) and then drops the note of a {@link #restoreToStart} that it was not.
     */
    public static void settle(Path pbData) {
        try {
            Durable.forceTree(pbData);
            Durable.forceDirectory(pbData.getParent());
            Durable.delete(pbData.resolveSibling(UNSETTLED));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot force " + pbData + " to disk: " + e.getMessage(), e);
        }
    }

    private void restore(Snapshot snapshot, Path pbData, boolean durable) {
        Path instanceDir = pbData.getParent();
        Path archive = null;
        Path staging = instanceDir.resolve(STAGING);
        Path old = instanceDir.resolve(OLD);
        boolean swapped = false;
        try {
            Durable.createDirectories(instanceDir);
            archive = Files.createTempFile(instanceDir, ".restore-", ".zip");
            long began = System.nanoTime();
            try {
                objects.get(snapshot.objectKey(), archive);
            } catch (RuntimeException e) {
                events.downloadFailed();
                throw e;
            }
            // Checked while extracting into staging, which only becomes pb_data if the hash matches.
            CompletableFuture<String> sha = SnapshotArchive.sha256Async(archive);
            FileTrees.delete(staging);
            IOException extractFailure = null;
            try {
                SnapshotArchive.extract(archive, staging, durable);
            } catch (IOException e) {
                extractFailure = e; // a corrupt archive may not even open as a zip: the hash says which
            }
            String actual;
            try {
                actual = sha.join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof UncheckedIOException u) {
                    throw u.getCause();
                }
                throw e;
            }
            if (!actual.equals(snapshot.sha256())) {
                events.downloadFailed();
                FileTrees.delete(staging);
                throw new SnapshotCorruptException("snapshot " + snapshot.id() + " is corrupted: its SHA-256 is "
                        + actual + " but " + snapshot.sha256() + " was recorded when it was taken; restore an "
                        + "earlier snapshot");
            }
            if (extractFailure != null) {
                throw extractFailure;
            }
            step.accept("extracted"); // staging and all below it are on disk (extract forced them)
            if (!durable) {
                // Before the rename that makes staging pb_data: whenever that rename survives a power
                // cut, this note does too, and the start-up that follows knows the copy may be torn.
                Durable.writeAtomically(instanceDir.resolve(UNSETTLED), bootId());
            }
            // The marker names what pb_data is; from the first rename on, that is no longer sure.
            Durable.delete(instanceDir.resolve(MARKER));
            step.accept("unmarked");
            FileTrees.delete(old);
            if (Files.exists(pbData)) {
                Files.move(pbData, old, StandardCopyOption.ATOMIC_MOVE);
            }
            step.accept("moved-aside");
            Files.move(staging, pbData, StandardCopyOption.ATOMIC_MOVE);
            swapped = true;
            if (durable) {
                Durable.forceDirectory(instanceDir); // both renames, before the marker vouches for them
                step.accept("swapped");
                mark(snapshot.instanceId(), pbData, snapshot);
            } else {
                // Not forced: until settled, the unsettled note makes a start after a reboot discard all this.
                Files.writeString(instanceDir.resolve(BASE), snapshot.id());
            }
            FileTrees.delete(old);
            step.accept("restored");
            events.restored(snapshot.sizeBytes(), System.nanoTime() - began);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore snapshot " + snapshot.id() + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(archive);
            if (!swapped) {
                // A failed restore (disk full, a bad entry) left staging behind, out of the disk budget's sight.
                deleteTreeQuietly(staging);
            }
        }
    }

    /**
     * Puts right what a crash in the middle of a restore or an eviction left in {@code instanceDir}:
     * a staging directory is deleted; {@code pb_data.old} is the data a restore was replacing, so it
     * becomes {@code pb_data} again when that is missing (the crash fell between the two renames) and
     * is deleted otherwise; {@code pb_data.evicted} was a saved copy being deleted. Call before
     * anything uses the instance (at start).
     */
    public static void recoverLeftovers(Path instanceDir) {
        Path pbData = instanceDir.resolve("pb_data");
        Path old = instanceDir.resolve(OLD);
        Path unsettled = instanceDir.resolve(UNSETTLED);
        try {
            if (Files.isRegularFile(unsettled)) {
                if (!Files.isDirectory(pbData) || Files.readString(unsettled).strip().equals(bootId())) {
                    // No reboot since (the page cache held every write) or nothing to force: force it now.
                    if (Files.isDirectory(pbData)) {
                        settle(pbData);
                    }
                    Durable.delete(unsettled);
                } else {
                    // A reboot (a power cut?) before a wake-up's restore reached the disk: its files may be
                    // torn, and would be trusted or uploaded as current. The snapshot is restored instead.
                    LOG.warn("{}: restored by a wake-up that did not reach the disk before the machine restarted; "
                            + "discarding it (the next start restores the current snapshot; writes of the "
                            + "moments after that wake-up are lost)", pbData);
                    Path discarded = instanceDir.resolve(EVICTED);
                    FileTrees.delete(discarded);
                    Files.move(pbData, discarded, StandardCopyOption.ATOMIC_MOVE);
                    Durable.delete(instanceDir.resolve(MARKER));
                    Durable.forceDirectory(instanceDir);
                    Durable.delete(unsettled);
                }
            }
            if (Files.isDirectory(old) && !Files.exists(pbData)) {
                Files.move(old, pbData, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot put right what a crash left in " + instanceDir + ": "
                    + e.getMessage(), e);
        }
        for (String leftover : new String[] {STAGING, OLD, EVICTED}) {
            deleteTreeQuietly(instanceDir.resolve(leftover));
        }
    }

    /** This boot of the machine ({@code /proc/sys/kernel/random/boot_id}), or "" where there is none. */
    static String bootId() {
        try {
            return Files.readString(BOOT_ID).strip();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static void deleteTreeQuietly(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot delete {}: {}", dir, e.getMessage());
        }
    }

    /**
     * Forgets that the local copy matches a snapshot: called before PocketBase runs on it, since
     * from then on it may hold writes no snapshot has.
     */
    public void markDirty(String instanceId, Path pbData) {
        try {
            // Forced: a marker brought back by a power cut would hide PocketBase's writes from the next save.
            Durable.delete(pbData.getParent().resolve(MARKER));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update the snapshot marker of " + instanceId, e);
        }
    }

    /** The {@link #BASE} of a copy that descends from no snapshot (a new instance's first run). */
    public static final String NO_BASE = "-";

    /** Records that the copy about to be created at {@code pbData} descends from no snapshot. */
    public static void recordNoBase(Path pbData) {
        try {
            Files.createDirectories(pbData.getParent());
            Files.writeString(pbData.resolveSibling(BASE), NO_BASE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the base of " + pbData, e);
        }
    }

    /** The snapshot the local copy at {@code pbData} descends from, if known ({@link #BASE}). */
    public static Optional<String> baseOf(Path pbData) {
        try {
            Path base = pbData.resolveSibling(BASE);
            return Files.isRegularFile(base) ? Optional.of(Files.readString(base).strip()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** True when the local copy may hold writes that the current snapshot does not. */
    public boolean isDirty(String instanceId, Path pbData) {
        Path marker = pbData.getParent().resolve(MARKER);
        try {
            if (!Files.isRegularFile(marker)) {
                return true;
            }
            String saved = Files.readString(marker).strip();
            return latest(instanceId).map(s -> !s.id().equals(saved)).orElse(true);
        } catch (IOException e) {
            return true;
        }
    }

    public Optional<Snapshot> latest(String instanceId) {
        return store.latestSnapshot(instanceId);
    }

    public List<Snapshot> list(String instanceId) {
        return store.listSnapshots(instanceId);
    }

    /**
     * {@code snapshot}'s archive as stored, opened for streaming (a download); empty when its object is
     * gone (pruned since it was listed). Needs no lock: objects are never overwritten.
     */
    public Optional<dev.picobase.core.storage.StoredObject> open(Snapshot snapshot) {
        return objects.open(snapshot.objectKey());
    }

    /**
     * Keeps {@code snapshotId} out of retention's reach until the pin is closed: a restore saves the
     * current data first, and that save's pruning must not delete the snapshot being restored.
     */
    public Pin pin(String snapshotId) {
        pinned.add(snapshotId);
        return () -> pinned.remove(snapshotId);
    }

    /** Tests: {@code hook} sees the name of each step of a save or restore as it completes. */
    void onStep(Consumer<String> hook) {
        this.step = hook;
    }

    /** Deletes every object of the instance (its rows go with the instance's row). */
    public void deleteAll(String instanceId) {
        for (String key : objects.list("instances/" + instanceId + "/")) {
            objects.delete(key);
        }
    }

    private void prune(String instanceId, String currentId) {
        List<Snapshot> all = store.listSnapshots(instanceId);
        for (Snapshot old : all.subList(Math.min(retention, all.size()), all.size())) {
            // A backup with a note holds writes that were deliberately not made current (a node lost the
            // lease): retention does not delete them; only the owner does, by deleting the instance.
            if (old.id().equals(currentId) || pinned.contains(old.id()) || old.note().isPresent()) {
                continue;
            }
            try {
                store.deleteSnapshot(old.id());
                objects.delete(old.objectKey());
            } catch (RuntimeException e) {
                LOG.warn("could not prune snapshot {} of {}: {}", old.id(), instanceId, e.getMessage());
            }
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a stray temp file is cleaned with the instance directory
            }
        }
    }
}
