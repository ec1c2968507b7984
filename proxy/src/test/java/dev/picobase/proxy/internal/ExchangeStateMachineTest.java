package dev.picobase.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.config.GatewayConfig;
import dev.picobase.core.model.Instance;
import dev.picobase.core.model.User;
import dev.picobase.core.secret.ApiKeySecret;
import dev.picobase.core.secret.Passwords;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.SqliteFileBackend;
import dev.picobase.proxy.Backends;
import dev.picobase.proxy.ClusterHop;
import dev.picobase.proxy.GatewayMetrics;
import dev.picobase.proxy.RateLimits;
import dev.picobase.proxy.TrustedProxies;
import dev.picobase.proxy.keys.ApiKeyVerifier;
import dev.picobase.proxy.routing.HostNames;
import dev.picobase.proxy.routing.RouteTable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy's state machine driven message by message, with both connections in memory
 * ({@link EmbeddedChannel}): the client's with the gateway's own pipeline ({@link ProxyContext#initChannel}),
 * each backend connection with the pool's ({@link BackendPool#initPipeline}). Admission is the real one
 * (route table and key verifier over a SQLite store), run on the calling thread. A handler at the head of
 * each pipeline counts the reads asked for, which is how flow control shows.
 */
class ExchangeStateMachineTest {
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(10);
    private static final InetSocketAddress POCKETBASE = InetSocketAddress.createUnresolved("pocketbase", 8090);

    @TempDir
    static Path dir;
    private static MetadataStore store;
    private static RouteTable routes;
    private static ApiKeyVerifier keys;
    private static String key;

    private final List<EmbeddedChannel> backends = new ArrayList<>();
    private final List<Reads> backendReads = new ArrayList<>();
    private final AtomicLong ended = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();
    private ProxyContext context;
    private EmbeddedChannel client;
    private Reads clientReads;

    @BeforeAll
    static void tenant() {
        store = MetadataStore.open(new SqliteFileBackend(dir.resolve("m.db")), Clock.systemUTC());
        User owner = store.createUser("Ada", "ada@example.com", "x").orElseThrow();
        Instance app = store.createInstance(owner.id(), "App", "app").orElseThrow();
        Passwords passwords = new Passwords(4);
        ApiKeySecret secret = ApiKeySecret.generate();
        store.createApiKey(app.id(), secret.publicId(), "test", passwords.hash(secret.secret()), secret.lastFour());
        key = secret.fullKey();
        routes = new RouteTable(store, Runnable::run, Duration.ofSeconds(5));
        routes.loadAll();
        keys = new ApiKeyVerifier(store, passwords, Runnable::run, Duration.ofMinutes(1));
    }

    @AfterAll
    static void close() {
        store.close();
    }

    @BeforeEach
    void connect() throws Exception {
        Backends target = new Backends() {
            @Override
            public CompletableFuture<Target> targetFor(String instanceId) {
                return CompletableFuture.completedFuture(new Target(POCKETBASE, null));
            }

            @Override
            public void exchangeEnded(String instanceId, long in, long out) {
                ended.incrementAndGet();
                bytesIn.addAndGet(in);
                bytesOut.addAndGet(out);
            }
        };
        BackendPool pool = new BackendPool((loop, address) -> {
            EmbeddedChannel backend = new EmbeddedChannel(false, false);
            Reads reads = new Reads();
            backend.pipeline().addLast(reads);
            BackendPool.initPipeline(backend.pipeline(), 30);
            backend.config().setAutoRead(false);
            try {
                backend.register();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            backends.add(backend);
            backendReads.add(reads);
            return backend.newSucceededFuture();
        });
        GatewayConfig config = new GatewayConfig(Duration.ofSeconds(5), Duration.ofSeconds(2), RESPONSE_TIMEOUT,
                4096, 8192, 1);
        context = new ProxyContext(config, pool, new Admission(new HostNames("localhost"), routes, keys, target,
                false, ClusterHop.OFF, RateLimits.NONE), keys::revokedLately, target, GatewayMetrics.NONE,
                TrustedProxies.NONE);
        client = new EmbeddedChannel(false, false);
        clientReads = new Reads();
        client.pipeline().addLast(clientReads);
        context.initChannel(client);
        client.config().setAutoRead(false);
        client.register();
    }

    @AfterEach
    void disconnect() {
        client.finishAndReleaseAll();
        backends.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    @Test
    void pipelinedRequestsGoOneAtATimeOverOneBackendConnectionAndAreAnsweredInOrder() {
        client.writeInbound(ascii(get("/one") + get("/two")));

        assertThat(backends).hasSize(1);
        EmbeddedChannel backend = backends.get(0);
        String first = drain(backend);
        assertThat(first).startsWith("GET /one HTTP/1.1").doesNotContain("/two").doesNotContain(key);
        assertThat(drain(client)).as("nothing answered yet").isEmpty();

        backend.writeInbound(ascii(ok("first")));
        assertThat(drain(client)).startsWith("HTTP/1.1 200 OK").endsWith("first");
        assertThat(drain(backend)).as("the second request, on the same connection from the pool")
                .startsWith("GET /two HTTP/1.1");
        assertThat(backends).hasSize(1);

        backend.writeInbound(ascii(ok("second")));
        assertThat(drain(client)).startsWith("HTTP/1.1 200 OK").endsWith("second");
        assertThat(ended.get()).isEqualTo(2);
        assertThat(context.inFlight()).isZero();
        assertThat(client.isActive()).isTrue();
    }

    @Test
    void aClientThatLeavesMidExchangeClosesItsBackendConnectionAndEndsTheExchangeOnce() {
        client.writeInbound(ascii(get("/slow")));
        EmbeddedChannel backend = backends.get(0);
        assertThat(drain(backend)).startsWith("GET /slow");
        assertThat(context.inFlight()).isEqualTo(1);

        client.close();

        assertThat(backend.isActive()).as("the backend connection is not pooled half-read").isFalse();
        assertThat(context.inFlight()).isZero();
        assertThat(ended.get()).isEqualTo(1);
        assertThat(drain(client)).isEmpty();
    }

    @Test
    void expectContinueIsAnsweredOnceConnectedAndTheBodyFollowsItsHead() {
        client.writeInbound(ascii("POST /upload HTTP/1.1\r\nHost: app.localhost\r\napikey: " + key
                + "\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));

        assertThat(drain(client)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
        EmbeddedChannel backend = backends.get(0);
        String head = drain(backend);
        assertThat(head).startsWith("POST /upload HTTP/1.1").containsIgnoringCase("content-length: 5")
                .doesNotContainIgnoringCase("expect");

        client.writeInbound(ascii("hello"));
        assertThat(drain(backend)).isEqualTo("hello");
        backend.writeInbound(ascii(ok("stored")));
        assertThat(drain(client)).startsWith("HTTP/1.1 200 OK").endsWith("stored");
        assertThat(bytesIn.get()).isEqualTo(5);
    }

    @Test
    void aSwitchingProtocolsAnswerTurnsBothConnectionsIntoARelayOfBytes() {
        client.writeInbound(ascii("GET /ws HTTP/1.1\r\nHost: app.localhost\r\napikey: " + key
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n"));
        EmbeddedChannel backend = backends.get(0);
        assertThat(drain(backend)).containsIgnoringCase("upgrade: websocket").containsIgnoringCase("connection: upgrade");

        backend.writeInbound(ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"));
        assertThat(drain(client)).startsWith("HTTP/1.1 101 Switching Protocols")
                .containsIgnoringCase("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assertThat(client.pipeline().get(HttpServerCodec.class)).isNull();
        assertThat(client.pipeline().get(FrontendHandler.class)).isNull();
        assertThat(backend.pipeline().get("codec")).isNull();
        assertThat(backend.pipeline().get(BackendHandler.class)).isNull();

        client.writeInbound(ascii("\u0081\u0002hi"));
        assertThat(drain(backend)).isEqualTo("\u0081\u0002hi");
        backend.writeInbound(ascii("\u0081\u0003yes"));
        assertThat(drain(client)).isEqualTo("\u0081\u0003yes");
        assertThat(context.inFlight()).as("a tunnel is in flight until it closes").isEqualTo(1);

        backend.close();
        assertThat(client.isActive()).isFalse();
        assertThat(context.inFlight()).isZero();
        assertThat(ended.get()).isEqualTo(1);
        assertThat(bytesIn.get()).isEqualTo(4);
        assertThat(bytesOut.get()).isEqualTo(5);
    }

    @Test
    void aClientThatStopsReadingStopsTheBackendReadsAndIsClosedAfterTheResponseTimeout() {
        client.writeInbound(ascii(get("/download")));
        EmbeddedChannel backend = backends.get(0);
        Reads reads = backendReads.get(0);
        drain(backend);
        backend.writeInbound(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n"));
        assertThat(drain(client)).endsWith("first\r\n");
        int readsWhileWritable = reads.count;

        clientWritable(false);
        backend.writeInbound(ascii("6\r\nsecond\r\n"));
        assertThat(reads.count).as("no read from PocketBase while the client cannot take more")
                .isEqualTo(readsWhileWritable);

        clientWritable(true);
        assertThat(reads.count).as("the client drained: PocketBase is read again").isEqualTo(readsWhileWritable + 1);
        assertThat(drain(client)).endsWith("second\r\n");

        clientWritable(false);
        backend.writeInbound(ascii("5\r\nthird\r\n"));
        backend.advanceTimeBy(RESPONSE_TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        backend.runScheduledPendingTasks();
        assertThat(client.isActive()).isTrue();
        backend.advanceTimeBy(2, TimeUnit.MILLISECONDS);
        backend.runScheduledPendingTasks();
        assertThat(client.isActive()).as("a client that reads nothing for the response timeout").isFalse();
        assertThat(backend.isActive()).isFalse();
        assertThat(context.inFlight()).isZero();
    }

    @Test
    void aBackendThatCannotTakeMoreOfTheBodyStopsTheClientReads() {
        client.writeInbound(ascii("PUT /big HTTP/1.1\r\nHost: app.localhost\r\napikey: " + key
                + "\r\nContent-Length: 10\r\n\r\nabc"));
        EmbeddedChannel backend = backends.get(0);
        assertThat(drain(backend)).startsWith("PUT /big").endsWith("abc");
        int readsWhileWritable = clientReads.count;

        backendWritable(backend, false);
        client.writeInbound(ascii("defg"));
        assertThat(drain(backend)).isEqualTo("defg");
        assertThat(clientReads.count).as("no client read while PocketBase's connection is full")
                .isEqualTo(readsWhileWritable);

        backendWritable(backend, true);
        assertThat(clientReads.count).isEqualTo(readsWhileWritable + 1);
        client.writeInbound(ascii("hij"));
        assertThat(drain(backend)).isEqualTo("hij");
        backend.writeInbound(ascii(ok("done")));
        assertThat(drain(client)).endsWith("done");
        assertThat(bytesIn.get()).isEqualTo(10);
    }

    /** As when the client's socket buffer fills, or drains (Netty tells the pipeline on its next turn). */
    @Test
    void aBurstIsServedOverABoundedSetOfConnectionsHandedOnAsTheyFree() throws Exception {
        List<EmbeddedChannel> clients = new ArrayList<>();
        clients.add(client);
        for (int i = 1; i <= BackendPool.MAX_BUSY_PER_BACKEND; i++) {
            clients.add(newClient());
        }
        for (int i = 0; i < clients.size(); i++) {
            clients.get(i).writeInbound(ascii(get("/burst/" + i)));
        }
        assertThat(backends).as("one connection per request up to the bound").hasSize(BackendPool.MAX_BUSY_PER_BACKEND);
        EmbeddedChannel last = clients.get(clients.size() - 1);

        EmbeddedChannel stream = newClient();
        stream.writeInbound(ascii("GET /api/realtime HTTP/1.1\r\nHost: app.localhost\r\napikey: " + key + "\r\n\r\n"));
        assertThat(backends).as("a stream is not made to wait: it gets a connection of its own")
                .hasSize(BackendPool.MAX_BUSY_PER_BACKEND + 1);
        assertThat(drain(backends.get(BackendPool.MAX_BUSY_PER_BACKEND))).startsWith("GET /api/realtime");

        EmbeddedChannel first = backends.get(0);
        assertThat(drain(first)).startsWith("GET /burst/0 ");
        first.writeInbound(ascii(ok("zero")));
        assertThat(drain(client)).endsWith("zero");
        assertThat(drain(first)).as("the waiting request, on the connection just freed")
                .startsWith("GET /burst/" + BackendPool.MAX_BUSY_PER_BACKEND + " ");
        first.writeInbound(ascii(ok("last")));
        assertThat(drain(last)).endsWith("last");
        assertThat(backends).hasSize(BackendPool.MAX_BUSY_PER_BACKEND + 1);

        assertThat(ended.get()).isEqualTo(2);
        clients.forEach(EmbeddedChannel::finishAndReleaseAll);
        stream.finishAndReleaseAll();
    }

    @Test
    void aRequestWaitsForABusyConnectionAtMostAQuarterSecondThenGetsItsOwn() throws Exception {
        List<EmbeddedChannel> clients = new ArrayList<>();
        clients.add(client);
        for (int i = 1; i <= BackendPool.MAX_BUSY_PER_BACKEND; i++) {
            clients.add(newClient());
        }
        for (int i = 0; i < clients.size(); i++) {
            clients.get(i).writeInbound(ascii(get("/slow/" + i)));
        }
        assertThat(backends).hasSize(BackendPool.MAX_BUSY_PER_BACKEND); // every one busy: the last waits
        EmbeddedChannel waiting = clients.get(clients.size() - 1);

        waiting.advanceTimeBy(BackendPool.MAX_WAIT_MILLIS - 1, TimeUnit.MILLISECONDS);
        waiting.runScheduledPendingTasks();
        assertThat(backends).hasSize(BackendPool.MAX_BUSY_PER_BACKEND);
        waiting.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        waiting.runScheduledPendingTasks();
        waiting.runPendingTasks();

        assertThat(backends).as("held no longer than the wait: a connection of its own")
                .hasSize(BackendPool.MAX_BUSY_PER_BACKEND + 1);
        EmbeddedChannel own = backends.get(BackendPool.MAX_BUSY_PER_BACKEND);
        assertThat(drain(own)).startsWith("GET /slow/" + BackendPool.MAX_BUSY_PER_BACKEND + " ");
        own.writeInbound(ascii(ok("served")));
        assertThat(drain(waiting)).endsWith("served");
        clients.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private EmbeddedChannel newClient() throws Exception {
        EmbeddedChannel c = new EmbeddedChannel(false, false);
        context.initChannel(c);
        c.config().setAutoRead(false);
        c.register();
        return c;
    }

    private void clientWritable(boolean writable) {
        client.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
        client.runPendingTasks();
    }

    private static void backendWritable(EmbeddedChannel backend, boolean writable) {
        backend.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
        backend.runPendingTasks();
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: app.localhost\r\napikey: " + key + "\r\n\r\n";
    }

    private static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** Everything written to {@code channel}'s peer so far, as text. */
    private static String drain(EmbeddedChannel channel) {
        StringBuilder out = new StringBuilder();
        Object m;
        while ((m = channel.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) m;
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    /** Counts the reads asked of its channel. */
    private static final class Reads extends ChannelOutboundHandlerAdapter {
        int count;

        @Override
        public void read(ChannelHandlerContext ctx) {
            count++;
            ctx.read();
        }
    }
}
