package dev.picobase.core.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A chatty or misbehaving PocketBase must not fill the disk or the heap. */
class InstanceLogStaysBoundedTest {
    private static final long CAP = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    void manyLinesKeepEachFileUnderItsCapAndTheNewestLinesReadable() throws IOException {
        Path file = dir.resolve("logs/pocketbase.log");
        String input = IntStream.range(0, 20_000).mapToObj(i -> "line " + i + " " + "x".repeat(80))
                .collect(Collectors.joining("\n", "", "\n"));
        try (InstanceLog log = InstanceLog.open(file, CAP, 100)) {
            log.capture(stream(input), "test-log").join();

            assertThat(Files.size(file)).isPositive().isLessThanOrEqualTo(CAP);
            assertThat(Files.size(dir.resolve("logs/pocketbase.log.1"))).isLessThanOrEqualTo(CAP);
            try (var files = Files.list(dir.resolve("logs"))) {
                assertThat(files).hasSize(2);
            }
            assertThat(log.recent(1_000)).hasSize(100);
            assertThat(log.recent(2)).containsExactly(
                    "line 19998 " + "x".repeat(80), "line 19999 " + "x".repeat(80));
        }
        List<String> fromDisk = InstanceLog.readRecent(file, 3);
        assertThat(fromDisk).extracting(l -> l.split(" ")[1]).containsExactly("19997", "19998", "19999");
    }

    @Test
    void anEndlessLineIsCutIntoPiecesInsteadOfBufferedWhole() throws IOException {
        Path file = dir.resolve("pocketbase.log");
        try (InstanceLog log = InstanceLog.open(file, CAP, 100)) {
            log.capture(stream("y".repeat(1_000_000)), "test-log").join();

            assertThat(log.recent(100)).allMatch(l -> l.length() <= CAP / 4);
            assertThat(Files.size(file)).isLessThanOrEqualTo(CAP);
        }
    }

    @Test
    void carriageReturnsAndAnUnterminatedLastLineAreHandled() {
        try (InstanceLog log = InstanceLog.open(dir.resolve("pocketbase.log"))) {
            log.capture(stream("one\r\ntwo\nthree"), "test-log").join();

            assertThat(log.recent(10)).containsExactly("one", "two", "three");
        }
    }

    @Test
    void aReopenedLogStartsWithThePreviousRunsLines() {
        Path file = dir.resolve("pocketbase.log");
        try (InstanceLog first = InstanceLog.open(file)) {
            first.append("from the first run");
        }
        try (InstanceLog second = InstanceLog.open(file)) {
            second.append("from the second run");

            assertThat(second.recent(10)).containsExactly("from the first run", "from the second run");
            assertThat(second.since(second.mark() - 1, 10)).containsExactly("from the second run");
        }
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }
}
