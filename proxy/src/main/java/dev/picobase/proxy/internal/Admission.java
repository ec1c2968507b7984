package dev.picobase.proxy.internal;

import dev.picobase.core.runtime.HoldLimitException;
import dev.picobase.core.runtime.TenantNotice;
import dev.picobase.core.runtime.InstanceDeletedException;
import dev.picobase.core.runtime.InstanceElsewhereException;
import dev.picobase.proxy.Backends;
import dev.picobase.proxy.ClusterHop;
import dev.picobase.proxy.GatewayErrors;
import dev.picobase.proxy.RateLimits;
import dev.picobase.proxy.keys.ApiKeyVerifier;
import dev.picobase.proxy.keys.KeyChecksExhaustedException;
import dev.picobase.proxy.routing.HostNames;
import dev.picobase.proxy.routing.RouteTable;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * Decides what happens to a request before any byte of it is forwarded: which instance its
 * {@code Host} names, whether its API key is valid for that instance (CORS preflights need none and
 * are answered here, as is a browser navigation with {@code ?apikey=}: a 303 that sets the key
 * cookie), and where that instance listens (which may mean waking it). Each step completes at once on its
 * fast path (route in memory, key verdict cached, instance running), so a warm request is admitted
 * without leaving the event loop.
 *
 * <p>Cluster mode: a request for an instance another node runs goes there once, as a {@link ClusterHop}
 * (its target says so). A request that arrived as a valid hop was admitted by the node that forwarded
 * it: its key is not checked again, and it is never forwarded again — if this node does not run the
 * instance either, it is answered 503 {@code instance_elsewhere} with {@code Retry-After}.
 *
 * <p>Rate limits ({@link RateLimits}) are counted once the instance is known and before its key is
 * checked, so a client over its limit is answered 429 without a key check, and never wakes a stopped
 * instance; the count's {@code RateLimit-*} headers go on every answer for a limited instance. A hop
 * was counted by the node it arrived at first.
 *
 * <p>Threading: called on an event loop; never blocks. The returned future may complete on another
 * thread; the caller moves back to its loop.
 */
final class Admission {
    private final HostNames hosts;
    private final RouteTable routes;
    private final ApiKeyVerifier keys;
    private final Backends backends;
    private final boolean secureCookies;
    private final ClusterHop hops;
    private final RateLimits rateLimits;

    /**
     * @param secureCookies mark the key cookie {@code Secure} ({@code PICOBASE_SECURE_COOKIES}: served over HTTPS)
     * @param hops          how requests between nodes are authenticated ({@link ClusterHop#OFF}: not at all)
     * @param rateLimits    the instances' request rate limits, counted before the key check
     */
    Admission(HostNames hosts, RouteTable routes, ApiKeyVerifier keys, Backends backends,
                     boolean secureCookies, ClusterHop hops, RateLimits rateLimits) {
        this.rateLimits = rateLimits;
        this.hosts = hosts;
        this.routes = routes;
        this.keys = keys;
        this.backends = backends;
        this.secureCookies = secureCookies;
        this.hops = hops;
    }

    /** How hops between nodes are authenticated; the gateway checks and marks them with it. */
    ClusterHop hops() {
        return hops;
    }

