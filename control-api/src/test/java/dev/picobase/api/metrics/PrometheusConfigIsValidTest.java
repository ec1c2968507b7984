package dev.picobase.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.StoreKind;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's {@code promtool} (package {@code prometheus}, installed by {@code ./picobase test})
 * accepts {@code config/prometheus.yml} as a scrape config, and accepts what the running
 * platform's {@code /metrics} serves: valid exposition format and metric names that follow the
 * conventions ({@code _total}, base units) it lints for.
 */
@Timeout(60)
class PrometheusConfigIsValidTest {
    private static final Path CONFIG = Path.of("..", "config", "prometheus.yml");

    @TempDir
    Path dir;

    @Test
    void promtoolAcceptsTheScrapeConfig() throws Exception {
        assertThat(CONFIG).exists();
        assertThat(Files.readString(CONFIG)).contains("127.0.0.1:9464").contains("/metrics");
        Result r = promtool(List.of("check", "config", CONFIG.toString()), null);
        assertThat(r.exit()).as(r.output()).isZero();
    }

    @Test
    void promtoolAcceptsTheMetricsEndpointsOutput() throws Exception {
        String text;
        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, dir)) {
            text = api.scrapeMetrics().text();
        }
        Result r = promtool(List.of("check", "metrics"), text);
        assertThat(r.exit()).as(r.output()).isZero();
    }

    private record Result(int exit, String output) {}

    private static Result promtool(List<String> args, String stdin) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>();
        command.add("promtool");
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), output);
    }
}
