package dev.picobase.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The local directory store keeps to its root and never shows half an object: a put goes to a
 * temporary file that is renamed into place, and neither a finished nor a crashed put leaves its
 * temporary file visible as a key.
 */
class LocalDirectoryStoreTest {
    @TempDir
    Path dir;

    private Path root() {
        return dir.resolve("objects");
    }

    /** Regression: "." and "a/.." named the root itself, and a put then replaced the root with a file. */
    @ParameterizedTest
    @ValueSource(strings = {"../x", "a/../../x", "/etc/passwd", "", " ", ".", "a/.."})
    void keysOutsideTheRootAreRefused(String key) throws IOException {
        LocalDirectoryStore store = new LocalDirectoryStore(root());
        Path source = Files.writeString(dir.resolve("s"), "x");

        assertThatThrownBy(() -> store.put(key, source)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.get(key, dir.resolve("d"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.size(key)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.delete(key)).isInstanceOf(IllegalArgumentException.class);
        assertThat(dir.resolve("x")).doesNotExist();
        assertThat(allFiles(dir)).containsExactly(source);
    }

    @Test
    void aFinishedPutLeavesNoTemporaryFiles() throws IOException {
        LocalDirectoryStore store = new LocalDirectoryStore(root());
        Path source = ObjectStoreContractTest.randomFile(dir.resolve("s"), 3 * 1024 * 1024, 3);

        store.put("top-level.zip", source);
        store.put("instances/ins_x/snapshots/2026-01-01.zip", source);
        store.put("instances/ins_x/snapshots/2026-01-01.zip", source);

        assertThat(allFiles(root())).containsExactlyInAnyOrder(
                root().resolve("top-level.zip"),
                root().resolve("instances/ins_x/snapshots/2026-01-01.zip"));
    }

    @Test
    void aFailedPutLeavesNoTemporaryFileAndKeepsThePreviousObject() throws IOException {
        LocalDirectoryStore store = new LocalDirectoryStore(root());
        store.put("k", Files.writeString(dir.resolve("s"), "good"));

        assertThatThrownBy(() -> store.put("k", dir.resolve("does-not-exist")))
                .isInstanceOf(ObjectStoreException.class);

        assertThat(allFiles(root())).containsExactly(root().resolve("k"));
        assertThat(root().resolve("k")).hasContent("good");
    }

    /**
     * What a put interrupted by a crash leaves behind is not an object. Regression: the filter only
     * matched "/.upload-", so a temporary file directly under the root was listed as a key.
     */
    @Test
    void listingIgnoresTemporaryFilesLeftByACrashedPut() throws IOException {
        LocalDirectoryStore store = new LocalDirectoryStore(root());
        store.put("instances/ins_x/latest", Files.writeString(dir.resolve("s"), "x"));
        Files.writeString(root().resolve(".upload-123.tmp"), "half");
        Files.writeString(root().resolve("instances/ins_x/.upload-456.tmp"), "half");

        assertThat(store.list("")).containsExactly("instances/ins_x/latest");
        assertThat(store.list("instances/")).containsExactly("instances/ins_x/latest");
    }

    @Test
    void listingWhileAPutIsInProgressNeverShowsAPartialObject() throws Exception {
        LocalDirectoryStore store = new LocalDirectoryStore(root());
        Files.createDirectories(root());
        Path source = ObjectStoreContractTest.randomFile(dir.resolve("s"), 16 * 1024 * 1024, 4);
        List<String> keys = List.of("top.zip", "instances/ins_x/snapshots/2026-01-01.zip");

        CompletableFuture<Void> puts = CompletableFuture.runAsync(() -> keys.forEach(k -> store.put(k, source)));
        int listings = 0;
        while (!puts.isDone() || listings == 0) {
            for (String key : store.list("")) {
                assertThat(keys).contains(key);
                assertThat(store.size(key)).isEqualTo(Files.size(source));
            }
            listings++;
        }
        puts.get(30, TimeUnit.SECONDS);

        assertThat(store.list("")).containsExactlyInAnyOrder(keys.toArray(String[]::new));
    }

    @Test
    void listingAStoreThatWasNeverWrittenIsEmpty() {
        assertThat(new LocalDirectoryStore(root()).list("")).isEmpty();
    }

    private static List<Path> allFiles(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }
}
