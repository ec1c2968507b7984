package dev.picobase.api.domains;

import dev.picobase.api.ControlEvents;
import dev.picobase.core.io.DaemonThreads;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.MetadataStore.CustomDomain;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks custom domains' TXT records: on the owner's request ({@link #check}) and, for every domain
 * ever verified, again every {@code PICOBASE_DOMAIN_RECHECK_INTERVAL}. A domain whose record is there
 * is verified and routes; one whose record is gone or wrong is failed (or stays pending if it never
 * was verified) and stops routing: the route table forgets it here at once, and on the other nodes
 * through the cluster's log (the status change is logged by trigger).
 *
 * <p>Threading: {@link #check} blocks for the DNS answer (up to about ten seconds); callers are the
 * API's blocking executor and this class's own daemon thread.
 */
public final class DomainChecks implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DomainChecks.class);

    private final MetadataStore store;
    private final TxtRecords dns;
    private final ControlEvents events;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("domain-recheck"));

    public DomainChecks(MetadataStore store, TxtRecords dns, ControlEvents events) {
        this.store = store;
        this.dns = dns;
        this.events = events;
    }

    /** Starts the periodic re-check. */
    public DomainChecks recheckEvery(Duration interval) {
        thread.scheduleWithFixedDelay(this::recheckAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Looks the domain's TXT record up now and records the result; empty if the domain went meanwhile. */
    public Optional<CustomDomain> check(CustomDomain domain) {
        Optional<String> error = problem(domain);
        Optional<CustomDomain> after = store.recordDomainCheck(domain.instanceId(), domain.hostname(), error);
        after.filter(d -> !d.status().equals(domain.status()))
                .ifPresent(d -> events.domainChanged(d.hostname()));
        return after;
    }

    /** Why the domain is not verified, or empty when its TXT record holds its token. */
    private Optional<String> problem(CustomDomain domain) {
        String name = DomainNames.txtName(domain.hostname());
        List<String> texts;
        try {
            texts = dns.lookup(name).get(2 * TxtRecords.TIMEOUT_MILLIS + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("the check was interrupted");
        } catch (ExecutionException | TimeoutException e) {
            return Optional.of("DNS lookup of " + name + " failed: " + (e.getCause() == null ? "timed out"
                    : e.getCause().getMessage()));
        }
        if (texts.contains(domain.token())) {
            return Optional.empty();
        }
        return Optional.of(texts.isEmpty() ? "no TXT record at " + name
                : "the TXT record at " + name + " does not hold this domain's token");
    }

    private void recheckAll() {
        try {
            for (CustomDomain d : store.listCustomDomainsToRecheck()) {
                Optional<CustomDomain> after = check(d);
                after.filter(a -> !a.status().equals(d.status())).ifPresent(a ->
                        LOG.info("custom domain {} is {} after its re-check", a.hostname(), a.status()));
            }
        } catch (RuntimeException e) {
            LOG.warn("re-checking custom domains failed (trying again at the next interval): {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        dns.close();
    }
}
