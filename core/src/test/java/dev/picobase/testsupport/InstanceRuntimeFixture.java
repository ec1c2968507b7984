package dev.picobase.testsupport;

import dev.picobase.core.process.PortAllocator;
import dev.picobase.core.runtime.InstanceDirectories;
import dev.picobase.core.runtime.InstanceRuntime;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An {@link InstanceRuntime} running real PocketBase processes under a test's data directory, on
 * ports from a free base port, recording every unexpected exit it reports. Closing it stops them all.
 */
public final class InstanceRuntimeFixture implements AutoCloseable {
    /** What the runtime reported through its unexpected-exit listener. */
    public record UnexpectedExit(String instanceId, int exitCode, String reason) {}

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).proxy(HttpClient.Builder.NO_PROXY).build();

    private final Path dataDir;
    private final PortAllocator ports;
    private final InstanceRuntime runtime;
    private final List<UnexpectedExit> unexpectedExits = new CopyOnWriteArrayList<>();

    private InstanceRuntimeFixture(Path dataDir, Path binary, Duration bootTimeout) {
        this.dataDir = dataDir;
        this.ports = new PortAllocator(FreePorts.next());
        this.runtime = new InstanceRuntime(binary, new InstanceDirectories(dataDir), ports, bootTimeout,
                Duration.ofSeconds(5), (id, code, reason) -> unexpectedExits.add(new UnexpectedExit(id, code, reason)));
    }

    /** With the real PocketBase binary. */
    public static InstanceRuntimeFixture create(Path dataDir) {
        return new InstanceRuntimeFixture(dataDir, Tools.pocketbase(), Duration.ofSeconds(20));
    }

    /** With another executable standing in for PocketBase (a script that fails, hangs, ...). */
    public static InstanceRuntimeFixture create(Path dataDir, Path binary, Duration bootTimeout) {
        return new InstanceRuntimeFixture(dataDir, binary, bootTimeout);
    }

    public InstanceRuntime runtime() {
        return runtime;
    }

    public PortAllocator ports() {
        return ports;
    }

    public InstanceDirectories directories() {
        return runtime.directories();
    }

    public Path dataDir() {
        return dataDir;
    }

    public List<UnexpectedExit> unexpectedExits() {
        return unexpectedExits;
    }

    /** The status of {@code GET http://127.0.0.1:<port><path>}, or -1 if nothing answers. */
    public static int get(int port, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        runtime.close();
    }
}
