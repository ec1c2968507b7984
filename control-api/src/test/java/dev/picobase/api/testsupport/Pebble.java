package dev.picobase.api.testsupport;

import dev.picobase.testsupport.ChildProcesses;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real Pebble (Debian package {@code pebble}), Let's Encrypt's ACME test server, on loopback ports
 * with every challenge taken as valid ({@code PEBBLE_VA_ALWAYS_VALID}): Caddy obtains real
 * certificates from it without anyone reaching ports 80/443. Its own HTTPS listener uses a CA made
 * here with openssl ({@link #listenerCa}, for Caddy's {@code acme_ca_root}); the root it issues
 * certificates under is read from its management port ({@link #issuingRoot}, for curl's
 * {@code --cacert}).
 *
 * <p>Threading: one test thread; {@link #close()} stops the process.
 */
public final class Pebble implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int port;
    private final int managementPort;

    private Pebble(Process process, Path dir, int port, int managementPort) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.managementPort = managementPort;
    }

    public static Pebble start(Path dir) {
        try {
            Files.createDirectories(dir);
            Curl.run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
                    "ca.pem", "-days", "2", "-subj", "/CN=PicoBase test Pebble listener CA");
            Curl.run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "listener.csr",
                    "-subj", "/CN=localhost");
            Files.writeString(dir.resolve("listener.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
            Curl.run(dir, "openssl", "x509", "-req", "-in", "listener.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-out", "cert.pem", "-days", "2", "-extfile", "listener.ext");
            int port = FreePorts.next();
            int management = FreePorts.next();
            Path config = dir.resolve("pebble.json");
            Files.writeString(config, """
                    {"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
                      "certificate": "%s", "privateKey": "%s", "httpPort": %d, "tlsPort": %d,
                      "ocspResponderURL": "", "externalAccountBindingRequired": false}}
                    """.formatted(port, management, dir.resolve("cert.pem"), dir.resolve("key.pem"), FreePorts.next(),
                    FreePorts.next()));
            ProcessBuilder builder = new ProcessBuilder(List.of("pebble", "-config", config.toString()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("pebble.log").toFile());
            builder.environment().put("PEBBLE_VA_ALWAYS_VALID", "1");
            builder.environment().put("PEBBLE_VA_NOSLEEP", "1");
            builder.environment().put("PEBBLE_WFE_NONCEREJECT", "0");
            Pebble pebble = new Pebble(builder.start(), dir, port, management);
            Deadline.await("Pebble serving its issuing root", Duration.ofSeconds(20), () -> {
                if (!pebble.process.isAlive()) {
                    throw new AssertionError("pebble exited; see " + dir.resolve("pebble.log"));
                }
                return Curl.run(dir, "curl", "-sf", "--cacert", pebble.listenerCa().toString(), "-o", "issuing-root.pem",
                        "https://127.0.0.1:" + management + "/roots/0").exitCode() == 0;
            });
            return pebble;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start pebble (Debian package pebble; ./picobase test installs it)", e);
        }
    }

    /** The ACME directory. */
    public String directory() {
        return "https://127.0.0.1:" + port + "/dir";
    }

    /** The CA of Pebble's own HTTPS listener (Caddy's {@code acme_ca_root}). */
    public Path listenerCa() {
        return dir.resolve("ca.pem");
    }

    /** The root Pebble issues certificates under (curl's {@code --cacert}). */
    public Path issuingRoot() {
        return dir.resolve("issuing-root.pem");
    }

    @Override
    public void close() {
        ChildProcesses.stop(process);
    }
}
