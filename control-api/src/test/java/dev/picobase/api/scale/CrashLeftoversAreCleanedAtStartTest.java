package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.StoreKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: what a crash left beside an instance's {@code pb_data} (a restore's staging, the
 * data a restore was replacing, a copy being evicted) stayed on disk for ever, uncounted by the disk
 * budget. The platform now puts them right when it starts: leftovers are deleted, and data a restore
 * was replacing comes back when the crash left no {@code pb_data}.
 */
class CrashLeftoversAreCleanedAtStartTest {
    @TempDir
    Path dir;

    @Test
    void aRestartRemovesLeftoversAndBringsBackReplacedData() throws IOException {
        String kept;
        String between;
        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, dir, Map.of(), Clock.systemUTC())) {
            ApiClient.SignedIn user = api.client().signUpAndSignIn();
            kept = user.createInstance().path("id").asText();
            between = user.createInstance().path("id").asText();
        }
        Path a = dir.resolve("instances").resolve(kept);
        write(a.resolve("pb_data/marker.txt"), "current");
        write(a.resolve("pb_data.restoring/data.db"), "half extracted");
        write(a.resolve("pb_data.evicted/data.db"), "saved copy being deleted");
        Path b = dir.resolve("instances").resolve(between);
        write(b.resolve("pb_data.old/marker.txt"), "the only copy");

        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, dir, Map.of(), Clock.systemUTC())) {
            assertThat(a.resolve("pb_data.restoring")).doesNotExist();
            assertThat(a.resolve("pb_data.evicted")).doesNotExist();
            assertThat(Files.readString(a.resolve("pb_data/marker.txt"))).isEqualTo("current");
            assertThat(b.resolve("pb_data.old")).doesNotExist();
            assertThat(Files.readString(b.resolve("pb_data/marker.txt"))).isEqualTo("the only copy");
        }
    }

    /**
     * A delete the platform did not finish (it died after the row was gone) leaves the instance's
     * directory marked {@code deleting}: it is removed at start. A directory without a row and without
     * that mark is kept — the platform may have been pointed at the wrong metadata database, and those
     * files may be the only copy of someone's data.
     */
    @Test
    void aRestartFinishesAnInterruptedDeleteAndKeepsUnknownData() throws IOException {
        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, dir, Map.of(), Clock.systemUTC())) {
            api.client().signUpAndSignIn().createInstance();
        }
        Path deleting = dir.resolve("instances").resolve("ins_deleted");
        write(deleting.resolve("deleting"), "");
        write(deleting.resolve("pb_data/data.db"), "of a deleted instance");
        Path unknown = dir.resolve("instances").resolve("ins_unknown");
        write(unknown.resolve("pb_data/data.db"), "nobody's row, maybe someone's data");

        try (RunningApi api = RunningApi.start(StoreKind.SQLITE, dir, Map.of(), Clock.systemUTC())) {
            assertThat(deleting).doesNotExist();
            assertThat(Files.readString(unknown.resolve("pb_data/data.db"))).isEqualTo("nobody's row, maybe someone's data");
        }
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
