package dev.picobase.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.process.PocketBaseProcess;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.InstanceRuntimeFixture;
import dev.picobase.testsupport.Tools;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartedInstanceServesOnLoopbackOnlyTest {
    @TempDir
    Path dataDir;

    private InstanceRuntimeFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = InstanceRuntimeFixture.create(dataDir);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void healthAnswersOnTheReportedPortOnceStartReturns() {
        PocketBaseProcess pb = fixture.runtime().start("alpha");

        assertThat(InstanceRuntimeFixture.get(pb.port(), "/api/health")).isEqualTo(200);
        assertThat(pb.instanceId()).isEqualTo("alpha");
        assertThat(pb.pid()).isPositive();
        assertThat(pb.bootDuration()).isPositive().isLessThan(Duration.ofSeconds(20));
        assertThat(pb.startedAt()).isNotNull();
        assertThat(fixture.ports().isLeased(pb.port())).isTrue();
        assertThat(fixture.runtime().running("alpha")).contains(pb);
        assertThat(fixture.directories().pbData("alpha").resolve("data.db")).isRegularFile();
    }

    @Test
    void theProcessListensOnLoopbackAndNowhereElse() throws IOException {
        int port = fixture.runtime().start("alpha").port();

        assertThat(listeners("/proc/net/tcp", port)).containsExactly("0100007F");
        assertThat(listeners("/proc/net/tcp6", port)).isEmpty();
        for (InetAddress address : nonLoopbackIpv4()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, port), 1000);
                throw new AssertionError("PocketBase answered on " + address);
            } catch (IOException refused) {
                // expected: nothing listens there
            }
        }
    }

    @Test
    void linesPocketBasePrintsShowUpInTheLogs() {
        int port = fixture.runtime().start("alpha").port();

        Deadline.await("the start-up line in the logs", Duration.ofSeconds(5), () -> fixture.runtime().logs("alpha", 50)
                .stream().anyMatch(l -> l.contains("Server started at http://127.0.0.1:" + port)));
        assertThat(fixture.directories().logFile("alpha")).content().contains("Server started at");
    }

    @Test
    void nothingIsWrittenOutsideTheInstanceDirectory() throws IOException {
        fixture.runtime().start("alpha");
        fixture.runtime().stop("alpha");

        Path instanceDir = fixture.directories().instanceDir("alpha");
        try (Stream<Path> files = Files.walk(dataDir)) {
            assertThat(files.filter(Files::isRegularFile)).allMatch(f -> f.startsWith(instanceDir));
        }
        Path binaryDir = Tools.pocketbase().getParent();
        assertThat(binaryDir.resolve("pb_data")).doesNotExist();
        assertThat(binaryDir.resolve("pb_public")).doesNotExist();
        assertThat(binaryDir.resolve("pb_migrations")).doesNotExist();
    }

    /** Local addresses (hex, as the kernel prints them) of sockets listening on {@code port}. */
    private static List<String> listeners(String table, int port) throws IOException {
        String hexPort = String.format(Locale.ROOT, "%04X", port);
        try (Stream<String> lines = Files.lines(Path.of(table))) {
            return lines.skip(1).map(String::trim).map(l -> l.split("\\s+"))
                    .filter(f -> f[3].equals("0A") && f[1].endsWith(":" + hexPort))
                    .map(f -> f[1].substring(0, f[1].indexOf(':')))
                    .toList();
        }
    }

    private static List<InetAddress> nonLoopbackIpv4() throws IOException {
        return NetworkInterface.networkInterfaces()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .toList();
    }
}
