package dev.picobase.api.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.auth.Caller;
import dev.picobase.api.http.ApiException;
import dev.picobase.api.http.ApiRequest;
import dev.picobase.api.http.ApiResponse;
import dev.picobase.api.http.Json;
import dev.picobase.core.model.Lease;
import dev.picobase.core.runtime.InstanceElsewhereException;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.proxy.ClusterHop;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringEncoder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Control calls that act on a running instance (start, stop, logs, restore, delete) made through
 * any node of a cluster: when another node holds the instance's lease, the call is sent on to that
 * node's control API, with the caller's session (the sessions are in the shared database, so the
 * owner checks it again) and the cluster secret ({@link ClusterHop#HEADER}), and its answer is
 * returned as it is. A forwarded call is never forwarded again: if the lease moved meanwhile, the
 * owner answers 409 {@code served_elsewhere} and the caller tries again. A call carrying the hop
 * header with a wrong secret is refused (403) before anything else.
 *
 * <p>Without a cluster secret nothing is forwarded, and a call on an instance another node runs is
 * answered 409 {@code served_elsewhere}, naming the node; so is a forwarded call that finds the lease
 * gone elsewhere meanwhile.
 *
 * <p>Threading: blocks (a database read, then the forwarded call); runs on the API's blocking executor.
 */
public final class OwnerCalls {
    private static final Logger LOG = LoggerFactory.getLogger(OwnerCalls.class);
    /** A start may restore a large instance from object storage before it answers. */
    private static final Duration CALL_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private final MetadataStore store;
    private final String selfId;
    private final NodeAddresses nodes;
    private final ClusterHop hop;
    private final Duration leaseTtl;
    private final HttpClient http;

    public OwnerCalls(MetadataStore store, String selfId, NodeAddresses nodes, ClusterHop hop, Duration leaseTtl) {
        this.store = store;
        this.selfId = selfId;
        this.nodes = nodes;
        this.hop = hop;
        this.leaseTtl = leaseTtl;
        this.http = hop.enabled() ? HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1).build() : null;
    }

    /** A single node on its own database: every call acts here. */
    public static OwnerCalls none() {
        return new OwnerCalls(null, null, null, ClusterHop.OFF, Duration.ZERO);
    }

    /**
     * Runs {@code here} on this node, or forwards the request to the node holding the instance's
     * lease: when the lease is live elsewhere before the call, or when {@code here} finds so (the
     * lease was taken between the look and the act). {@code here} throws
     * {@link InstanceElsewhereException} for the latter; {@code forwarded} runs after the owner
     * answered with a success (this node's part of it, e.g. forgetting a deleted instance's route now).
     */
    public ApiResponse onOwner(ApiRequest request, Caller caller, String instanceId, Supplier<ApiResponse> here,
                               Runnable forwarded) {
        return onOwner(request, caller, instanceId, here, forwarded, false);
    }

    /**
     * As {@link #onOwner(ApiRequest, Caller, String, Supplier, Runnable)}; with {@code hereWithoutForwarding}
     * the call acts here when it cannot be forwarded (no cluster secret) instead of answering 409 — a
     * delete, which the owner learns of from the database and finishes on its side.
     */
    public ApiResponse onOwner(ApiRequest request, Caller caller, String instanceId, Supplier<ApiResponse> here,
                               Runnable forwarded, boolean hereWithoutForwarding) {
        return onOwner(request, caller, instanceId, here, forwarded, hereWithoutForwarding, null);
    }

    /**
     * As {@link #onOwner(ApiRequest, Caller, String, Supplier, Runnable)}, for one step of a larger
     * call (an account's suspension stopping each of its instances): forwarded as {@code POST path}
     * without a body, not as the request itself.
     */
    public ApiResponse onOwnerAs(ApiRequest request, Caller caller, String instanceId, String path,
                                 Supplier<ApiResponse> here) {
        return onOwner(request, caller, instanceId, here, () -> {}, false, path);
    }

    private ApiResponse onOwner(ApiRequest request, Caller caller, String instanceId, Supplier<ApiResponse> here,
                                Runnable forwarded, boolean hereWithoutForwarding, String postPath) {
        ClusterHop.Verdict verdict = hop.check(request.headers());
        if (verdict == ClusterHop.Verdict.REFUSED) {
            throw ApiException.forbidden("cluster_hop_refused", "the cluster header is not accepted here");
        }
        boolean mayForward = verdict == ClusterHop.Verdict.NONE && hop.enabled();
        if (store != null && verdict == ClusterHop.Verdict.NONE && (mayForward || !hereWithoutForwarding)) {
            Optional<String> owner = store.leaseOf(instanceId).filter(Lease::live).map(Lease::nodeId)
                    .filter(n -> !n.equals(selfId));
            if (owner.isPresent()) {
                return act(request, caller, owner.get(), mayForward, forwarded, null, postPath);
            }
        }
        try {
            return here.get();
        } catch (InstanceElsewhereException e) {
            return act(request, caller, e.owner(), mayForward, forwarded, e, postPath);
        }
    }

    private ApiResponse act(ApiRequest request, Caller caller, String owner, boolean mayForward, Runnable forwarded,
                            InstanceElsewhereException found, String postPath) {
        if (mayForward) {
            return forward(request, caller, owner, forwarded, postPath);
        }
        String why = found != null ? found.getMessage() : "instance is served by node " + owner;
        throw new ApiException(HttpResponseStatus.CONFLICT, "served_elsewhere", why + "; send this request to "
                + "that node, or set PICOBASE_CLUSTER_SECRET so that any node sends it on", null,
                Map.of("Retry-After", "1"));
    }

    private ApiResponse forward(ApiRequest request, Caller caller, String owner, Runnable forwarded, String postPath) {
        InetSocketAddress api;
        try {
            api = nodes.controlApi(owner).get().orElseThrow(() -> unreachable(owner, "it registered no address"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(owner, "interrupted");
        } catch (ExecutionException e) {
            throw unreachable(owner, e.getCause().getMessage());
        }
        QueryStringEncoder target = new QueryStringEncoder(postPath != null ? postPath : request.path());
        if (postPath == null) {
            request.query().forEach((name, values) -> values.forEach(v -> target.addParam(name, v)));
        }
        byte[] sent = postPath != null ? new byte[0] : request.body();
        HttpRequest.Builder call = HttpRequest.newBuilder(URI.create("http://" + hostPort(api) + target))
                .timeout(CALL_TIMEOUT)
                .method(postPath != null ? "POST" : request.method().name(), sent.length == 0
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(sent))
                .header("Authorization", "Bearer " + caller.sessionToken())
                .header(ClusterHop.HEADER, hop.headerValue());
        if (postPath == null) {
            request.header("Content-Type").ifPresent(t -> call.header("Content-Type", t));
        }
        HttpResponse<byte[]> answer;
        try {
            answer = http.send(call.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            LOG.warn("{} {}: node {} at {} did not answer: {}", request.method(), target, owner,
                    hostPort(api), e.toString());
            throw unreachable(owner, "it did not answer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(owner, "interrupted");
        }
        if (answer.statusCode() / 100 == 2) {
            forwarded.run();
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        answer.headers().firstValue("Retry-After").ifPresent(v -> headers.add(Map.entry("Retry-After", v)));
        headers.add(Map.entry("X-PicoBase-Node", owner));
        JsonNode body;
        try {
            body = answer.body().length == 0 ? null : Json.MAPPER.readTree(answer.body());
        } catch (IOException e) {
            throw unreachable(owner, "it answered " + answer.statusCode() + " without JSON");
        }
        return new ApiResponse(HttpResponseStatus.valueOf(answer.statusCode()), body, List.copyOf(headers));
    }

    /** The owner cannot be reached: its lease lapses within the TTL, after which this node acts itself. */
    private ApiException unreachable(String owner, String why) {
        return new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "owner_unreachable", "node " + owner
                + " runs this instance but cannot be reached (" + why + "); try again once its lease lapses",
                null, Map.of("Retry-After", Long.toString(Math.max(1, leaseTtl.toSeconds()))));
    }

    private static String hostPort(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
