package dev.picobase.proxy.testsupport;

import dev.picobase.testsupport.RawHttp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.picobase.config.GatewayConfig;
import dev.picobase.core.model.ApiKey;
import dev.picobase.core.model.Instance;
import dev.picobase.core.model.User;
import dev.picobase.core.secret.ApiKeySecret;
import dev.picobase.core.secret.Passwords;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqliteFileBackend;
import dev.picobase.proxy.Backends;
import dev.picobase.proxy.Gateway;
import dev.picobase.proxy.keys.ApiKeyVerifier;
import dev.picobase.proxy.routing.HostNames;
import dev.picobase.proxy.routing.RouteTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A running gateway in front of a {@link TestBackend}, for a test class: a temporary SQLite metadata
 * store with two instances ({@code app} and {@code other}) and one valid key each, the real route
 * table, key verifier and {@link Gateway} on 127.0.0.1 port 0. Register it with
 * {@code @RegisterExtension static final GatewayFixture gateway = GatewayFixture.create();}.
 * Between tests the backend's counters and latch are reset and {@link #backends} goes back to the
 * test backend.
 */
public final class GatewayFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
    static {
        // java.net.http refuses to send a Host header of the caller's choice unless told otherwise;
        // read once, when the HttpClient implementation first loads.
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private Duration headTimeout = Duration.ofSeconds(5);
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration responseTimeout = Duration.ofSeconds(10);
    private int maxInitialLineBytes = 4096;
    private int maxHeaderBytes = 8192;
    private java.util.function.UnaryOperator<GatewayConfig> configure = c -> c;
    private boolean secureCookies;
    private dev.picobase.proxy.ClusterHop hops = dev.picobase.proxy.ClusterHop.OFF;

    private Path dir;
    private ExecutorService blocking;
    private MetadataStore store;
    private TestBackend backend;
    private ApiKeyVerifier verifier;
    private Gateway server;
    private HttpClient http;
    private volatile Backends backendsOverride;
    private volatile boolean shutDown;

    private String appId;
    private String otherId;
    private String appKey;
    private ApiKey appKeyRow;
    private String otherKey;

    private GatewayFixture() {}

    public static GatewayFixture create() {
        return new GatewayFixture();
    }

    public GatewayFixture headTimeout(Duration d) {
        this.headTimeout = d;
        return this;
    }

    public GatewayFixture responseTimeout(Duration d) {
        this.responseTimeout = d;
        return this;
    }

    public GatewayFixture limits(int initialLineBytes, int headerBytes) {
        this.maxInitialLineBytes = initialLineBytes;
        this.maxHeaderBytes = headerBytes;
        return this;
    }

    /** Adjusts the gateway's configuration (limits, trusted proxies) before it starts. */
    public GatewayFixture configure(java.util.function.UnaryOperator<GatewayConfig> change) {
        this.configure = change;
        return this;
    }

    /** Marks the key cookie {@code Secure}, as {@code PICOBASE_SECURE_COOKIES=true} does. */
    public GatewayFixture secureCookies(boolean secure) {
        this.secureCookies = secure;
        return this;
    }

    /** Accepts and sends cluster hops authenticated by {@code secret}, as {@code PICOBASE_CLUSTER_SECRET} does. */
    public GatewayFixture clusterSecret(String secret) {
        this.hops = dev.picobase.proxy.ClusterHop.of(java.util.Optional.of(secret));
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("picobase-gateway-test");
        blocking = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "test-blocking");
            t.setDaemon(true);
            return t;
        });
        store = MetadataStore.open(new SqliteFileBackend(dir.resolve("m.db")), Clock.systemUTC());
        User owner = store.createUser("Ada", "ada@example.com", "x").orElseThrow();
        Instance app = store.createInstance(owner.id(), "App", "app").orElseThrow();
        Instance other = store.createInstance(owner.id(), "Other", "other").orElseThrow();
        appId = app.id();
        otherId = other.id();
        Passwords passwords = new Passwords(10);
        ApiKeySecret a = ApiKeySecret.generate();
        appKeyRow = store.createApiKey(appId, a.publicId(), "test", passwords.hash(a.secret()), a.lastFour());
        appKey = a.fullKey();
        ApiKeySecret o = ApiKeySecret.generate();
        store.createApiKey(otherId, o.publicId(), "test", passwords.hash(o.secret()), o.lastFour());
        otherKey = o.fullKey();

        backend = new TestBackend();
        RouteTable routes = new RouteTable(store, blocking, Duration.ofSeconds(5));
        routes.loadAll();
        verifier = new ApiKeyVerifier(store, passwords, blocking, Duration.ofSeconds(1));
        Backends backends = new Backends() {
            @Override
            public CompletableFuture<Target> targetFor(String instanceId) {
                Backends override = backendsOverride;
                return override != null ? override.targetFor(instanceId)
                        : CompletableFuture.completedFuture(new Target(backend.address(), null));
            }

            @Override
            public void exchangeEnded(String instanceId) {
                Backends override = backendsOverride;
                if (override != null) {
                    override.exchangeEnded(instanceId);
                }
            }
        };
        GatewayConfig config = configure.apply(new GatewayConfig(headTimeout, connectTimeout, responseTimeout,
                maxInitialLineBytes, maxHeaderBytes, 2));
        server = Gateway.builder().config(config).hosts(new HostNames("localhost")).routes(routes).keys(verifier)
                .backends(backends).secureCookies(secureCookies).hops(hops).start("127.0.0.1", 0);
        http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        backend.reset();
        backendsOverride = null;
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (server != null && !shutDown) {
            server.shutdown(Duration.ofMillis(200));
        }
        if (backend != null) {
            backend.close();
        }
        if (store != null) {
            store.close();
        }
        blocking.shutdownNow();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    // ---- accessors ------------------------------------------------------------------------------

    public int port() {
        return server.port();
    }

    public Gateway server() {
        return server;
    }

    /** Shuts the gateway down (once; the fixture will not do it again). */
    public void shutdown(Duration grace) {
        shutDown = true;
        server.shutdown(grace);
    }

    public TestBackend backend() {
        return backend;
    }

    public MetadataStore store() {
        return store;
    }

    public ApiKeyVerifier verifier() {
        return verifier;
    }

    /** The {@code Host} header value that routes to instance {@code app}. */
    public String appHost() {
        return "app.localhost:" + port();
    }

    public String appKey() {
        return appKey;
    }

    public ApiKey appKeyRow() {
        return appKeyRow;
    }

    public String appInstanceId() {
        return appId;
    }

    public String otherKey() {
        return otherKey;
    }

    /** Replaces where instances are found, until the next test. */
    public void backends(Backends override) {
        this.backendsOverride = override;
    }

    public RawHttp raw() {
        return RawHttp.connect(port());
    }

    /** A raw connection from loopback address {@code localAddress} (e.g. 127.0.0.2). */
    public RawHttp rawFrom(String localAddress) {
        return RawHttp.connectFrom(localAddress, port());
    }

    /** The {@code Host} header value that routes to instance {@code other}. */
    public String otherHost() {
        return "other.localhost:" + port();
    }

    // ---- java.net.http helpers ------------------------------------------------------------------

    /** A request to the gateway at {@code path} with the given Host header (no key). */
    public HttpRequest.Builder request(String host, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Host", host);
    }

    /** A GET to instance {@code app} with its key in the header. */
    public HttpRequest.Builder appRequest(String path) {
        return request(appHost(), path).header("apikey", appKey);
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public HttpClient http() {
        return http;
    }

    public static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }
}
