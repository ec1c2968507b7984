package dev.picobase.api.domains;

import dev.picobase.api.ControlEvents;
import dev.picobase.api.auth.Sessions;
import dev.picobase.api.http.ApiException;
import dev.picobase.api.http.ApiRequest;
import dev.picobase.api.http.ApiResponse;
import dev.picobase.api.http.Json;
import dev.picobase.api.http.Router;
import dev.picobase.api.instances.InstanceRoutes;
import dev.picobase.core.model.Instance;
import dev.picobase.core.secret.Tokens;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.MetadataStore.CustomDomain;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code /api/instances/:id/domains}: an owner attaches a hostname (pending), creates the TXT record
 * and CNAME shown, and asks for verification; a verified domain routes to the instance like its
 * subdomain. And {@code GET /api/domains/check?domain=}, the {@code ask} endpoint of Caddy's
 * on-demand TLS: 200 only for a name the gateway routes (an instance's subdomain, a verified domain),
 * else 404, so nobody can make Caddy request certificates for other names. It answers from the
 * gateway's route table (cached both ways), so a handshake flood costs at most one lookup per name
 * per few seconds, and says nothing but yes or no.
 *
 * <p>Threading: handlers block (database, DNS); the API's blocking executor.
 */
public final class DomainRoutes {
    static final int MAX_PER_INSTANCE = 20;
    /**
     * Verifications waiting on DNS at once: each may hold one of the API's few blocking threads for up
     * to the resolver's timeout, so a slow or silent DNS server cannot take them all.
     */
    static final int VERIFYING_AT_ONCE = 2;

    record Add(String hostname) {}

    record DomainView(String hostname, String status, Map<String, String> txt, Map<String, String> cname,
                      Instant createdAt, Instant checkedAt, Instant verifiedAt, String checkError) {}

    private final MetadataStore store;
    private final Sessions sessions;
    private final InstanceRoutes instances;
    private final DomainNames names;
    private final String baseDomain;
    private final DomainChecks checks;
    private final ControlEvents events;
    private final Function<String, CompletableFuture<Optional<String>>> routedHost;
    private final java.util.concurrent.Semaphore verifying = new java.util.concurrent.Semaphore(VERIFYING_AT_ONCE);

    /**
     * @param routedHost the instance the gateway routes a host to (its route table), for the {@code ask} check
     */
    public DomainRoutes(MetadataStore store, Sessions sessions, InstanceRoutes instances, String baseDomain,
                        DomainChecks checks, ControlEvents events,
                        Function<String, CompletableFuture<Optional<String>>> routedHost) {
        this.store = store;
        this.sessions = sessions;
        this.instances = instances;
        this.names = new DomainNames(baseDomain);
        this.baseDomain = baseDomain;
        this.checks = checks;
        this.events = events;
        this.routedHost = routedHost;
    }

    public void register(Router router) {
        router.add(HttpMethod.GET, "/api/instances/:id/domains", this::list)
                .add(HttpMethod.POST, "/api/instances/:id/domains", this::add)
                .add(HttpMethod.POST, "/api/instances/:id/domains/:hostname/verify", this::verify)
                .add(HttpMethod.DELETE, "/api/instances/:id/domains/:hostname", this::remove)
                .add(HttpMethod.GET, "/api/domains/check", this::check);
    }

    private DomainView view(CustomDomain d, Instance instance) {
        return new DomainView(d.hostname(), d.status(),
                Map.of("name", DomainNames.txtName(d.hostname()), "value", d.token()),
                Map.of("name", d.hostname(), "target", instance.subdomain() + "." + baseDomain),
                d.createdAt(), d.checkedAt().orElse(null), d.verifiedAt().orElse(null), d.checkError().orElse(null));
    }

    private ApiResponse list(ApiRequest request) {
        Instance instance = instances.owned(request, sessions.require(request));
        return ApiResponse.ok(Map.of("domains", store.listCustomDomains(instance.id()).stream()
                .map(d -> view(d, instance)).toList()));
    }

    private ApiResponse add(ApiRequest request) {
        Instance instance = instances.owned(request, sessions.require(request));
        String hostname = names.validate(Json.read(request, Add.class).hostname());
        if (store.listCustomDomains(instance.id()).size() >= MAX_PER_INSTANCE) {
            throw ApiException.conflict("too_many_domains", null, "an instance may have at most " + MAX_PER_INSTANCE
                    + " custom domains");
        }
        CustomDomain added = store.addCustomDomain(instance.id(), hostname, "picobase-verify=" + Tokens.randomId(32))
                .orElseThrow(() -> ApiException.conflict("domain_taken", "hostname",
                        hostname + " is already attached to an instance"));
        return ApiResponse.created(view(added, instance));
    }

    private CustomDomain ownedDomain(ApiRequest request, Instance instance) {
        String hostname = request.pathParam("hostname").toLowerCase(java.util.Locale.ROOT);
        return store.findCustomDomain(hostname).filter(d -> d.instanceId().equals(instance.id()))
                .orElseThrow(() -> ApiException.notFound("no such domain on this instance"));
    }

    private ApiResponse verify(ApiRequest request) {
        Instance instance = instances.owned(request, sessions.require(request));
        CustomDomain domain = ownedDomain(request, instance);
        if (!verifying.tryAcquire()) {
            throw ApiException.rateLimited("other domains are being verified; try again in a few seconds", 5);
        }
        try {
            CustomDomain after = checks.check(domain)
                    .orElseThrow(() -> ApiException.notFound("no such domain on this instance"));
            return ApiResponse.ok(view(after, instance));
        } finally {
            verifying.release();
        }
    }

    private ApiResponse remove(ApiRequest request) {
        Instance instance = instances.owned(request, sessions.require(request));
        CustomDomain domain = ownedDomain(request, instance);
        if (!store.deleteCustomDomain(instance.id(), domain.hostname())) {
            throw ApiException.notFound("no such domain on this instance");
        }
        events.domainChanged(domain.hostname());
        return ApiResponse.noContent();
    }

    private ApiResponse check(ApiRequest request) {
        List<String> given = request.query().getOrDefault("domain", List.of());
        String host = given.size() == 1 ? given.get(0) : "";
        if (host.isEmpty() || host.length() > 253) {
            throw ApiException.invalid("domain", "give one domain, e.g. ?domain=app.example.com");
        }
        Optional<String> instance;
        try {
            instance = routedHost.apply(host).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException("the route lookup failed", e);
        }
        if (instance.isEmpty()) {
            throw ApiException.notFound("no certificate for this name");
        }
        return ApiResponse.ok(Map.of("domain", host.toLowerCase(java.util.Locale.ROOT)));
    }
}
