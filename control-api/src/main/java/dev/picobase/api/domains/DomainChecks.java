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
 * through the cluster's log (the status change is logged by trigger). A lookup nobody answered
 * changes no status.
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

    /** What a lookup said: the token is there, it is not (and why), or no answer came (and why). */
    private record Outcome(boolean answered, Optional<String> problem) {}

    /**
     * Looks the domain's TXT record up now and records the result; empty if the domain went meanwhile.
     * Only an answer changes the status: a DNS server that does not answer leaves it as it was (a
     * verified domain keeps routing through a resolver outage), with the error shown.
     */
    public Optional<CustomDomain> check(CustomDomain domain) {
        Outcome outcome = lookUp(domain);
        if (!outcome.answered()) {
            return store.recordDomainCheckUnanswered(domain.instanceId(), domain.hostname(), outcome.problem().orElseThrow());
        }
        Optional<CustomDomain> after = store.recordDomainCheck(domain.instanceId(), domain.hostname(), outcome.problem());
        after.filter(d -> !d.status().equals(domain.status()))
                .ifPresent(d -> events.domainChanged(d.hostname()));
        return after;
    }

    private Outcome lookUp(CustomDomain domain) {
        String name = DomainNames.txtName(domain.hostname());
        List<String> texts;
        try {
            texts = dns.lookup(name).get(2 * TxtRecords.TIMEOUT_MILLIS + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(false, Optional.of("the check was interrupted"));
        } catch (ExecutionException | TimeoutException e) {
            return new Outcome(false, Optional.of("DNS lookup of " + name + " failed: "
                    + (e.getCause() == null ? "timed out" : e.getCause().getMessage())));
        }
        if (texts.contains(domain.token())) {
            return new Outcome(true, Optional.empty());
        }
        return new Outcome(true, Optional.of(texts.isEmpty() ? "no TXT record at " + name
                : "the TXT record at " + name + " does not hold this domain's token"));
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
