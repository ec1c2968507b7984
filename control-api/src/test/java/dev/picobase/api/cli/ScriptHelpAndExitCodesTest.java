package dev.picobase.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.PicobaseScript;
import dev.picobase.api.testsupport.PicobaseScript.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ./picobase help} (and {@code -h}, {@code --help}, no command at all) lists every command the
 * script dispatches, one line each, and exits 0; an unknown command says so on stderr and exits 2;
 * {@code <command> --help} prints that command's help and exits 0 — in particular {@code up --help}
 * and {@code migrate --help} neither build, nor start a JVM, nor create the data directory.
 *
 * <p>What went wrong before: {@code ./picobase up --help} built (mvn install) and started the
 * platform, since {@code up} passed its arguments to a Java main that ignored them; an unknown
 * command printed the help on stdout. And a help kept by hand drifts from the commands: the
 * commands asserted here are read from the script's own dispatch ({@code case "$command" in}).
 *
 * <p>The script runs with stubs for {@code java} and {@code mvn} on its PATH that record any call,
 * so "nothing built, nothing started" is what the stubs saw, and every run costs a bash process only.
 */
@Timeout(120)
class ScriptHelpAndExitCodesTest {
    @TempDir
    Path dir;

    private PicobaseScript script;

    @BeforeEach
    void script() {
        script = PicobaseScript.withoutJava(dir).with("PICOBASE_DATA_DIR", dir.resolve("data").toString());
    }

    /** The commands {@code case "$command" in} dispatches (its labels, without the option spellings). */
    static List<String> dispatchedCommands() throws IOException {
        List<String> commands = new ArrayList<>();
        boolean inDispatch = false;
        Pattern label = Pattern.compile("^  ([a-z][a-z|-]*)\\)\\s*$");
        for (String line : Files.readAllLines(PicobaseScript.path(), StandardCharsets.UTF_8)) {
            if (line.equals("case \"$command\" in")) {
                inDispatch = true;
            } else if (inDispatch && line.equals("esac")) {
                break;
            } else if (inDispatch) {
                Matcher m = label.matcher(line);
                if (m.matches()) {
                    for (String name : m.group(1).split("\\|")) {
                        if (!name.startsWith("-")) {
                            commands.add(name);
                        }
                    }
                }
            }
        }
        return commands;
    }

    @ParameterizedTest
    @ValueSource(strings = {"help", "-h", "--help", ""})
    void helpListsEveryCommandOnALineOfItsOwnAndExitsZero(String spelling) throws IOException {
        List<String> commands = dispatchedCommands();
        assertThat(commands).contains("up", "test", "migrate", "bench", "status", "instances", "logs", "version",
                "help");

        Outcome help = spelling.isEmpty() ? script.run() : script.run(spelling);

        assertThat(help.exitCode()).as(help.toString()).isZero();
        assertThat(help.stderr()).isEmpty();
        for (String command : commands) {
            assertThat(help.stdout().lines().filter(l -> l.matches("  " + Pattern.quote(command) + " {2,}\\S.*")))
                    .as("one line for '%s' in:\n%s", command, help.stdout()).hasSize(1);
        }
        assertNothingRan();
    }

    @Test
    void anUnknownCommandSaysSoOnStderrAndExitsTwo() {
        Outcome unknown = script.run("frobnicate");

        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(2);
        assertThat(unknown.stdout()).isEmpty();
        assertThat(unknown.stderr().lines().toList())
                .containsExactly("picobase: unknown command 'frobnicate' (./picobase help lists the commands)");

        Outcome unknownHelp = script.run("frobnicate", "--help");
        assertThat(unknownHelp.exitCode()).as(unknownHelp.toString()).isEqualTo(2);
        assertThat(unknownHelp.stderr()).contains("unknown command 'frobnicate'");
        assertNothingRan();
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h"})
    void upAndMigrateHelpPrintHelpAndStartNothing(String option) {
        for (String command : List.of("up", "migrate")) {
            Outcome help = script.run(command, option);

            assertThat(help.exitCode()).as(help.toString()).isZero();
            assertThat(help.stdout()).startsWith("usage: ./picobase " + command + "\n");
            assertThat(help.stderr()).isEmpty();
        }
        assertNothingRan();
        assertThat(dir.resolve("data")).as("PICOBASE_DATA_DIR, which a start would create").doesNotExist();
    }

    @Test
    void everyCommandHasItsOwnHelp() throws IOException {
        for (String command : dispatchedCommands()) {
            Outcome help = script.run(command, "--help");

            assertThat(help.exitCode()).as(command + ": " + help).isZero();
            assertThat(help.stdout()).as(command).startsWith("usage: ./picobase " + (command.equals("help") ? "<command>"
                    : command));
            Outcome viaHelp = script.run("help", command);
            assertThat(viaHelp.stdout()).as("help " + command).isEqualTo(help.stdout());
        }
        assertNothingRan();
    }

    private void assertNothingRan() {
        assertThat(script.callsOf("mvn")).as("mvn calls (a build)").isEmpty();
        assertThat(script.callsOf("java")).as("java calls (PicoBase started)").isEmpty();
    }
}
