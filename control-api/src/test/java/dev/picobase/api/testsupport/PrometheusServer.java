package dev.picobase.api.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.picobase.testsupport.ChildProcesses;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A real Prometheus server — Debian's {@code prometheus} package, which {@code ./picobase test}
 * installs for {@code promtool} and which carries the server too — scraping one management port
 * every second (job {@code picobase}), with its config and database under a test's temporary
 * directory and its HTTP API on a free loopback port. Tests read metrics as an operator's
 * dashboard does: PromQL instant queries through {@code /api/v1/query}, after Prometheus has parsed
 * and stored the scrape, not by reading the text format themselves.
 *
 * <p>Threading: one test thread; {@link #close()} stops the process.
 */
public final class PrometheusServer implements AutoCloseable {
    /** One series of an instant query's answer: its labels (with {@code __name__}) and its value. */
    public record Sample(Map<String, String> labels, double value) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path log;
    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.base = "http://127.0.0.1:" + port;
    }

    /** Starts Prometheus scraping {@code 127.0.0.1:<targetPort>/metrics} every second; returns once it is ready. */
    public static PrometheusServer scraping(int targetPort, Path dir) {
        int port = FreePorts.next();
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      scrape_timeout: 1s
                      evaluation_interval: 1s
                    scrape_configs:
                      - job_name: picobase
                        metrics_path: /metrics
                        static_configs:
                          - targets: ["127.0.0.1:%d"]
                    """.formatted(targetPort));
            Path log = dir.resolve("prometheus.log");
            Process p = new ProcessBuilder(List.of("prometheus", "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            PrometheusServer server = new PrometheusServer(p, log, port);
            try {
                Deadline.await("Prometheus ready on port " + port, Duration.ofSeconds(30), server::ready);
            } catch (AssertionError | RuntimeException e) {
                server.close();
                throw new AssertionError(e.getMessage() + "; its log:\n" + server.logText(), e);
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start prometheus (Debian package prometheus; ./picobase test "
                    + "installs it)", e);
        }
    }

    private boolean ready() {
        if (!process.isAlive()) {
            throw new AssertionError("prometheus exited with " + process.exitValue());
        }
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The answer to an instant PromQL query, one sample per series (empty when nothing matches). */
    public List<Sample> query(String promql) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/query?query="
                    + URLEncoder.encode(promql, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(r.body());
            if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())
                    || !"vector".equals(body.path("data").path("resultType").asText())) {
                throw new AssertionError("query " + promql + " answered " + r.statusCode() + ": " + r.body());
            }
            List<Sample> samples = new ArrayList<>();
            for (JsonNode series : body.path("data").path("result")) {
                Map<String, String> labels = new TreeMap<>();
                for (Map.Entry<String, JsonNode> label : series.path("metric").properties()) {
                    labels.put(label.getKey(), label.getValue().asText());
                }
                samples.add(new Sample(labels, number(series.path("value").get(1).asText())));
            }
            return samples;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The query's samples by the value of one of their labels ({@code status} → count, say). */
    public Map<String, Double> byLabel(String promql, String label) {
        Map<String, Double> values = new TreeMap<>();
        for (Sample s : query(promql)) {
            values.put(s.labels().get(label), s.value());
        }
        return values;
    }

    /** Prometheus writes {@code NaN}, {@code +Inf} and {@code -Inf}; Java spells the infinities out. */
    private static double number(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    /** What Prometheus logged (a failed scrape says why here). */
    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        ChildProcesses.stop(process);
    }
}
