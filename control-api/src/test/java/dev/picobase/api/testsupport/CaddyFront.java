package dev.picobase.api.testsupport;

import dev.picobase.testsupport.ChildProcesses;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real Caddy (Debian package {@code caddy}) in front of a platform, run with the shipped
 * {@code config/Caddyfile}: its {@code {$...}} placeholders set through the environment (free high
 * ports, the platform's API and gateway, Pebble's directory, admin off), and one line added, the
 * {@code acme_ca_root} that makes Caddy trust Pebble's listener. Its storage (certificates) is under
 * the test's directory, never root's.
 *
 * <p>Threading: one test thread; {@link #close()} stops the process.
 */
public final class CaddyFront implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int httpsPort;

    private CaddyFront(Process process, Path dir, int httpsPort) {
        this.process = process;
        this.dir = dir;
        this.httpsPort = httpsPort;
    }

    public static CaddyFront start(Path dir, int apiPort, int gatewayPort, Pebble pebble) {
        try {
            Files.createDirectories(dir.resolve("xdg"));
            String shipped = Files.readString(RepoFiles.path("config/Caddyfile"));
            String caddyfile = shipped.replaceFirst("(?m)^(\\s*)acme_ca (.*)$",
                    "$1acme_ca $2\n$1acme_ca_root " + pebble.listenerCa());
            if (caddyfile.equals(shipped)) {
                throw new AssertionError("config/Caddyfile has no acme_ca line");
            }
            Path file = dir.resolve("Caddyfile");
            Files.writeString(file, caddyfile);
            int http = FreePorts.next();
            int https = FreePorts.next();
            ProcessBuilder builder = new ProcessBuilder(List.of("caddy", "run", "--config", file.toString(),
                    "--adapter", "caddyfile")).redirectErrorStream(true).redirectOutput(dir.resolve("caddy.log").toFile());
            builder.environment().putAll(java.util.Map.of("CADDY_ADMIN", "off", "CADDY_HTTP_PORT", "" + http,
                    "CADDY_HTTPS_PORT", "" + https, "ACME_CA", pebble.directory(),
                    "PICOBASE_API", "127.0.0.1:" + apiPort, "PICOBASE_GATEWAY", "127.0.0.1:" + gatewayPort,
                    "XDG_DATA_HOME", dir.resolve("xdg").toString(), "XDG_CONFIG_HOME", dir.resolve("xdg").toString(),
                    "HOME", dir.toString()));
            CaddyFront caddy = new CaddyFront(builder.start(), dir, https);
            Deadline.await("Caddy listening on " + https, Duration.ofSeconds(20), () -> {
                if (!caddy.process.isAlive()) {
                    throw new AssertionError("caddy exited: " + caddy.log());
                }
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", https), 500);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
            return caddy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start caddy (Debian package caddy; ./picobase test installs it)", e);
        }
    }

    public int httpsPort() {
        return httpsPort;
    }

    /** Caddy's log so far (JSON lines). */
    public String log() {
        try {
            return Files.readString(dir.resolve("caddy.log"));
        } catch (IOException e) {
            return "";
        }
    }

    /** The certificates Caddy holds in its storage, by name (a directory per certificate). */
    public List<String> certificateNames() {
        Path certs = dir.resolve("xdg/caddy/certificates");
        if (!Files.isDirectory(certs)) {
            return List.of();
        }
        try (var issuers = Files.list(certs)) {
            return issuers.flatMap(issuer -> {
                try {
                    return Files.list(issuer).map(p -> p.getFileName().toString()).toList().stream();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        ChildProcesses.stop(process);
    }
}
