package dev.picobase.api.http;

import java.net.InetAddress;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * Who may hold a code upload in memory ({@link UploadBodies}): a few at once in all, at most
 * {@code perAddress} from one client address (unless it is a trusted proxy, behind which many
 * clients share it) and one per instance. Taken before the body is read and before the caller is
 * known, so a stranger trickling bodies holds at most its address's share and never every slot, and
 * one tenant's deploys never stand in the way of another's.
 *
 * <p>Threading: shared by every connection; lock-free.
 */
public final class UploadSlots {
    private final Semaphore total;
    private final int perAddress;
    private final Predicate<InetAddress> trustedProxy;
    private final ConcurrentHashMap<InetAddress, Integer> byAddress = new ConcurrentHashMap<>();
    private final Set<String> instances = ConcurrentHashMap.newKeySet();

    public UploadSlots(int total, int perAddress, Predicate<InetAddress> trustedProxy) {
        this.total = new Semaphore(total);
        this.perAddress = perAddress;
        this.trustedProxy = trustedProxy;
    }

    /** A slot for an upload from {@code address} to {@code instanceId}, or empty when a bound is reached. */
    public Optional<Runnable> take(InetAddress address, String instanceId) {
        if (!instances.add(instanceId)) {
            return Optional.empty();
        }
        if (!total.tryAcquire()) {
            instances.remove(instanceId);
            return Optional.empty();
        }
        boolean perAddressBound = address != null && !trustedProxy.test(address);
        if (perAddressBound) {
            boolean[] admitted = {false};
            byAddress.compute(address, (a, n) -> {
                int held = n == null ? 0 : n;
                admitted[0] = held < perAddress;
                return admitted[0] ? held + 1 : n;
            });
            if (!admitted[0]) {
                total.release();
                instances.remove(instanceId);
                return Optional.empty();
            }
        }
        AtomicBoolean released = new AtomicBoolean();
        return Optional.of(() -> {
            if (released.compareAndSet(false, true)) {
                if (perAddressBound) {
                    byAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
                }
                total.release();
                instances.remove(instanceId);
            }
        });
    }
}
