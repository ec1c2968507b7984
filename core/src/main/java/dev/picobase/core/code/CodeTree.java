package dev.picobase.core.code;

import dev.picobase.core.process.PocketBaseProcess;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The three trees of code an owner deploys to an instance, each passed to PocketBase by its flag:
 * {@code pb_hooks} (JavaScript hooks), {@code pb_migrations} (JavaScript migrations, applied at the
 * next start) and {@code pb_public} (static files served at {@code /}). They live inside
 * {@code pb_data/picobase/}, so every snapshot carries them and a restore brings them back; a
 * snapshot taken before code could be deployed restores with none.
 */
public enum CodeTree {
    HOOKS("pb_hooks"),
    MIGRATIONS("pb_migrations"),
    PUBLIC("pb_public");

    private final String dirName;

    CodeTree(String dirName) {
        this.dirName = dirName;
    }

    /** The name in URLs and on disk ({@code pb_hooks}, ...). */
    public String dirName() {
        return dirName;
    }

    /** The tree's directory inside an instance's {@code pbData}. */
    public Path in(Path pbData) {
        return pbData.resolve(PocketBaseProcess.CODE_DIR).resolve(dirName);
    }

    public static Optional<CodeTree> named(String name) {
        return Arrays.stream(values()).filter(t -> t.dirName.equals(name)).findFirst();
    }
}
