package dev.picobase.bench;

import dev.picobase.testsupport.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx in front of the cluster's nodes with the load balancer the README ships,
 * {@code config/nginx-cluster.conf}, changed only as the cluster tests change it (the node addresses,
 * a loopback listen port, one worker, file paths, no access log); with {@code hash} false its
 * {@code hash $host consistent} line is removed, which leaves nginx's default round-robin. Runs in
 * the foreground as a child process; {@link #close} stops it.
 */
final class ClusterNginx implements AutoCloseable {
    private final Process process;
    private final int port;

    private ClusterNginx(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static ClusterNginx start(Path dir, List<Integer> gatewayPorts, boolean hash) throws IOException {
        String conf = Files.readString(BenchPlatform.repoFile("config/nginx-cluster.conf"));
        int port = FreePorts.next();
        StringBuilder servers = new StringBuilder();
        for (int gateway : gatewayPorts) {
            servers.append(servers.length() == 0 ? "" : "\n    ")
                    .append("server 127.0.0.1:").append(gateway).append(" max_fails=1 fail_timeout=5s;");
        }
        String adapted = conf.replaceFirst("(?s)server 10\\.0\\.0\\.1:8080[^;]*;.*?server 10\\.0\\.0\\.3:8080[^;]*;",
                        servers.toString())
                .replace("listen 80;", "listen 127.0.0.1:" + port + ";")
                .replace("worker_processes auto;", "worker_processes 1;\npid " + dir.resolve("nginx.pid")
                        + ";\nerror_log " + dir.resolve("nginx-error.log") + ";")
                .replace("server_name .example.com;", "server_name .localhost;")
                .replace("http {", "http {\n  access_log off;");
        if (!hash) {
            adapted = adapted.replace("hash $host consistent;", "");
        }
        for (int gateway : gatewayPorts) {
            if (!adapted.contains("127.0.0.1:" + gateway)) {
                throw new IllegalStateException("config/nginx-cluster.conf changed shape: its server lines were not "
                        + "replaced with the nodes' addresses");
            }
        }
        Files.createDirectories(dir);
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, adapted);
        Process process = new ProcessBuilder("nginx", "-g", "daemon off;", "-c", file.toString(), "-p", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        ClusterNginx nginx = new ClusterNginx(process, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!nginx.listening()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                nginx.close();
                throw new IllegalStateException("nginx did not start; see " + dir.resolve("nginx.out") + ": "
                        + Files.readString(dir.resolve("nginx.out")));
            }
            BenchPlatform.sleep(20);
        }
        return nginx;
    }

    private boolean listening() {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static void requireInstalled() {
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
}