    /**
     * @param clientAddress the client's IP address, which key-check budgets and rate limits are counted by
     * @param hop the request carries a valid {@link ClusterHop} header (the caller checked it): the
     *            node that forwarded it checked its key already
     */
    CompletableFuture<Outcome> admit(HttpRequest request, String clientAddress, boolean hop) {
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host == null || host.isBlank()) {
            return respond(HttpResponseStatus.BAD_REQUEST, "missing_host", "the request has no Host header");
        }
        if (hosts.isBaseDomain(host)) {
            String path = new QueryStringDecoder(request.uri()).path();
            if (path.equals("/health") || path.equals("/_picobase/health")) {
                return done(new Outcome.Respond(GatewayErrors.json(HttpResponseStatus.OK, "{\"status\":\"ok\"}")));
            }
            return respond(HttpResponseStatus.NOT_FOUND, "not_found",
                    "use <subdomain>." + HostNames.hostOnly(host) + " to reach an instance");
        }
        Optional<String> subdomain = hosts.subdomain(host);
        // A verified custom domain goes on exactly like its instance's subdomain: same keys, wake-up, cookies.
        return routes.resolveHost(hosts, host).thenCompose(instance -> {
            if (instance.isEmpty()) {
                return subdomain.isPresent() ? respond(HttpResponseStatus.NOT_FOUND, "unknown_instance",
                        "no instance has the subdomain '" + subdomain.get() + "'")
                        : respond(HttpResponseStatus.NOT_FOUND, "unknown_host", "no instance is served at this host");
            }
            if (hop) {
                return forward(instance.get(), ClusterHop.keyIdOf(request.headers()), true);
            }
            RateLimits.Taken taken = rateLimits.take(instance.get(), clientAddress);
            if (taken == null) {
                return authorize(request, instance.get(), clientAddress);
            }
            if (!taken.allowed()) {
                return done(new Outcome.Respond(taken.refusal()));
            }
            return authorize(request, instance.get(), clientAddress).thenApply(o -> withHeaders(o, taken));
        }).exceptionally(Admission::failure);
    }

    /** The rate limit's headers on the answer, whether the gateway gives it or PocketBase does. */
    private static Outcome withHeaders(Outcome outcome, RateLimits.Taken taken) {
        if (outcome instanceof Outcome.Forward f) {
            return f.withRateLimit(taken);
        }
        taken.addHeaders(((Outcome.Respond) outcome).response().headers());
        return outcome;
    }

    private CompletableFuture<Outcome> authorize(HttpRequest request, String instanceId, String clientAddress) {
        if (ForwardedRequest.isCorsPreflight(request)) {
            return done(new Outcome.Respond(corsPreflight(request)));
        }
        String key = ForwardedRequest.presentedKey(request);
        if (key == null) {
            return done(new Outcome.Respond(opensPage(request) ? GatewayErrors.keyNeededPage(false)
                    : GatewayErrors.unauthorized("an API key is required (apikey header or ?apikey= parameter)")));
        }
        return keys.verify(key, clientAddress).thenCompose(verdict -> {
            if (!verdict.validFor(instanceId)) {
                return done(new Outcome.Respond(opensPage(request) ? GatewayErrors.keyNeededPage(true)
                        : GatewayErrors.unauthorized("the API key is not valid for this instance")));
            }
            boolean navigation = request.method().equals(HttpMethod.GET) && ForwardedRequest.keyInQuery(request)
                    && request.headers().get(HttpHeaderNames.ACCEPT, "").contains("text/html");
            return navigation ? done(new Outcome.Respond(keyCookieRedirect(request, key)))
                    : forward(instanceId, verdict.keyId(), false);
        });
    }

    /**
     * A browser opening a page (a GET or HEAD that accepts HTML, as a navigation does), not a script or
     * an SDK asking for JSON: refused, it gets a page that says how to open the admin with a key.
     */
    private static boolean opensPage(HttpRequest request) {
        return (request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD))
                && request.headers().get(HttpHeaderNames.ACCEPT, "").contains("text/html");
    }

    /**
     * A page opened with {@code ?apikey=} (PocketBase's admin UI at {@code /_/?apikey=...}) gets the key
     * as an HttpOnly cookie and is sent, with 303, to the same URL without the key, which is not
     * forwarded. Otherwise the key would stay in the page's address, and the browser would send it in
     * the {@code Referer} of every request the page makes — which PocketBase writes to its logs
     * database, and so into every snapshot. {@code Referrer-Policy} keeps this response's own URL out
     * of the redirected request.
     */
    private FullHttpResponse keyCookieRedirect(HttpRequest request, String key) {
        DefaultCookie cookie = new DefaultCookie(ForwardedRequest.KEY_COOKIE, key);
        cookie.setHttpOnly(true);
        cookie.setSecure(secureCookies);
        cookie.setPath("/");
        cookie.setSameSite(CookieHeaderNames.SameSite.Lax);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SEE_OTHER);
        r.headers().set(HttpHeaderNames.LOCATION, sameOrigin(ForwardedRequest.withoutKeyParameter(request.uri())))
                .set(HttpHeaderNames.SET_COOKIE, ServerCookieEncoder.STRICT.encode(cookie))
                .set("Referrer-Policy", "no-referrer")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return r;
    }

    /**
     * A path that stays on this origin: {@code //evil.example/} or {@code /\\evil.example/} in a
     * {@code Location} is another site to a browser (an open redirect), so leading slashes and
     * backslashes become one slash.
     */
    static String sameOrigin(String path) {
        int i = 0;
        while (i < path.length() && (path.charAt(i) == '/' || path.charAt(i) == '\\')) {
            i++;
        }
        return "/" + path.substring(i);
    }

    /**
     * Browsers send CORS preflights without custom headers, so without the key. The gateway answers
     * them itself, as PocketBase would with its default CORS settings (any origin, the usual methods,
     * the requested headers), so that a request nobody authenticated never wakes a sleeping instance.
     */
    private static FullHttpResponse corsPreflight(HttpRequest request) {
        FullHttpResponse r = new io.netty.handler.codec.http.DefaultFullHttpResponse(
                io.netty.handler.codec.http.HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*")
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET,HEAD,PUT,PATCH,POST,DELETE")
                .set(HttpHeaderNames.VARY, "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        String requested = request.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
        if (requested != null) {
            r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, requested);
        }
        return r;
    }

    private CompletableFuture<Outcome> forward(String instanceId, String keyId, boolean arrivedByHop) {
        return backends.targetFor(instanceId).thenApply(target -> forwardTo(instanceId, keyId, target, arrivedByHop));
    }

    /**
     * Where a request goes once its target is known: there, unless both it arrived as a hop and its
     * target is another hop — two nodes that each believe the other runs the instance would otherwise
     * pass it back and forth. (A hop target is not counted, so nothing is ended for it.)
     */
    static Outcome forwardTo(String instanceId, String keyId, Backends.Target target, boolean arrivedByHop) {
        if (target.hop() && arrivedByHop) {
            return failure(new InstanceElsewhereException(instanceId, target.hopTo()));
        }
        return new Outcome.Forward(instanceId, keyId, target.address(), target.serverTiming(), target.hopTo());
    }

    /** The answer for a request whose target could not be found: 503 with {@code Retry-After}, or 404 if deleted. */
    static Outcome failure(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof KeyChecksExhaustedException exhausted) {
            return new Outcome.Respond(GatewayErrors.tooManyRequests("key_checks_exhausted", exhausted.getMessage(),
                    exhausted.retryAfterSeconds()));
        }
        if (cause instanceof RejectedExecutionException) {
            return new Outcome.Respond(GatewayErrors.busy("the gateway is busy; try again shortly"));
        }
        if (cause instanceof InstanceDeletedException) {
            // Routed just before the instance was deleted: it is gone, as for an unknown subdomain.
            return new Outcome.Respond(GatewayErrors.response(HttpResponseStatus.NOT_FOUND, "unknown_instance",
                    "the instance was deleted"));
        }
        if (cause instanceof InstanceElsewhereException elsewhere) {
            // Another node holds the instance's lease, and this request cannot go there (forwarding is
            // off, the owner's address is unknown, or it was forwarded here already): come back.
            FullHttpResponse r = GatewayErrors.response(HttpResponseStatus.SERVICE_UNAVAILABLE, "instance_elsewhere",
                    "the instance is being served by another node (" + elsewhere.owner() + "); try again shortly");
            r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            return new Outcome.Respond(r);
        }
        if (cause instanceof HoldLimitException) {
            FullHttpResponse r = GatewayErrors.response(HttpResponseStatus.SERVICE_UNAVAILABLE, "instance_waking",
                    cause.getMessage());
            r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            return new Outcome.Respond(r);
        }
        // A stable code and a short message: the cause can name the operator's storage and paths.
        TenantNotice notice = TenantNotice.of(cause);
        FullHttpResponse r = GatewayErrors.response(HttpResponseStatus.SERVICE_UNAVAILABLE, notice.code(),
                notice.message());
        r.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
        return new Outcome.Respond(r);
    }

    private static CompletableFuture<Outcome> respond(HttpResponseStatus status, String code, String message) {
        return done(new Outcome.Respond(GatewayErrors.response(status, code, message)));
    }

    private static CompletableFuture<Outcome> done(Outcome outcome) {
        return CompletableFuture.completedFuture(outcome);
    }
}
