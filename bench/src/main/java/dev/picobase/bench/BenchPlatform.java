package dev.picobase.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.picobase.testsupport.FreePorts;
import dev.picobase.testsupport.Tools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The platform as a user runs it: {@code java -jar control-api/target/picobase.jar up} in its own
 * process, with its data in a fresh directory and its ports chosen here, plus a client for the
 * control API (one account, signed in with a bearer token). The gateway is reached at
 * {@code http://127.0.0.1:<gatewayPort()>} with {@code Host: <subdomain>.localhost}.
 * {@link #close} stops it with SIGTERM (which saves running instances) and kills PocketBase
 * processes left under its data directory.
 */
public final class BenchPlatform implements AutoCloseable {
    static {
        // java.net.http sends a caller's Host header only when told it may.
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Process process;
    private final int gatewayPort;
    private final int apiPort;
    private final int managementPort;
    private final HttpClient http;
    private String token;

    private BenchPlatform(Path dir, Process process, int gatewayPort, int apiPort, int managementPort) {
        this.dir = dir;
        this.process = process;
        this.gatewayPort = gatewayPort;
        this.apiPort = apiPort;
        this.managementPort = managementPort;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** The runnable jar {@code ./picobase} builds. */
    public static Path jar() {
        return repoFile("control-api/target/picobase.jar");
    }

    /**
     * A file of the repository, by its path from the root. Benchmarks run from the root; the smoke
     * test runs in {@code bench/}, after the reactor has packaged the control API.
     */
    public static Path repoFile(String relative) {
        for (Path root : List.of(Path.of(""), Path.of(".."))) {
            Path file = root.resolve(relative);
            if (Files.exists(file)) {
                return file.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException(relative + " is missing (run from the repository root, after a build: "
                + "./picobase bench builds what it needs)");
    }

    /**
     * Starts the platform with data under {@code dir} (created), the given extra environment (on top
     * of fresh ports, a one-hour idle timeout, no periodic snapshots and the cached PocketBase) and
     * JVM options, and waits until its control API answers. A {@code PICOBASE_GATEWAY_PORT} in
     * {@code environment} is used as the gateway port (a cluster node's address names it).
     */
    public static BenchPlatform start(Path dir, Map<String, String> environment, List<String> jvmOptions) {
        int gateway = environment.containsKey("PICOBASE_GATEWAY_PORT")
                ? Integer.parseInt(environment.get("PICOBASE_GATEWAY_PORT")) : FreePorts.next();
        int api = freePortOtherThan(gateway);
        int management = freePortOtherThan(gateway, api);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("HOME", System.getProperty("user.home"));
        env.put("PICOBASE_DATA_DIR", dir.resolve("data").toString());
        env.put("PICOBASE_BIND_ADDRESS", "127.0.0.1");
        env.put("PICOBASE_GATEWAY_PORT", Integer.toString(gateway));
        env.put("PICOBASE_API_PORT", Integer.toString(api));
        env.put("PICOBASE_MANAGEMENT_PORT", Integer.toString(management));
        env.put("INSTANCES_BASE_PORT", "21000");
        env.put("PICOBASE_IDLE_TIMEOUT", "1h");
        env.put("PICOBASE_SNAPSHOT_INTERVAL", "0s");
        env.put("POCKETBASE_BINARY_PATH", Tools.pocketbase().toString());
        // Accounts are made by the harness; the minimum cost keeps key creation from dominating set-up.
        env.put("PICOBASE_BCRYPT_COST", "10");
        // The load comes from one address: lift the per-address cap (the total still applies).
        env.put("PICOBASE_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", "1000000");
        env.putAll(environment);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar().toString());
        command.add("up");
        try {
            Files.createDirectories(dir);
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("platform.log").toFile());
            builder.environment().clear();
            builder.environment().putAll(env);
            BenchPlatform platform = new BenchPlatform(dir, builder.start(), gateway, api, management);
            platform.awaitUp(Duration.ofSeconds(120));
            return platform;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the platform", e);
        }
    }

    /** A free port none of {@code taken}: the system may hand out a port again once its probe socket closed. */
    private static int freePortOtherThan(int... taken) {
        while (true) {
            int port = FreePorts.next();
            if (java.util.Arrays.stream(taken).noneMatch(t -> t == port)) {
                return port;
            }
        }
    }

    private void awaitUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the platform exited with " + process.exitValue() + ":\n" + logTail(30));
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(api("/api/health"))).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(50);
        }
        throw new IllegalStateException("the platform did not answer within " + timeout + ":\n" + logTail(30));
    }

    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(dir.resolve("platform.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    public int gatewayPort() {
        return gatewayPort;
    }

    public int apiPort() {
        return apiPort;
    }

    public long pid() {
        return process.pid();
    }

    /** The platform's data directory ({@code PICOBASE_DATA_DIR}). */
    public Path dataDir() {
        return dir.resolve("data");
    }

    /** Where an instance's PocketBase keeps its data; a start restores from object storage when it is missing. */
    public Path pbData(String instanceId) {
        return dataDir().resolve("instances").resolve(instanceId).resolve("pb_data");
    }

    private String api(String path) {
        return "http://127.0.0.1:" + apiPort + path;
    }

    /** Signs up and in as the one account the benchmark uses. */
    public BenchPlatform signUp(String email, String password) {
        call("POST", "/api/auth/signup", Map.of("name", "Bench", "email", email, "password", password));
        token = call("POST", "/api/auth/signin", Map.of("email", email, "password", password)).get("token").asText();
        return this;
    }

    /** Creates an instance and returns its id. */
    public String createInstance(String subdomain) {
        return call("POST", "/api/instances", Map.of("name", subdomain, "subdomain", subdomain)).get("id").asText();
    }

    /** Creates an API key for the instance and returns the key itself. */
    public String createKey(String instanceId) {
        return call("POST", "/api/instances/" + instanceId + "/keys", Map.of("name", "bench")).get("key").asText();
    }

    public JsonNode start(String instanceId) {
        return call("POST", "/api/instances/" + instanceId + "/start", Map.of());
    }

    /** Stops the instance; returns once its data is saved to object storage. */
    public JsonNode stop(String instanceId) {
        return call("POST", "/api/instances/" + instanceId + "/stop", Map.of());
    }

    public JsonNode instance(String instanceId) {
        return call("GET", "/api/instances/" + instanceId, null);
    }

    /** One control-API call as the signed-in account; a non-2xx answer throws with its body. */
    public JsonNode call(String method, String path, Object body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api(path))).timeout(Duration.ofMinutes(5));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The management port's Prometheus text. */
    public String metrics() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scrape the platform's metrics", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The sum of the samples of {@code metric} (a Prometheus name, e.g. {@code picobase_cold_starts_total})
     * whose labels contain every {@code label="value"} given.
     */
    public double metric(String metric, String... labels) {
        return metricValue(metrics(), metric, labels);
    }

    static double metricValue(String text, String metric, String... labels) {
        Pattern line = Pattern.compile("^" + Pattern.quote(metric) + "(\\{[^}]*\\})?\\s+(\\S+)", Pattern.MULTILINE);
        Matcher m = line.matcher(text);
        double sum = 0;
        outer:
        while (m.find()) {
            String labelText = m.group(1) == null ? "" : m.group(1);
            for (String label : labels) {
                if (!labelText.contains(label)) {
                    continue outer;
                }
            }
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }

    /** Resident memory of the platform's JVM, in bytes. */
    public long rssBytes() {
        return Environment.rssBytes(process.pid());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        // PocketBase processes of this run that outlived the platform, if any.
        ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(dataDir().toString())).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
