package dev.picobase.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code logs -f} finds the new lines of each poll by the overlap of two windows of the same log.
 * What could go wrong: lines printed twice when the window slides, lines lost when the window was
 * not yet full, a repeated line taken for an old one, everything reprinted when nothing changed.
 */
class LogTailTest {
    @Test
    void aGrowingWindowYieldsOnlyItsNewLines() {
        assertThat(LogTail.newLines(List.of(), List.of("a", "b"))).containsExactly("a", "b");
        assertThat(LogTail.newLines(List.of("a", "b"), List.of("a", "b", "c"))).containsExactly("c");
        assertThat(LogTail.newLines(List.of("a", "b"), List.of("a", "b"))).isEmpty();
    }

    @Test
    void aFullWindowThatSlidYieldsTheLinesThatPushedTheOthersOut() {
        assertThat(LogTail.newLines(List.of("a", "b", "c"), List.of("c", "d", "e"))).containsExactly("d", "e");
        assertThat(LogTail.newLines(List.of("a", "b", "c"), List.of("b", "c", "d"))).containsExactly("d");
    }

    @Test
    void aRepeatedLineIsNewWhenItIsNew() {
        assertThat(LogTail.newLines(List.of("x", "a", "a"), List.of("a", "a", "a"))).containsExactly("a");
        assertThat(LogTail.newLines(List.of("a", "a"), List.of("a", "a", "a"))).containsExactly("a");
    }

    @Test
    void noOverlapMeansMoreNewLinesThanTheWindowHolds() {
        assertThat(LogTail.newLines(List.of("a", "b"), List.of("c", "d"))).containsExactly("c", "d");
    }
}
