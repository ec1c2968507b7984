package dev.picobase.api.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.Version;
import dev.picobase.config.ConfigException;
import dev.picobase.config.PicoBaseConfig;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * The operator commands of {@code ./picobase}, run as {@code java -cp picobase.jar dev.picobase.api.cli.Cli}:
 * {@code version} (this build), {@code status}, {@code instances} and {@code logs} (asked of the
 * running platform on its management port, {@link ManagementClient}), printed as a person reads
 * them, or as the platform's JSON with {@code --json}; {@code restore-metadata}
 * ({@link RestoreMetadataCommand}, while no platform runs); and {@code deploy} ({@link Deploy}, which asks
 * the control API). The script itself answers {@code help} and
 * every {@code --help}, so that help needs neither a build nor a JVM.
 *
 * <p>Exit codes: 0 done; 1 the platform could not be asked or refused (not running, no such
 * instance); 2 a usage or configuration error. {@code logs -f} runs until interrupted (Ctrl-C).
 *
 * <p>Threading: the main thread only.
 */
public final class Cli {
    static final String USAGE_LOGS = "usage: ./picobase logs <subdomain> [-f] [--lines N] [--json]";
    /** The management port's largest window of log lines: {@code logs -f} compares whole windows. */
    private static final int FOLLOW_WINDOW = 1000;
    private static final Duration FOLLOW_EVERY = Duration.ofSeconds(1);

    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    Cli(PrintStream out, PrintStream err, Clock clock) {
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    public static void main(String[] args) {
        // UTF-8 whatever the locale says: PocketBase's start-up lines draw boxes (├─).
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        System.exit(new Cli(out, err, Clock.systemUTC()).run(args));
    }

    /** A usage error: the message for stderr, exit code 2. */
    private static final class Usage extends Exception {
        private static final long serialVersionUID = 1L;

        Usage(String message) {
            super(message, null, false, false);
        }
    }

    int run(String[] args) {
        String command = args.length == 0 ? "" : args[0];
        List<String> rest = new ArrayList<>(List.of(args).subList(Math.min(1, args.length), args.length));
        try {
            if (command.equals("version")) {
                noArguments(command, rest);
                out.println("picobase " + Version.current());
                return 0;
            }
            PicoBaseConfig config;
            try {
                config = PicoBaseConfig.load(System.getenv(), Path.of("").toAbsolutePath());
            } catch (ConfigException e) {
                err.println("picobase: configuration error: " + e.getMessage());
                return 2;
            }
            if (command.equals("deploy")) {
                return deploy(config, rest);
            }
            ManagementClient client = ManagementClient.of(config);
            boolean json = rest.remove("--json");
            switch (command) {
                case "status" -> {
                    noArguments(command, rest);
                    ManagementClient.Answer a = client.get("/status");
                    out.print(json ? a.body() + "\n" : status(a.json(), client.base()));
                }
                case "instances" -> {
                    noArguments(command, rest);
                    ManagementClient.Answer a = client.get("/instances");
                    out.print(json ? a.body() + "\n" : instances(a.json()));
                }
                case "logs" -> logs(client, rest, json);
                case "restore-metadata" -> {
                    return new RestoreMetadataCommand(out, err, clock).run(config, client, rest);
                }
                default -> throw new Usage("unknown command '" + command + "' (./picobase help lists the commands)");
            }
            out.flush();
            return 0;
        } catch (Usage e) {
            err.println("picobase: " + e.getMessage());
            return 2;
        } catch (ManagementClient.Failure e) {
            out.flush();
            err.println("picobase: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /** {@code deploy}: exit 0 deployed, 1 refused or not started (the reason printed), 2 misuse. */
    private int deploy(PicoBaseConfig config, List<String> rest) throws Usage, InterruptedException {
        String instance = null;
        String token = null;
        String api = "http://localhost:" + config.apiPort();
        String folder = null;
        Path from = Path.of("").toAbsolutePath();
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            switch (a) {
                case "--instance", "--token", "--api", "--from-dir" -> {
                    if (i + 1 >= rest.size()) {
                        throw new Usage(a + " needs a value; " + Deploy.USAGE);
                    }
                    String value = rest.get(++i);
                    if (a.equals("--instance")) {
                        instance = value;
                    } else if (a.equals("--token")) {
                        token = value;
                    } else if (a.equals("--from-dir")) { // the script's: where the command was typed
                        from = Path.of(value);
                    } else {
                        api = value;
                    }
                }
                default -> {
                    if (a.startsWith("-") || folder != null) {
                        throw new Usage("unexpected argument '" + a + "'; " + Deploy.USAGE);
                    }
                    folder = a;
                }
            }
        }
        if (instance == null || token == null || folder == null) {
            throw new Usage(Deploy.USAGE);
        }
        Path app = from.resolve(folder).normalize();
        if (!java.nio.file.Files.isDirectory(app)) {
            throw new Usage(folder + " is not a folder; " + Deploy.USAGE);
        }
        try {
            new Deploy(out).run(api, instance, token, app);
            return 0;
        } catch (Deploy.Failure e) {
            out.flush();
            err.println("picobase: " + e.getMessage());
            return 1;
        }
    }

    private static void noArguments(String command, List<String> rest) throws Usage {
        if (!rest.isEmpty()) {
            throw new Usage("'" + command + "' takes no argument '" + rest.get(0) + "' (./picobase " + command
                    + " --help)");
        }
    }

    // ---- status --------------------------------------------------------------------------------

    String status(JsonNode s, String management) {
        StringBuilder text = new StringBuilder();
        String commit = s.path("commit").asText("unknown");
        text.append("PicoBase ").append(s.path("version").asText("?"))
                .append(commit.equals("unknown") ? "" : " (commit " + commit + ")")
                .append(", up ").append(Units.span(Duration.ofSeconds(s.path("uptimeSeconds").asLong()))).append('\n');
        JsonNode nodes = s.path("nodes");
        if (s.path("node").isNull() || s.path("node").isMissingNode()) {
            line(text, "node", "single node");
        } else {
            line(text, "node", s.path("node").asText() + ", one of " + nodes.size() + (nodes.size() == 1 ? " node" : " nodes"));
            TextTable table = new TextTable("  NODE", "ADDRESS", "INSTANCES", "HEARTBEAT");
            for (JsonNode n : nodes) {
                table.row("  " + n.path("id").asText(), n.path("address").asText(), n.path("instancesHeld").asText(),
                        Units.ago(Duration.ofMillis(n.path("heartbeatAgeMillis").asLong())));
            }
            text.append(table);
        }
        JsonNode counts = s.path("instances");
        StringJoiner byStatus = new StringJoiner(", ", " (", ")").setEmptyValue("");
        counts.properties().forEach(e -> {
            if (!e.getKey().equals("total") && e.getValue().asLong() > 0) {
                byStatus.add(e.getValue().asLong() + " " + e.getKey());
            }
        });
        line(text, "instances", counts.path("total").asLong() + byStatus.toString());
        long held = s.path("heldRequests").asLong();
        line(text, "held", held + (held == 1 ? " request" : " requests") + " waiting for an instance to start");
        line(text, "disk", Units.bytes(s.path("dataDirBytes").asLong()) + " in " + s.path("dataDir").asText()
                + "; instances' local copies " + Units.bytes(s.path("localCopiesBytes").asLong())
                + " at their last saves (budget " + Units.bytes(s.path("diskBudgetBytes").asLong()) + ")");
        line(text, "metadata", metadataBackup(s.path("metadataBackup")));
        line(text, "management", management);
        return text.toString();
    }

    /** One line on the metadata database's backups: the last one, a failure since, or why there are none. */
    String metadataBackup(JsonNode b) {
        if (b.path("skipped").isTextual()) {
            return "not backed up by PicoBase: " + b.path("skipped").asText();
        }
        Instant now = clock.instant();
        String good = b.path("lastSuccessAt").isTextual()
                ? "backed up " + Units.ago(Duration.between(Instant.parse(b.path("lastSuccessAt").asText()), now))
                        + " to " + b.path("lastKey").asText()
                : "not backed up yet";
        if (b.path("lastError").isTextual()) {
            return "last backup failed " + Units.ago(Duration.between(Instant.parse(b.path("lastAttemptAt").asText()),
                    now)) + ": " + b.path("lastError").asText() + " (" + good + ")";
        }
        return good;
    }

    private static void line(StringBuilder text, String label, String value) {
        text.append(String.format("%-12s%s%n", label + ":", value));
    }

    // ---- instances -----------------------------------------------------------------------------

    String instances(JsonNode answer) {
        JsonNode rows = answer.path("instances");
        if (rows.isEmpty()) {
            return "no instances yet\n";
        }
        boolean nodes = false;
        for (JsonNode r : rows) {
            nodes |= !r.path("node").isNull() && !r.path("node").isMissingNode();
        }
        Instant now = clock.instant();
        TextTable table = nodes ? new TextTable("SUBDOMAIN", "OWNER", "STATUS", "LAST ACTIVITY", "SNAPSHOT", "NODE")
                : new TextTable("SUBDOMAIN", "OWNER", "STATUS", "LAST ACTIVITY", "SNAPSHOT");
        StringBuilder reasons = new StringBuilder();
        for (JsonNode r : rows) {
            String activity = r.path("lastActivityAt").isTextual()
                    ? Units.ago(Duration.between(Instant.parse(r.path("lastActivityAt").asText()), now)) : "never";
            String snapshot = r.path("latestSnapshotBytes").isNumber()
                    ? Units.bytes(r.path("latestSnapshotBytes").asLong()) : "none";
            String[] cells = {r.path("subdomain").asText(), r.path("owner").asText(), r.path("status").asText(),
                    activity, snapshot};
            table.row(nodes ? append(cells, r.path("node").isTextual() ? r.path("node").asText() : "-") : cells);
            if (r.path("statusReason").isTextual()) {
                reasons.append(r.path("subdomain").asText()).append(": ").append(r.path("status").asText())
                        .append(": ").append(r.path("statusReason").asText()).append('\n');
                if (r.path("failureCause").isTextual()) { // the whole cause, which the tenant is not told
                    reasons.append("  cause: ").append(r.path("failureCause").asText()).append('\n');
                }
            }
        }
        return table + (reasons.length() > 0 ? "\n" + reasons : "");
    }

    private static String[] append(String[] cells, String last) {
        String[] more = java.util.Arrays.copyOf(cells, cells.length + 1);
        more[cells.length] = last;
        return more;
    }

    // ---- logs ----------------------------------------------------------------------------------

    private void logs(ManagementClient client, List<String> args, boolean json)
            throws Usage, ManagementClient.Failure, InterruptedException {
        boolean follow = false;
        int lines = 200;
        String subdomain = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-f") || a.equals("--follow")) {
                follow = true;
            } else if (a.equals("-n") || a.equals("--lines") || a.startsWith("--lines=")) {
                String value = a.startsWith("--lines=") ? a.substring("--lines=".length())
                        : i + 1 < args.size() ? args.get(++i) : "";
                try {
                    lines = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    lines = -1;
                }
                if (lines < 1 || lines > FOLLOW_WINDOW) {
                    throw new Usage("--lines takes a whole number from 1 to " + FOLLOW_WINDOW + "; " + USAGE_LOGS);
                }
            } else if (a.startsWith("-") || subdomain != null) {
                throw new Usage("unexpected '" + a + "'; " + USAGE_LOGS);
            } else {
                subdomain = a;
            }
        }
        if (subdomain == null) {
            throw new Usage("which instance? " + USAGE_LOGS);
        }
        if (follow && json) {
            throw new Usage("--json prints one answer; it does not go with -f");
        }
        String path = "/logs/" + URLEncoder.encode(subdomain, StandardCharsets.UTF_8).replace("+", "%20") + "?lines=";
        ManagementClient.Answer first = client.get(path + (follow ? FOLLOW_WINDOW : lines));
        if (json) {
            out.println(first.body());
            return;
        }
        JsonNode served = first.json().path("servedBy");
        if (served.isTextual()) {
            err.println("picobase: " + subdomain + " runs on node " + served.asText() + "; these are the lines of its "
                    + "runs on node " + first.json().path("node").asText() + " (ask " + served.asText()
                    + "'s management port for the current run)");
        }
        List<String> window = textLines(first.json());
        window.subList(Math.max(0, window.size() - lines), window.size()).forEach(out::println);
        out.flush();
        while (follow) {
            Thread.sleep(FOLLOW_EVERY.toMillis());
            List<String> current = textLines(client.get(path + FOLLOW_WINDOW).json());
            LogTail.newLines(window, current).forEach(out::println);
            out.flush();
            window = current;
        }
    }

    private static List<String> textLines(JsonNode answer) {
        List<String> lines = new ArrayList<>();
        answer.path("lines").forEach(l -> lines.add(l.asText()));
        return lines;
    }
}
