package dev.picobase.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.api.testsupport.RepoFiles;
import dev.picobase.testsupport.StoreKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The README's "A session with curl", run by bash as printed (only the ports are the test's) against a
 * fresh platform, each answer checked against the {@code #} line under its command ({@code …} stands for
 * anything) or the {@code # NNN} at the end of it. What could go wrong: a sample that no longer matches
 * the API (a renamed field, a field the API omits), a command that fails as typed, or a step the reader
 * needs but the session skips (the instance's first admin and collection before a record can be read).
 */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadmeCurlSessionTest extends PlatformPerStoreKind {
    private static final String MARK = "@@step-done@@";
    private static final Pattern ASSIGNMENT = Pattern.compile("^[A-Z_]+=.*");
    /** A comment at the end of a command's last line, after two spaces or more. */
    private static final Pattern TRAILING = Pattern.compile("\\s{2,}#\\s*(\\S.*)$");

    record Step(String command, Optional<String> expected) {}

    @Test
    void theCurlSessionRunsAsPrintedAndAnswersWhatItShows(@TempDir Path work) throws Exception {
        List<Step> steps = steps(curlSession());
        assertThat(steps).as("the session's commands").hasSizeGreaterThan(10);

        StringBuilder script = new StringBuilder("set -eu -o pipefail\n");
        for (Step step : steps) {
            script.append(onTestPorts(step.command())).append("\nprintf '\\n").append(MARK).append("\\n'\n");
        }
        Path file = work.resolve("session.sh");
        Files.writeString(file, script);
        Process bash = new ProcessBuilder("bash", file.toString()).directory(work.toFile())
                .redirectError(work.resolve("stderr.txt").toFile()).start();
        String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bash.waitFor(120, TimeUnit.SECONDS)).as("the session ends").isTrue();
        String stderr = Files.readString(work.resolve("stderr.txt"));
        assertThat(bash.exitValue()).as("bash's exit code; stdout:\n%s\nstderr:\n%s", out, stderr).isZero();

        List<String> printed = Arrays.asList(out.split("\n" + Pattern.quote(MARK) + "\n", -1));
        assertThat(printed).as(out).hasSize(steps.size() + 1);
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            String got = printed.get(i).strip();
            if (step.expected().isPresent()) {
                assertThat(got).as("what %s prints", step.command())
                        .matches(pattern(asConfigured(step.expected().get())));
            } else {
                assertThat(got).as("%s prints nothing", step.command()).isEmpty();
            }
        }
    }

    /** The first bash block after the heading. */
    private static List<String> curlSession() throws IOException {
        List<String> readme = Files.readAllLines(RepoFiles.path("README.md"));
        int heading = readme.indexOf("### A session with curl");
        assertThat(heading).as("the README's heading").isNotNegative();
        int open = readme.subList(heading, readme.size()).indexOf("```bash") + heading;
        int close = readme.subList(open + 1, readme.size()).indexOf("```") + open + 1;
        return readme.subList(open + 1, close);
    }

    /**
     * Commands (continued lines joined) with what each prints: the {@code #} line right under a command
     * that is not an assignment, or its trailing {@code # ...}. Other comments are prose.
     */
    static List<Step> steps(List<String> lines) {
        List<Step> steps = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                i++;
                continue;
            }
            List<String> command = new ArrayList<>();
            command.add(line);
            while (line.endsWith("\\") && i + 1 < lines.size()) {
                line = lines.get(++i);
                command.add(line);
            }
            i++;
            boolean assignment = ASSIGNMENT.matcher(command.get(0)).matches();
            Optional<String> expected = Optional.empty();
            Matcher trailing = TRAILING.matcher(command.get(command.size() - 1));
            if (trailing.find()) {
                if (!assignment) {
                    expected = Optional.of(trailing.group(1));
                }
                String last = command.get(command.size() - 1);
                command.set(command.size() - 1, last.substring(0, trailing.start()));
            } else if (!assignment && i < lines.size() && lines.get(i).startsWith("# ")) {
                expected = Optional.of(lines.get(i).substring(2));
                i++;
            }
            steps.add(new Step(String.join("\n", command), expected));
        }
        return steps;
    }

    private String onTestPorts(String text) {
        return text.replace("http://localhost:3000", "http://localhost:" + api.port())
                .replace(".localhost:8080", ".localhost:" + api.gatewayPort());
    }

    /** A sample answer as this platform words it: its control API's port, its instances' URLs. */
    private String asConfigured(String text) {
        String instanceHost = api.config().instanceUrl("x").substring("http://x".length());
        return text.replace("http://localhost:3000", "http://localhost:" + api.port())
                .replace(".localhost:8080", instanceHost);
    }

    /** The sample as a pattern: literal text, with each {@code …} standing for anything. */
    private static String pattern(String sample) {
        return Arrays.stream(sample.split("…", -1)).map(Pattern::quote).collect(Collectors.joining(".*"));
    }
}
