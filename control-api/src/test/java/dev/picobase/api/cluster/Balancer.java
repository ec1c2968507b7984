package dev.picobase.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Debian's real nginx in front of the nodes' gateways, run from the file the README ships
 * ({@code config/nginx-cluster.conf}) with only the upstream servers, the listen port, the server name
 * and file paths replaced — so what the tests prove holds for the file operators copy. With
 * {@code hash} the shipped {@code hash $host consistent} stays (each subdomain on one node); without,
 * that line is removed and nginx balances round-robin, so consecutive requests land on different nodes.
 * Everything nginx writes (pid, error log, temp files, its output) stays under the given directory.
 */
final class Balancer implements AutoCloseable {
    private final Process nginx;
    private final int port;
    private final Path dir;

    private Balancer(Process nginx, int port, Path dir) {
        this.nginx = nginx;
        this.port = port;
        this.dir = dir;
    }

    /** Starts nginx on a free loopback port in front of the gateways on {@code gatewayPorts}. */
    static Balancer start(Path dir, List<Integer> gatewayPorts, boolean hash) {
        try {
            Files.createDirectories(dir);
            int port = FreePorts.next();
            String servers = gatewayPorts.stream()
                    .map(p -> "server 127.0.0.1:" + p + " max_fails=1 fail_timeout=5s;")
                    .collect(Collectors.joining("\n    "));
            String conf = Files.readString(shippedConfig())
                    .replaceFirst("(?s)server 10\\.0\\.0\\.1:8080[^;]*;.*?server 10\\.0\\.0\\.3:8080[^;]*;", servers)
                    .replace("listen 80;", "listen 127.0.0.1:" + port + ";")
                    .replace("worker_processes auto;", "worker_processes 1;\npid " + dir.resolve("nginx.pid")
                            + ";\nerror_log " + dir.resolve("nginx-error.log") + ";")
                    .replace("server_name .example.com;", "server_name .localhost;")
                    .replace("http {", "http {\n  access_log off;");
            if (!hash) {
                assertThat(conf).contains("hash $host consistent;");
                conf = conf.replace("hash $host consistent;", "");
            }
            for (int p : gatewayPorts) {
                assertThat(conf).as("the upstream servers were replaced").contains("127.0.0.1:" + p);
            }
            Path file = dir.resolve("nginx.conf");
            Files.writeString(file, conf);
            Process nginx = new ProcessBuilder("nginx", "-g", "daemon off;", "-c", file.toString(), "-p", dir.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
            Balancer balancer = new Balancer(nginx, port, dir);
            try {
                Deadline.await("nginx to listen on port " + port, Duration.ofSeconds(10), balancer::listening);
            } catch (AssertionError e) {
                balancer.close();
                throw e;
            }
            return balancer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean listening() {
        if (!nginx.isAlive()) {
            throw new AssertionError("nginx exited with " + nginx.exitValue() + ": " + output());
        }
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path shippedConfig() {
        Path here = Path.of("").toAbsolutePath();
        Path file = here.resolve("config/nginx-cluster.conf");
        return Files.exists(file) ? file : here.getParent().resolve("config/nginx-cluster.conf");
    }

    /** Where clients reach the nodes (loopback). */
    int port() {
        return port;
    }

    /** What nginx printed and logged as errors (upstreams it gave up on, for one). */
    String output() {
        StringBuilder out = new StringBuilder();
        for (String name : List.of("nginx.out", "nginx-error.log")) {
            try {
                Path f = dir.resolve(name);
                if (Files.exists(f)) {
                    out.append(Files.readString(f, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                out.append("(cannot read ").append(name).append(": ").append(e).append(")");
            }
        }
        return out.toString();
    }

    /** SIGTERM, and SIGKILL if nginx has not exited within ten seconds. */
    @Override
    public void close() {
        nginx.destroy();
        try {
            if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
                nginx.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
