package dev.picobase.core.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.testsupport.InstanceRuntimeFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PocketBase used to run in the platform's process group, so a terminal's Ctrl-C, a
 * {@code kill -- -PGID} or a service manager's group stop killed it directly and the platform saved
 * nothing at shutdown. It now leads a process group of its own (in the platform's session), and the
 * pid the runtime holds (stops, the pid file, crash recovery) is still PocketBase's own, not a
 * launcher's.
 */
class PocketBaseRunsInItsOwnProcessGroupTest {
    @TempDir
    Path dataDir;

    private InstanceRuntimeFixture fixture;

    @BeforeEach
    void setUp() {
        fixture = InstanceRuntimeFixture.create(dataDir);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void pocketBaseLeadsItsOwnGroupInThePlatformsSessionUnderItsOwnPid() throws IOException {
        PocketBaseProcess pb = fixture.runtime().start("alpha");

        long pid = pb.pid();
        Stat stat = Stat.of(pid);
        assertThat(stat.processGroup()).as("process group of PocketBase").isEqualTo(pid);
        // Not a session of its own: that would also give it a scheduler autogroup of its own, which
        // took CPU from the gateway under load.
        assertThat(stat.session()).as("session of PocketBase")
                .isEqualTo(Stat.of(ProcessHandle.current().pid()).session());
        assertThat(Stat.of(ProcessHandle.current().pid()).processGroup()).as("the platform's group")
                .isNotEqualTo(pid);
        ProcessHandle.Info info = ProcessHandle.of(pid).orElseThrow().info();
        assertThat(info.command()).hasValueSatisfying(c -> assertThat(c).endsWith("pocketbase"));
        assertThat(info.arguments()).hasValueSatisfying(args -> assertThat(args)
                .contains(PocketBaseProcess.dirArgument(fixture.directories().instanceDir("alpha").toAbsolutePath())));
        assertThat(Files.readString(fixture.directories().instanceDir("alpha").resolve("pocketbase.pid")).strip())
                .isEqualTo(Long.toString(pid));
        assertThat(fixture.runtime().stop("alpha")).isEqualTo(StopOutcome.TERMINATED);
        assertThat(fixture.unexpectedExits()).isEmpty();
    }

    /** The process group and session fields of {@code /proc/<pid>/stat}. */
    private record Stat(long processGroup, long session) {
        static Stat of(long pid) throws IOException {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // "pid (comm) state ppid pgrp session ...": comm may hold spaces, so split after its ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new Stat(Long.parseLong(fields[2]), Long.parseLong(fields[3]));
        }
    }
}
