package dev.picobase.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.config.GatewayConfig;
import dev.picobase.proxy.GatewayMetrics;
import dev.picobase.proxy.routing.HostNames;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.File;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The warm-up's loopback requests go through the gateway's own pipeline on its own event loops, are
 * admitted for its own tenant with a valid key and all answered, counted by the metrics meant for them
 * and not by the gateway's; it leaves no socket open behind it, and a warm-up that cannot run never
 * stops a start.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WarmupTest {
    private static final HostNames HOSTS = new HostNames("example.test");
    private static final boolean EPOLL = Epoll.isAvailable();
    private static final GatewayConfig CONFIG = new GatewayConfig(Duration.ofSeconds(5), Duration.ofSeconds(2),
            Duration.ofSeconds(10), 4096, 8192, 2);
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2,
            EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    private final Class<? extends ServerChannel> serverChannel = EPOLL ? EpollServerSocketChannel.class
            : NioServerSocketChannel.class;
    private final Class<? extends Channel> clientChannel = EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private Warmup.Listen listen() {
        return (address, init) -> new ServerBootstrap().group(group).channel(serverChannel)
                .childOption(ChannelOption.AUTO_READ, false).childHandler(init).bind(address).sync().channel();
    }

    @Test
    void everyRequestIsAnsweredThroughTheGatewayPipelineAndNothingIsLeftOpen() throws Exception {
        group.forEach(loop -> loop.submit(() -> { }).syncUninterruptibly()); // the loops' own descriptors exist
        int before = openDescriptors();

        AtomicInteger countedByTheGateway = new AtomicInteger();
        AtomicInteger countedForTheWarmup = new AtomicInteger();
        GatewayMetrics metrics = new GatewayMetrics() {
            @Override
            public void requestCompleted(int statusCode, long nanos, boolean cold) {
                countedByTheGateway.incrementAndGet();
            }

            @Override
            public GatewayMetrics forWarmup() {
                return (statusCode, nanos, cold) -> {
                    if (statusCode / 100 == 2) {
                        countedForTheWarmup.incrementAndGet();
                    }
                };
            }
        };

        int answered = Warmup.run(3_000, CONFIG, HOSTS, metrics, group, listen(), clientChannel);

        assertThat(answered).as("every kind of request answered 2xx: a failed one would end its connection")
                .isEqualTo(3_000);
        assertThat(countedForTheWarmup.get()).as("admitted with its tenant's key and counted as exchanges")
                .isEqualTo(3_000);
        assertThat(countedByTheGateway.get()).as("the gateway's own metrics see none of them").isZero();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (openDescriptors() > before && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(openDescriptors()).as("listeners, client, gateway and pooled backend connections closed")
                .isLessThanOrEqualTo(before);
    }

    @Test
    void aWarmUpThatCannotListenIsGivenUpWithoutFailingTheStart() {
        int answered = Warmup.run(100, CONFIG, HOSTS, GatewayMetrics.NONE, group, (address, init) -> {
            throw new IllegalStateException("no port for the warm-up");
        }, clientChannel);

        assertThat(answered).isZero();
    }

    @Test
    void noWarmUpWasAskedForNoneRuns() {
        assertThat(Warmup.run(0, CONFIG, HOSTS, GatewayMetrics.NONE, group, listen(), clientChannel)).isZero();
    }

    private static int openDescriptors() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? 0 : fds.length;
    }
}
