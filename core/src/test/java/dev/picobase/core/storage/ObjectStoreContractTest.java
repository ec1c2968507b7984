package dev.picobase.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picobase.testsupport.StorageKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every {@link ObjectStore} promises, checked on a local directory and on a real S3 server
 * (S3Proxy) through the production client: objects come back byte for byte, keys look like paths,
 * listings are sorted and stay within their prefix, and missing objects are reported, not invented.
 */
@ParameterizedClass
@EnumSource(StorageKind.class)
class ObjectStoreContractTest {
    private static final String SNAPSHOT = "instances/ins_x/snapshots/2026-01-01T00-00-00Z.zip";

    @Parameter
    StorageKind kind;

    @TempDir
    Path dir;

    private ObjectStore store;

    @BeforeEach
    void open() throws IOException {
        store = kind.open(Files.createDirectories(dir.resolve("data")));
    }

    @AfterEach
    void close() {
        try {
            store.list("").forEach(store::delete); // the shared S3Proxy outlives this test
        } finally {
            store.close();
        }
    }

    /** The start-up check writes and deletes a probe: a usable store passes it with nothing left over. */
    @Test
    void theStartupCheckPassesAndLeavesNoObject() {
        store.checkWritable();

        assertThat(store.list("")).isEmpty();
    }

    @Test
    void aSmallFileComesBackByteForByte() throws IOException {
        Path source = Files.writeString(dir.resolve("small.txt"), "hello, object storage\n");

        store.put("small.txt", source);
        Path copy = dir.resolve("copy.txt");
        store.get("small.txt", copy);

        assertThat(copy).hasSameBinaryContentAs(source);
        assertThat(store.size("small.txt")).isEqualTo(Files.size(source));
    }

    @Test
    void aTwentyMegabyteFileComesBackWithTheSameSha256() throws IOException {
        Path source = randomFile(dir.resolve("big.bin"), 20 * 1024 * 1024 + 17, 1);

        store.put(SNAPSHOT, source);
        Path copy = dir.resolve("big-copy.bin");
        store.get(SNAPSHOT, copy);

        assertThat(Files.size(copy)).isEqualTo(Files.size(source));
        assertThat(sha256(copy)).isEqualTo(sha256(source));
        assertThat(store.size(SNAPSHOT)).isEqualTo(Files.size(source));
    }

    @Test
    void sizeIsMinusOneForAMissingKey() throws IOException {
        store.put("present", Files.writeString(dir.resolve("p"), "12345"));

        assertThat(store.size("present")).isEqualTo(5);
        assertThat(store.size("absent")).isEqualTo(-1);
        assertThat(store.size("instances/nobody/snapshots/none.zip")).isEqualTo(-1);
    }

    /** A download streams the object: the same bytes and size as {@code get}, and nothing for a missing key. */
    @Test
    void anOpenedObjectStreamsTheSameBytesAndAMissingOneIsEmpty() throws IOException {
        Path source = randomFile(dir.resolve("open.bin"), 3 * 1024 * 1024 + 5, 7);
        store.put(SNAPSHOT, source);

        Path copy = dir.resolve("open-copy.bin");
        try (StoredObject opened = store.open(SNAPSHOT).orElseThrow()) {
            assertThat(opened.size()).isEqualTo(Files.size(source));
            Files.copy(opened.content(), copy);
        }
        assertThat(sha256(copy)).isEqualTo(sha256(source));
        assertThat(store.open("instances/ins_x/snapshots/missing.zip")).isEmpty();
        // Closed after one read, as a download the client broke off: no error.
        try (StoredObject opened = store.open(SNAPSHOT).orElseThrow()) {
            assertThat(opened.content().read()).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void gettingAMissingKeyThrows() {
        Path destination = dir.resolve("never.zip");

        assertThatThrownBy(() -> store.get("instances/ins_x/snapshots/missing.zip", destination))
                .isInstanceOf(ObjectStoreException.class)
                .hasMessageContaining("missing.zip");
        assertThat(destination).doesNotExist();
    }

    @Test
    void deletingTwiceOrDeletingAMissingKeyIsQuiet() throws IOException {
        store.put(SNAPSHOT, Files.writeString(dir.resolve("s"), "snapshot"));

        store.delete(SNAPSHOT);
        store.delete(SNAPSHOT);
        store.delete("never/existed");

        assertThat(store.size(SNAPSHOT)).isEqualTo(-1);
        assertThat(store.list("")).isEmpty();
    }

    @Test
    void listingIsSortedAndStaysWithinThePrefix() throws IOException {
        Path body = Files.writeString(dir.resolve("b"), "x");
        for (String key : new String[] {
                "instances/ins_b/snapshots/2026-01-02.zip",
                "instances/ins_a/snapshots/2026-01-03.zip",
                "instances/ins_a/snapshots/2026-01-01.zip",
                "instances/ins_a/latest",
                "instances/ins_ab/snapshots/2026-01-01.zip",
                "other/ins_a/snapshots/2026-01-01.zip"}) {
            store.put(key, body);
        }

        assertThat(store.list("instances/ins_a/")).containsExactly(
                "instances/ins_a/latest",
                "instances/ins_a/snapshots/2026-01-01.zip",
                "instances/ins_a/snapshots/2026-01-03.zip");
        assertThat(store.list("instances/ins_a/snapshots/")).containsExactly(
                "instances/ins_a/snapshots/2026-01-01.zip",
                "instances/ins_a/snapshots/2026-01-03.zip");
        assertThat(store.list("instances/ins_a")).hasSize(4);
        assertThat(store.list("")).isSorted().hasSize(6);
        assertThat(store.list("instances/ins_c/")).isEmpty();
    }

    /**
     * Regression: S3Proxy's filesystem store (like bucket consoles' "create folder") answers listings
     * with "instances/", "instances/ins_x/" ... markers; they were returned as if they were objects.
     */
    @Test
    void keysWithSlashesAreOrdinaryKeys() throws IOException {
        Path source = Files.writeString(dir.resolve("s"), "snapshot body");

        store.put(SNAPSHOT, source);

        assertThat(store.list("instances/")).containsExactly(SNAPSHOT);
        assertThat(store.size("instances/ins_x")).isEqualTo(-1);
        Path copy = dir.resolve("restored.zip");
        store.get(SNAPSHOT, copy);
        assertThat(copy).hasContent("snapshot body");
    }

    @Test
    void overwritingAKeyReplacesTheWholeObject() throws IOException {
        store.put(SNAPSHOT, randomFile(dir.resolve("long"), 1024 * 1024, 2));
        Path shorter = Files.writeString(dir.resolve("short"), "short");

        store.put(SNAPSHOT, shorter);

        Path copy = dir.resolve("copy");
        store.get(SNAPSHOT, copy);
        assertThat(copy).hasSameBinaryContentAs(shorter);
        assertThat(store.size(SNAPSHOT)).isEqualTo(5);
        assertThat(store.list("")).containsExactly(SNAPSHOT);
    }

    @Test
    void getReplacesAnExistingDestination() throws IOException {
        store.put("k", Files.writeString(dir.resolve("s"), "new"));
        Path destination = Files.writeString(dir.resolve("d"), "an older, longer local copy");

        store.get("k", destination);

        assertThat(destination).hasContent("new");
    }

    @Test
    void describeNamesTheStoreWithoutCredentials() {
        assertThat(store.describe()).isNotBlank().doesNotContain("secret");
    }

    static Path randomFile(Path file, int length, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int left = length; left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, Math.min(left, chunk.length));
            }
        }
        return file;
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
