package dev.picobase.core.code;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zips a client can craft that {@link ZipOutputStream} would never write: an entry named twice (the
 * second would silently replace the first after it was checked), an entry missing from the central
 * directory (hiding its Unix mode), a file that is also a directory. Each is refused, and nothing is
 * written outside the extraction directory.
 */
class HostileZipsAreRefusedTest {
    private static final CodeLimits LIMITS = new CodeLimits(1 << 20, 100);

    @TempDir
    Path dir;

    @Test
    void anEntryNamedTwiceIsRefused() throws IOException {
        byte[] zip = zip("a.pb.js", "one", "b.pb.js", "two");
        replace(zip, "b.pb.js", "a.pb.js"); // same length: local headers and central directory both
        assertRefused(zip, "invalid_zip", "twice");
    }

    @Test
    void anEntryTheCentralDirectoryDoesNotListIsRefused() throws IOException {
        byte[] zip = zip("a.pb.js", "one");
        int central = indexOf(zip, new byte[] {0x50, 0x4b, 0x01, 0x02});
        byte[] name = "x.pb.js".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, zip, central + 46, name.length); // the directory now names another file
        assertRefused(zip, "invalid_zip", "central directory");
    }

    @Test
    void aFileThatIsAlsoADirectoryIsRefused() throws IOException {
        assertRefused(zip("lib", "a file", "lib/x.js", "inside it"), "invalid_zip", null);
    }

    @Test
    void aPathThroughDotDotIsRefusedAndNothingIsWrittenOutside() throws IOException {
        Path into = Files.createDirectories(dir.resolve("into"));
        assertThatThrownBy(() -> CodeArchive.extract(zip("ok.js", "x", "../out.js", "y"), LIMITS, into))
                .isInstanceOf(CodeRejectedException.class);
        assertThat(dir.resolve("out.js")).doesNotExist();
    }

    @Test
    void pathsAreCheckedOneByOne() {
        assertThat(CodeFiles.checkedPath("lib/util.js")).isEqualTo("lib/util.js");
        for (String bad : new String[] {"", "/abs.js", "a/../b.js", "./a.js", "a//b.js", "a\\b.js", "a\u0000.js",
                "..", "a/"}) {
            assertThatThrownBy(() -> CodeFiles.checkedPath(bad)).as(bad).isInstanceOf(CodeRejectedException.class);
        }
    }

    private void assertRefused(byte[] zip, String code, String words) throws IOException {
        Path into = Files.createDirectories(dir.resolve("into-" + code + System.nanoTime()));
        assertThatThrownBy(() -> CodeArchive.extract(zip, LIMITS, into))
                .isInstanceOfSatisfying(CodeRejectedException.class, e -> {
                    assertThat(e.code()).isEqualTo(code);
                    if (words != null) {
                        assertThat(e.getMessage()).contains(words);
                    }
                });
        assertThatThrownBy(() -> CodeArchive.check(zip, LIMITS)).isInstanceOf(CodeRejectedException.class);
    }

    private static byte[] zip(String... namesAndContents) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                zip.putNextEntry(new ZipEntry(namesAndContents[i]));
                zip.write(namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private static void replace(byte[] zip, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.UTF_8);
        byte[] t = to.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + f.length <= zip.length; i++) {
            if (java.util.Arrays.equals(zip, i, i + f.length, f, 0, f.length)) {
                System.arraycopy(t, 0, zip, i, t.length);
            }
        }
    }

    private static int indexOf(byte[] zip, byte[] what) {
        for (int i = 0; i + what.length <= zip.length; i++) {
            if (java.util.Arrays.equals(zip, i, i + what.length, what, 0, what.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
