package dev.picobase.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A {@code pb_data} to cold-start, built once per run by a bare PocketBase in {@code instanceDir}
 * through its own API: an admin, a {@code posts} collection (title, body, file) with public read
 * rules, one small record that the benchmark reads ({@link #recordId}), then {@code recordMb} MB of
 * records with text bodies (words from a random vocabulary: compressible like real text, so the
 * snapshot deflates them) and {@code fileMb} MB of uploaded files of random bytes (incompressible;
 * snapshots store them as they are). The stopped server's {@code pb_data} is the template that
 * {@link #copyTo} seeds instances and floor runs with.
 */
record ColdStartDataset(String name, Path instanceDir, String recordId, long bytes) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RECORD_BODY_BYTES = 50 * 1024;
    private static final int FILE_BYTES = 1024 * 1024;
    private static final String ADMIN_EMAIL = "bench@example.com";
    private static final String ADMIN_PASSWORD = "benchmark-password";

    static ColdStartDataset build(String name, Path instanceDir, int recordMb, int fileMb) {
        SplittableRandom random = new SplittableRandom(name.hashCode());
        String recordId;
        try (ColdStartPocketBase pocketbase = ColdStartPocketBase.spawn(instanceDir)) {
            pocketbase.awaitHealthy();
            Client client = new Client(pocketbase.port());
            client.json("POST", "/api/admins", Map.of("email", ADMIN_EMAIL, "password", ADMIN_PASSWORD,
                    "passwordConfirm", ADMIN_PASSWORD));
            client.token = client.json("POST", "/api/admins/auth-with-password",
                    Map.of("identity", ADMIN_EMAIL, "password", ADMIN_PASSWORD)).get("token").asText();
            client.json("POST", "/api/collections", Map.of("name", "posts", "type", "base", "listRule", "",
                    "viewRule", "", "schema", List.of(
                            Map.of("name", "title", "type", "text"),
                            Map.of("name", "body", "type", "text"),
                            Map.of("name", "file", "type", "file",
                                    "options", Map.of("maxSelect", 1, "maxSize", 10 * FILE_BYTES)))));
            recordId = client.json("POST", "/api/collections/posts/records",
                    Map.of("title", "hello", "body", "the record every cold-start sample reads")).get("id").asText();
            List<String> vocabulary = vocabulary(random);
            for (long written = 0; written < (long) recordMb << 20; written += RECORD_BODY_BYTES) {
                client.json("POST", "/api/collections/posts/records",
                        Map.of("title", "text " + written, "body", text(vocabulary, random)));
            }
            for (int i = 0; i < fileMb; i++) {
                byte[] content = new byte[FILE_BYTES];
                random.nextBytes(content);
                client.multipart("/api/collections/posts/records", "file " + i, "file-" + i + ".bin", content);
            }
        }
        return new ColdStartDataset(name, instanceDir, recordId, sizeOf(instanceDir.resolve("pb_data")));
    }

    /** Copies the template {@code pb_data} to {@code target} (which must not exist yet). */
    void copyTo(Path target) {
        Path source = instanceDir.resolve("pb_data");
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path p : walk.toList()) {
                Path copy = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(p, copy, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + source + " to " + target, e);
        }
    }

    static long sizeOf(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            long total = 0;
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                total += Files.size(p);
            }
            return total;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + dir, e);
        }
    }

    double megabytes() {
        return Stats.round(bytes / 1e6);
    }

    private static List<String> vocabulary(SplittableRandom random) {
        return Stream.generate(() -> {
            StringBuilder word = new StringBuilder();
            for (int n = 2 + random.nextInt(9); n > 0; n--) {
                word.append((char) ('a' + random.nextInt(26)));
            }
            return word.toString();
        }).limit(5000).toList();
    }

    private static String text(List<String> vocabulary, SplittableRandom random) {
        StringBuilder text = new StringBuilder(RECORD_BODY_BYTES + 16);
        while (text.length() < RECORD_BODY_BYTES) {
            text.append(vocabulary.get(random.nextInt(vocabulary.size()))).append(' ');
        }
        return text.toString();
    }

    /** PocketBase's API on its loopback port, as the admin once signed in. */
    private static final class Client {
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        private final int port;
        private String token;

        Client(int port) {
            this.port = port;
        }

        JsonNode json(String method, String path, Object body) {
            try {
                return send(request(path).header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
            } catch (IOException e) {
                throw new UncheckedIOException(method + " " + path + " failed", e);
            }
        }

        /** A record with a title and one uploaded file. */
        void multipart(String path, String title, String fileName, byte[] content) {
            String boundary = "picobase-bench-" + System.nanoTime();
            ByteArrayOutputStream body = new ByteArrayOutputStream(content.length + 512);
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n" + title
                    + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(content);
            body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            send(request(path).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        }

        private HttpRequest.Builder request(String path) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofMinutes(1));
            return token == null ? request : request.header("Authorization", token);
        }

        private JsonNode send(HttpRequest.Builder request) {
            HttpRequest built = request.build();
            try {
                HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 != 2) {
                    throw new IllegalStateException(built.method() + " " + built.uri().getPath() + " answered "
                            + response.statusCode() + ": " + response.body());
                }
                return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
            } catch (IOException e) {
                throw new UncheckedIOException(built.method() + " " + built.uri().getPath() + " failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
