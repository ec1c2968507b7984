package dev.picobase.bench.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The relay simulates a far metadata database, so its delay must hold for every byte and must not
 * reorder or lose any. What could go wrong: a chunk written before its due time (the figures would
 * flatter the platform), chunks reordered by the scheduling, bytes lost or duplicated under a large
 * transfer, a half-close not passed on (a client waiting forever for the end of a response). The
 * upstream here is an echo server, so every byte crosses the relay twice: each numbered message must
 * come back whole, in order, and no sooner than two delays after it was sent. How much later it comes
 * is not asserted: that is a benchmark's business, not a test's.
 */
@Timeout(60)
class DelayRelayKeepsOrderAndNeverDeliversEarlyTest {
    private static final Duration ONE_WAY = Duration.ofMillis(20);

    private ServerSocket echo;
    private Thread echoThread;

    @BeforeEach
    void startEchoServer() throws IOException {
        echo = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        echoThread = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread t = new Thread(() -> echo(s));
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        echoThread.setDaemon(true);
        echoThread.start();
    }

    private static void echo(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            in.transferTo(out);
            s.shutdownOutput(); // the half-close comes back too
        } catch (IOException ignored) {
            // the client went away
        }
    }

    @AfterEach
    void stopEchoServer() throws IOException {
        echo.close();
    }

    private InetSocketAddress echoAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.getLocalPort());
    }

    @Test
    void numberedMessagesComeBackInOrderNoSoonerThanTwoDelays() throws Exception {
        int messages = 200;
        long[] sentAt = new long[messages];
        try (DelayRelay relay = DelayRelay.start(echoAddress(), ONE_WAY);
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < messages; i++) {
                        sentAt[i] = System.nanoTime();
                        out.write(ByteBuffer.allocate(16).putInt(i).putLong(sentAt[i]).putInt(~i).array());
                        out.flush();
                        if (i % 20 == 0) {
                            Thread.onSpinWait();
                        }
                    }
                    socket.shutdownOutput();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            for (int i = 0; i < messages; i++) {
                int number = in.readInt();
                long sent = in.readLong();
                int check = in.readInt();
                long arrived = System.nanoTime();
                assertThat(number).as("message order").isEqualTo(i);
                assertThat(check).as("message intact").isEqualTo(~i);
                assertThat(arrived - sent).as("message %d came back after %d µs", i, (arrived - sent) / 1000)
                        .isGreaterThanOrEqualTo(2 * ONE_WAY.toNanos());
            }
            assertThat(in.read()).as("the echo server's half-close reached the client").isEqualTo(-1);
            writer.join();
        }
    }

    @Test
    void aLargeTransferArrivesWholeAndInOrder() throws Exception {
        byte[] data = new byte[8 * 1024 * 1024];
        new SplittableRandom(7).nextBytes(data);
        try (DelayRelay relay = DelayRelay.start(echoAddress(), Duration.ofMillis(2));
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), relay.port())) {
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    for (int at = 0; at < data.length; at += 1000) {
                        out.write(data, at, Math.min(1000, data.length - at));
                    }
                    socket.shutdownOutput();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            byte[] back = socket.getInputStream().readAllBytes();
            writer.join();

            assertThat(back).hasSize(data.length);
            assertThat(back).isEqualTo(data);
            assertThat(relay.requests()).as("no HTTP in these bytes, and nothing taken for a request").isEmpty();
            assertThat(relay.unparsedConnections()).as("the relay says it could not count on this connection")
                    .isEqualTo(1);
        }
    }
}
