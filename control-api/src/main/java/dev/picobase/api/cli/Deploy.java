package dev.picobase.api.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * {@code ./picobase deploy --instance <subdomain> --token <token> [--api URL] <folder>}: zips each of
 * {@code pb_hooks}, {@code pb_migrations} and {@code pb_public} that the folder has and replaces that
 * tree of the instance with it ({@code PUT /api/instances/:id/files/:tree}), then prints the
 * instance's URL. The token is a session token or one of the instance's deploy tokens ({@code pbd_...}).
 * Exit codes: 0 deployed; 1 the API refused (its message printed) or the instance did not start on the
 * new code (its reason printed); 2 misuse.
 *
 * <p>Threading: the main thread only.
 */
final class Deploy {
    static final String USAGE = "usage: ./picobase deploy --instance <subdomain> --token <token> [--api URL] <folder>";
    static final List<String> TREES = List.of("pb_hooks", "pb_migrations", "pb_public");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Refused by the API or unreadable: exit 1 with the message. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();

    Deploy(PrintStream out) {
        this.out = out;
    }

    /** Runs with the parsed arguments; {@code api} is the control API's base URL. */
    void run(String api, String subdomain, String token, Path folder) throws Failure, InterruptedException {
        List<String> present = TREES.stream().filter(t -> Files.isDirectory(folder.resolve(t))).toList();
        if (present.isEmpty()) {
            throw new Failure("no pb_hooks, pb_migrations or pb_public folder in " + folder);
        }
        String base = api.replaceAll("/+$", "");
        String instanceId = instanceId(base, subdomain, token);
        JsonNode last = null;
        for (String tree : present) {
            Zipped zip = zip(folder.resolve(tree));
            JsonNode answer = send(HttpRequest.newBuilder(URI.create(base + "/api/instances/" + instanceId + "/files/"
                    + tree)).header("Content-Type", "application/zip")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(zip.bytes())), token, tree);
            out.println("uploaded " + tree + ": " + zip.files() + " file" + (zip.files() == 1 ? "" : "s") + ", "
                    + zip.bytes().length + " bytes zipped");
            last = answer;
        }
        JsonNode instance = last.path("instance");
        if (instance.path("status").asText().equals("failed")) {
            throw new Failure("deployed, but the instance did not start on the new code: "
                    + instance.path("statusReason").asText() + " (./picobase logs " + subdomain + ")");
        }
        out.println("deployed to " + instance.path("url").asText() + " (" + instance.path("status").asText() + ")");
    }

    /** The instance's id: the deploy token names its instance; a session lists the user's instances. */
    private String instanceId(String base, String subdomain, String token) throws Failure, InterruptedException {
        if (token.startsWith("pbd_")) {
            JsonNode self = send(HttpRequest.newBuilder(URI.create(base + "/api/deploy-token")).GET(), token, "token");
            if (!self.path("subdomain").asText().equals(subdomain)) {
                throw new Failure("this deploy token is for instance '" + self.path("subdomain").asText()
                        + "', not '" + subdomain + "'");
            }
            return self.path("instanceId").asText();
        }
        JsonNode list = send(HttpRequest.newBuilder(URI.create(base + "/api/instances")).GET(), token, "instances");
        for (JsonNode i : list.path("instances")) {
            if (i.path("subdomain").asText().equals(subdomain)) {
                return i.path("id").asText();
            }
        }
        throw new Failure("you have no instance '" + subdomain + "'");
    }

    private JsonNode send(HttpRequest.Builder request, String token, String what) throws Failure, InterruptedException {
        HttpResponse<String> answer;
        try {
            answer = http.send(request.header("Authorization", "Bearer " + token).timeout(Duration.ofMinutes(3))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Failure("cannot reach the control API at " + request.build().uri() + ": " + e);
        }
        JsonNode body;
        try {
            body = answer.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new Failure(what + ": the control API answered " + answer.statusCode() + " without JSON");
        }
        if (answer.statusCode() / 100 != 2) {
            throw new Failure(what + ": " + body.path("error").path("message").asText("HTTP " + answer.statusCode())
                    + " (" + answer.statusCode() + ")");
        }
        return body;
    }

    record Zipped(byte[] bytes, int files) {}

    /** The folder's regular files as a zip, by relative path; a link is refused (the API refuses them too). */
    static Zipped zip(Path dir) throws Failure {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted().toList()) {
                if (Files.isSymbolicLink(p)) {
                    throw new Failure(p + " is a link; links are not deployed");
                }
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    files.add(p);
                }
            }
            try (ZipOutputStream zip = new ZipOutputStream(out)) {
                for (Path f : files) {
                    zip.putNextEntry(new ZipEntry(dir.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, zip);
                    zip.closeEntry();
                }
            }
        } catch (IOException e) {
            throw new Failure("cannot read " + dir + ": " + e.getMessage());
        }
        return new Zipped(out.toByteArray(), files.size());
    }
}
