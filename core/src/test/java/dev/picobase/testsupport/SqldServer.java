package dev.picobase.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real libSQL server ({@code sqld}, what Turso runs) on a free loopback port, with its data in a
 * fresh directory. {@link #shared()} is one server for the whole test JVM; tests that need an empty
 * database (migrations) start their own.
 */
public final class SqldServer implements AutoCloseable {
    private static SqldServer shared;

    private final Process process;
    private final String url;

    private SqldServer(Process process, String url) {
        this.process = process;
        this.url = url;
    }

    public static synchronized SqldServer shared() {
        if (shared == null || !shared.process.isAlive()) {
            try {
                shared = start(Files.createTempDirectory("picobase-sqld-"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    public static SqldServer start(Path dir) {
        int port = FreePorts.next();
        try {
            Process p = new ProcessBuilder(Tools.sqld().toString(), "--db-path", dir.resolve("db").toString(),
                    "--http-listen-addr", "127.0.0.1:" + port, "--no-welcome")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("sqld.log").toFile()).start();
            SqldServer server = new SqldServer(p, "http://127.0.0.1:" + port);
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(1)).build();
            Deadline.await("sqld on port " + port, Duration.ofSeconds(20), () -> server.healthy(client));
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start sqld", e);
        }
    }

    private boolean healthy(HttpClient client) {
        if (!process.isAlive()) {
            throw new AssertionError("sqld exited with " + process.exitValue());
        }
        try {
            return client.send(HttpRequest.newBuilder(URI.create(url + "/health")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The URL to put in {@code TURSO_DATABASE_URL}. */
    public String url() {
        return url;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
