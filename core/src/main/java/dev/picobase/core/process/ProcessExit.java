package dev.picobase.core.process;

import java.util.List;

/**
 * How a PocketBase process ended: its exit code, whether PicoBase had asked it to stop, a one-line
 * reason for people, and the last lines it printed. Immutable.
 */
public record ProcessExit(String instanceId, int exitCode, boolean unexpected, String reason, List<String> lastOutput) {
    public ProcessExit {
        lastOutput = List.copyOf(lastOutput);
    }

    /** {@code exit code 137 (SIGKILL)}: shells report death by signal N as 128 + N. */
    public static String describe(int exitCode) {
        String signal = switch (exitCode - 128) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 6 -> "SIGABRT";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 15 -> "SIGTERM";
            default -> null;
        };
        return "exit code " + exitCode + (signal == null ? "" : " (" + signal + ")");
    }
}
