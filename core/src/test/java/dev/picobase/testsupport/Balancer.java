package dev.picobase.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Debian's real nginx in front of the nodes' gateways, run from the file the README ships
 * ({@code config/nginx-cluster.conf}) with only the upstream servers, the listen port, the server name
 * and file paths replaced (one worker, no access log) — so what the cluster tests and the cluster
 * benchmark show holds for the file operators copy. With {@code hash} the shipped
 * {@code hash $host consistent} stays (each subdomain on one node); without, that line is removed and
 * nginx balances round-robin, so consecutive requests land on different nodes. Everything nginx
 * writes (pid, error log, temp files, its output) stays under the given directory; it runs in the
 * foreground as a child process and {@link #close} stops it.
 */
public final class Balancer implements AutoCloseable {
    private static final String SHIPPED = "config/nginx-cluster.conf";

    private final Process nginx;
    private final int port;
    private final Path dir;

    private Balancer(Process nginx, int port, Path dir) {
        this.nginx = nginx;
        this.port = port;
        this.dir = dir;
    }

    /** Starts nginx on a free loopback port in front of the gateways on {@code gatewayPorts}. */
    public static Balancer start(Path dir, List<Integer> gatewayPorts, boolean hash) {
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
                if (!conf.contains("hash $host consistent;")) {
                    throw new IllegalStateException(SHIPPED + " changed shape: no 'hash $host consistent;' to remove");
                }
                conf = conf.replace("hash $host consistent;", "");
            }
            for (int p : gatewayPorts) {
                if (!conf.contains("127.0.0.1:" + p)) {
                    throw new IllegalStateException(SHIPPED + " changed shape: its server lines were not replaced "
                            + "with the nodes' addresses");
                }
            }
            Path file = dir.resolve("nginx.conf");
            Files.writeString(file, conf);
            Process nginx = new ProcessBuilder("nginx", "-g", "daemon off;", "-c", file.toString(), "-p", dir.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
            Balancer balancer = new Balancer(nginx, port, dir);
            try {
                Deadline.await("nginx to listen on port " + port, Duration.ofSeconds(10), balancer::listening);
            } catch (AssertionError | RuntimeException e) {
                balancer.close();
                throw e;
            }
            return balancer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails with the command to run when Debian's nginx is not installed. */
    public static void requireInstalled() {
        try {
            Process p = new ProcessBuilder("nginx", "-v").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException("nginx is required (apt-get install -y nginx)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean listening() {
        if (!nginx.isAlive()) {
            throw new IllegalStateException("nginx exited with " + nginx.exitValue() + ": " + output());
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The shipped file, from the repository root or a module directory below it. */
    private static Path shippedConfig() {
        for (Path root : List.of(Path.of(""), Path.of(".."))) {
            Path file = root.resolve(SHIPPED);
            if (Files.exists(file)) {
                return file.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException(SHIPPED + " is missing (run from the repository root or a module)");
    }

    /** Where clients reach the nodes (loopback). */
    public int port() {
        return port;
    }

    /** What nginx printed and logged as errors (upstreams it gave up on, for one). */
    public String output() {
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
        ChildProcesses.stop(nginx);
    }
}
