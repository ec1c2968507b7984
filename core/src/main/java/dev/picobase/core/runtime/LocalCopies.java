package dev.picobase.core.runtime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The disk budget's bookkeeping (SPEC.md: the local disk is a cache of object storage): how many
 * bytes each instance's local copy holds, and in which order they were last used. When the total
 * exceeds the budget, {@link #evictionOrder} names the copies least recently used first; the caller
 * deletes those it may (stopped, saved, not being started) until {@link #withinBudget}.
 *
 * <p>Threading: thread-safe.
 */
final class LocalCopies {
    private record Copy(long bytes, long lastUse) {}

    private final long budgetBytes;
    private final Map<String, Copy> copies = new HashMap<>(); // guarded by this
    private long clock; // guarded by this: a use counter, so order does not depend on timer resolution

    LocalCopies(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    /** The instance's copy was just used (started, or stopped and saved), and holds {@code bytes}. */
    synchronized void used(String instanceId, long bytes) {
        copies.put(instanceId, new Copy(bytes, ++clock));
    }

    /** The instance's copy was just used (started); its size stays as last measured (0 if never). */
    synchronized void touched(String instanceId) {
        Copy known = copies.get(instanceId);
        copies.put(instanceId, new Copy(known == null ? 0 : known.bytes(), ++clock));
    }

    /** The copy is gone (evicted, or the instance deleted). */
    synchronized void removed(String instanceId) {
        copies.remove(instanceId);
    }

    synchronized long totalBytes() {
        return copies.values().stream().mapToLong(Copy::bytes).sum();
    }

    synchronized boolean withinBudget() {
        return totalBytes() <= budgetBytes;
    }

    /** Every copy, least recently used first, when over budget; empty when within it. */
    synchronized List<String> evictionOrder() {
        if (withinBudget()) {
            return List.of();
        }
        List<Map.Entry<String, Copy>> entries = new ArrayList<>(copies.entrySet());
        entries.sort(Comparator.comparingLong(e -> e.getValue().lastUse()));
        return entries.stream().map(Map.Entry::getKey).toList();
    }
}
