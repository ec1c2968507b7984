package dev.picobase.api.cli;

import java.util.List;

/**
 * What {@code ./picobase logs -f} prints after each poll: the lines of the newest window of an
 * instance's log that were not in the previous window. The management port answers the last lines
 * (a window that slides as lines arrive) without a position, so the new lines are found by overlap:
 * the previous window, less the {@code d} lines that slid out of it, is the start of the new one,
 * and the smallest such {@code d} wins.
 *
 * <p>Limit: when the window is full and the log repeats itself with a period that divides the
 * number of new lines (the same few lines over and over), that looks like no change, and those
 * lines are not printed. PocketBase's lines carry timestamps, so this does not arise in practice.
 * When nothing overlaps (more new lines than the window holds between two polls), the whole new
 * window is printed.
 */
final class LogTail {
    private LogTail() {}

    static List<String> newLines(List<String> previous, List<String> current) {
        for (int dropped = 0; dropped <= previous.size(); dropped++) {
            int kept = previous.size() - dropped;
            if (kept <= current.size() && previous.subList(dropped, previous.size()).equals(current.subList(0, kept))) {
                return current.subList(kept, current.size()); // kept == 0: no overlap, all of it
            }
        }
        throw new AssertionError("unreachable: an empty overlap always matches");
    }
}
