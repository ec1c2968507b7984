package dev.picobase.proxy.routing;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.picobase.core.model.Instance;
import dev.picobase.core.store.MetadataStore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Subdomain → instance, in memory, so routing a request costs a map read on the event loop.
 *
 * <p>Kept in step with the metadata store three ways: loaded whole at start; told of creations and
 * deletions by the control API in the same process ({@link #put}, {@link #remove}); and, for a
 * subdomain it does not know (created by another process), one lookup in the store off the event
 * loop. Unknown subdomains are remembered for a few seconds, so a flood of random hosts costs at
 * most one lookup per host per window, not one per request.
 *
 * <p>Threading: all methods are thread-safe; {@link #resolve} never blocks the caller.
 */
public final class RouteTable {
    private final MetadataStore store;
    private final Executor blocking;
    private final ConcurrentHashMap<String, String> instanceBySubdomain = new ConcurrentHashMap<>();
    private final Cache<String, Boolean> unknown;
    /**
     * Instances removed (deleted): a lookup that read the store before the row was deleted must not
     * put the route back after {@link #remove}. Ids are never reused; ten minutes outlasts any delete.
     */
    private final Cache<String, Boolean> removed = Caffeine.newBuilder().executor(Runnable::run)
            .maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(10)).build();

    /** Custom domains that route (kept until forgotten) and names that do not (for the negative window). */
    private final Cache<String, Optional<String>> domains = Caffeine.newBuilder().executor(Runnable::run)
            .maximumSize(100_000).build();
    private final Cache<String, Optional<String>> unknownDomains;
    private final AtomicLong domainGeneration = new AtomicLong();

    public RouteTable(MetadataStore store, Executor blocking, Duration negativeTtl) {
        this.unknownDomains = Caffeine.newBuilder().executor(Runnable::run).maximumSize(100_000)
                .expireAfterWrite(negativeTtl).build();
        this.store = store;
        this.blocking = blocking;
        this.unknown = Caffeine.newBuilder().executor(Runnable::run).maximumSize(100_000).expireAfterWrite(negativeTtl).build();
    }

    /** Loads every instance; call once at start, off the event loop. */
    public void loadAll() {
        for (Instance i : store.listAllInstances()) {
            instanceBySubdomain.put(i.subdomain(), i.id());
        }
    }

    public void put(String subdomain, String instanceId) {
        instanceBySubdomain.put(subdomain, instanceId);
        unknown.invalidate(subdomain);
    }

    /** The instance is being deleted: its subdomain routes nowhere from now on, whatever a lookup in flight read. */
    public void remove(String subdomain, String instanceId) {
        removed.put(instanceId, true);
        instanceBySubdomain.remove(subdomain, instanceId);
    }

    public int size() {
        return instanceBySubdomain.size();
    }

    /**
     * The instance a {@code Host} routes to: an instance's subdomain under the base domain, or a
     * verified custom domain; empty for anything else. The gateway's admission and the on-demand TLS
     * {@code ask} check both answer through here, so a name gets a certificate exactly when it routes.
     */
    public CompletableFuture<Optional<String>> resolveHost(HostNames hosts, String host) {
        Optional<String> subdomain = hosts.subdomain(host);
        if (subdomain.isPresent()) {
            return resolve(subdomain.get());
        }
        return hosts.customDomain(host).map(this::resolveDomain)
                .orElseGet(() -> CompletableFuture.completedFuture(Optional.empty()));
    }

    /**
     * The instance a verified custom domain routes to. Names are looked up in the store once (off
     * the event loop) and the answer, either way, kept until {@link #forgetDomain} (the control API
     * on verify, removal or a failed re-check; the cluster's log on the other nodes) or, for names
     * that route nowhere, the negative window, so a flood of unknown hosts costs one lookup each.
     */
    public CompletableFuture<Optional<String>> resolveDomain(String hostname) {
        Optional<String> known = domains.getIfPresent(hostname);
        if (known == null) {
            known = unknownDomains.getIfPresent(hostname);
        }
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        return CompletableFuture.supplyAsync(() -> {
            long generation = domainGeneration.get();
            Optional<String> found = store.findVerifiedDomainInstance(hostname)
                    .filter(i -> removed.getIfPresent(i) == null);
            // A forget since the read above: the answer may be stale; do not keep it.
            if (generation == domainGeneration.get()) {
                (found.isPresent() ? domains : unknownDomains).put(hostname, found);
            }
            return found;
        }, blocking);
    }

    /** The domain's status changed or it was removed: its next request reads the store again. */
    public void forgetDomain(String hostname) {
        domainGeneration.incrementAndGet();
        domains.invalidate(hostname);
        unknownDomains.invalidate(hostname);
    }

    /** The id of the instance at {@code subdomain}; completes at once when known (or known unknown). */
    public CompletableFuture<Optional<String>> resolve(String subdomain) {
        String id = instanceBySubdomain.get(subdomain);
        if (id != null) {
            return CompletableFuture.completedFuture(Optional.of(id));
        }
        if (unknown.getIfPresent(subdomain) != null) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return CompletableFuture.supplyAsync(() -> {
            Optional<String> found = store.findInstanceBySubdomain(subdomain).map(Instance::id)
                    .filter(i -> removed.getIfPresent(i) == null);
            found.ifPresentOrElse(i -> instanceBySubdomain.put(subdomain, i), () -> unknown.put(subdomain, true));
            // Removed between the check above and the put: take the put back.
            found.filter(i -> removed.getIfPresent(i) != null).ifPresent(i -> instanceBySubdomain.remove(subdomain, i));
            return found.filter(i -> removed.getIfPresent(i) == null);
        }, blocking);
    }
}
