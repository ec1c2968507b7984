package dev.picobase.core.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.testsupport.Deadline;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chatty or misbehaving PocketBase must not fill the disk or the heap. Its output is written to
 * the log file by the operating system (real processes here, redirected as PocketBase is), read on
 * demand, and kept under its cap by rotation.
 */
class InstanceLogStaysBoundedTest {
    private static final long CAP = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    void manyLinesKeepEachFileUnderItsCapAndTheNewestLinesReadable() throws Exception {
        Path file = dir.resolve("logs/pocketbase.log");
        try (InstanceLog log = InstanceLog.open(file, CAP)) {
            run(log, "awk 'BEGIN { x = sprintf(\"%80s\", \"\"); gsub(/ /, \"x\", x); "
                    + "for (i = 0; i < 20000; i++) print \"line \" i \" \" x }'");
            assertThat(Files.size(file)).as("written by the process itself, past the cap").isGreaterThan(CAP);
            log.enforceCap();

            assertThat(Files.size(file)).isLessThanOrEqualTo(CAP);
            assertThat(Files.size(dir.resolve("logs/pocketbase.log.1"))).isPositive().isLessThanOrEqualTo(CAP);
            try (var files = Files.list(dir.resolve("logs"))) {
                assertThat(files).hasSize(2);
            }
            assertThat(log.recent(2)).containsExactly(
                    "line 19998 " + "x".repeat(80), "line 19999 " + "x".repeat(80));
            assertThat(log.recent(100)).hasSize(100).allMatch(l -> l.matches("line \\d+ x{80}"));
        }
        List<String> fromDisk = InstanceLog.readRecent(file, 3);
        assertThat(fromDisk).extracting(l -> l.split(" ")[1]).containsExactly("19997", "19998", "19999");
    }

    /**
     * The process keeps its file open for appending: after a rotation empties the file it goes on
     * writing at its start (no hole of zero bytes where its old offset was), and {@link InstanceLog#since}
     * still finds what it wrote after a mark taken before the rotation.
     */
    @Test
    void aRunningProcessGoesOnWritingAtTheStartOfTheRotatedFile() throws Exception {
        Path file = dir.resolve("pocketbase.log");
        Path go = dir.resolve("go");
        try (InstanceLog log = InstanceLog.open(file, 1024)) {
            log.append("---- started");
            long mark = log.mark();
            Process process = start(log, "b=$(printf '%060d' 0 | tr 0 b); for i in $(seq 1 40); do echo \"before $i $b\"; done;"
                    + " while [ ! -e " + go + " ]; do sleep 0.05; done; echo after-rotation");
            Deadline.await("the process wrote its 40 lines, past the cap", Duration.ofSeconds(10),
                    () -> text(file).contains("before 40 "));
            assertThat(size(file)).isGreaterThan(1024);
            log.enforceCap();
            assertThat(size(file)).isZero();
            Files.createFile(go);
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();

            assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo("after-rotation\n");
            assertThat(log.since(mark, 3)).containsExactly("before 39 " + "b".repeat(60), "before 40 " + "b".repeat(60),
                    "after-rotation");
            assertThat(log.recent(1)).containsExactly("after-rotation");
        }
    }

    @Test
    void anEndlessLineIsCutIntoPiecesWhenRead() throws Exception {
        Path file = dir.resolve("pocketbase.log");
        try (InstanceLog log = InstanceLog.open(file, CAP)) {
            run(log, "head -c 1000000 /dev/zero | tr '\\0' y");
            log.enforceCap();

            // What is kept (the cap's worth of the line) reads as 4096-character pieces.
            assertThat(log.recent(100)).hasSize((int) (CAP / 4096)).allMatch(l -> l.length() == 4096 && l.matches("y+"));
            assertThat(Files.size(file)).isLessThanOrEqualTo(CAP);
            assertThat(Files.size(dir.resolve("pocketbase.log.1"))).isEqualTo(CAP);
        }
    }

    @Test
    void carriageReturnsAndAnUnterminatedLastLineAreHandled() throws Exception {
        try (InstanceLog log = InstanceLog.open(dir.resolve("pocketbase.log"))) {
            run(log, "printf 'one\\r\\ntwo\\n\\nthree'");

            assertThat(log.recent(10)).containsExactly("one", "two", "", "three");
        }
    }

    @Test
    void aReopenedLogStartsWithThePreviousRunsLines() {
        Path file = dir.resolve("pocketbase.log");
        try (InstanceLog first = InstanceLog.open(file)) {
            first.append("from the first run");
        }
        try (InstanceLog second = InstanceLog.open(file)) {
            long mark = second.mark();
            second.append("from the second run");

            assertThat(second.recent(10)).containsExactly("from the first run", "from the second run");
            assertThat(second.since(mark, 10)).containsExactly("from the second run");
        }
    }

    private static void run(InstanceLog log, String script) throws Exception {
        assertThat(start(log, script).waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    private static Process start(InstanceLog log, String script) throws IOException {
        return new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).redirectOutput(log.redirect()).start();
    }

    private static String text(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
