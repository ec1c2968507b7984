package dev.picobase.api.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * One scrape of a Prometheus text endpoint, with the raw text and a way to add up the samples of
 * one series name whose labels include given {@code name="value"} pairs (so a test can ask for
 * "every 2xx request, cold or warm").
 */
public final class MetricsText {
    private final String text;

    public MetricsText(String text) {
        this.text = text;
    }

    public static MetricsText scrape(int port) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET /metrics answered " + r.statusCode());
            }
            return new MetricsText(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String text() {
        return text;
    }

    /** The sum of every sample named exactly {@code name} whose labels contain all {@code labels} ("k=\"v\""). */
    public double sum(String name, String... labels) {
        double total = 0;
        for (String line : samples(name)) {
            int brace = line.indexOf('{');
            String labelPart = brace < 0 ? "" : line.substring(brace, line.lastIndexOf('}') + 1);
            boolean all = true;
            for (String l : labels) {
                all &= labelPart.contains(l);
            }
            if (all) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    /** The sample lines whose value is {@code NaN} (a gauge whose state is gone reads so). */
    public List<String> nanSamples() {
        List<String> found = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.startsWith("#") && line.endsWith(" NaN")) {
                found.add(line);
            }
        }
        return found;
    }

    /** Whether any sample of series {@code name} is present. */
    public boolean has(String name) {
        return !samples(name).isEmpty();
    }

    private List<String> samples(String name) {
        List<String> found = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                found.add(line);
            }
        }
        return found;
    }
}
