package dev.picobase.api.testsupport;

import dev.picobase.testsupport.Deadline;
import java.lang.ref.WeakReference;
import java.time.Duration;

/**
 * Runs the garbage collector until it has cleared a weak reference, so an object reachable only
 * weakly (as Micrometer holds a gauge's or function counter's state) is gone afterwards. A test
 * of "this metric still reads true" calls it before scraping: without it the bug it guards
 * against (state collected, series {@code NaN}) shows only when the JVM happens to collect.
 */
public final class GarbageCollection {
    private GarbageCollection() {}

    public static void clearWeakReferences() {
        WeakReference<Object> canary = new WeakReference<>(new Object());
        Deadline.await("a garbage collection that clears weak references", Duration.ofSeconds(10), () -> {
            System.gc();
            return canary.get() == null;
        });
    }
}
