package dev.picobase.api.testsupport;

import dev.picobase.testsupport.ChildProcesses;
import dev.picobase.testsupport.Deadline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A real dnsmasq (Debian package {@code dnsmasq-base}) on a loopback port, answering TXT records
 * and nothing else (no upstream, no hosts file): the DNS that custom-domain tests verify against.
 * Records are given on its command line, so changing them restarts it on the same port
 * ({@link #serve}); a test polls for the change to be seen rather than assuming when.
 *
 * <p>Threading: one test thread; {@link #close()} stops the process.
 */
public final class Dnsmasq implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final Map<String, String> records = new TreeMap<>();
    private Process process;
    private int starts;

    public Dnsmasq(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    public int port() {
        return port;
    }

    /** Serves {@code name} TXT {@code value} from now on (besides the records already served). */
    public Dnsmasq serve(String name, String value) {
        records.put(name, value);
        return restart();
    }

    /** Stops serving {@code name}: it answers NXDOMAIN from now on. */
    public Dnsmasq remove(String name) {
        records.remove(name);
        return restart();
    }

    private Dnsmasq restart() {
        stop();
        List<String> command = new ArrayList<>(List.of("dnsmasq", "--no-daemon", "--port=" + port,
                "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                "--conf-file=/dev/null", "--log-facility=-", "--pid-file=", "--user=" + System.getProperty("user.name")));
        records.forEach((name, value) -> command.add("--txt-record=" + name + "," + value));
        try {
            Files.createDirectories(dir);
            Path log = dir.resolve("dnsmasq-" + (++starts) + ".log");
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            // It logs "started" once its sockets are bound; a port still held by the last run fails it.
            Deadline.await("dnsmasq listening on 127.0.0.1:" + port, Duration.ofSeconds(10), () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("dnsmasq exited: " + read(log));
                }
                return read(log).contains("started");
            });
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start dnsmasq (Debian package dnsmasq-base; ./picobase test "
                    + "installs it)", e);
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    private void stop() {
        if (process != null) {
            ChildProcesses.stop(process);
            process = null;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
