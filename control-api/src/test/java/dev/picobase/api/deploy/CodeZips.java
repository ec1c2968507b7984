package dev.picobase.api.deploy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Zips for upload tests, including the hostile ones a client could send. */
final class CodeZips {
    private CodeZips() {}

    /** A zip of {@code files} (name to content), in the given order. */
    static byte[] of(Map<String, String> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, String> f : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(f.getKey()));
                zip.write(f.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A zip whose one entry a Unix zip tool marks as a symbolic link to {@code target}. */
    static byte[] symlink(String name, String target) {
        byte[] zip = of(Map.of(name, target));
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 4 <= zip.length; i++) {
            if (b.getInt(i) == 0x02014b50) { // its central directory header
                b.putShort(i + 4, (short) ((3 << 8) | 20)); // made by Unix
                b.putInt(i + 38, 0120777 << 16); // lrwxrwxrwx
            }
        }
        return zip;
    }

    /** One entry of {@code size} zero bytes: deflated to almost nothing, a zip bomb in small. */
    static byte[] zeros(String name, int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry(name));
            zip.write(new byte[size]);
            zip.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
