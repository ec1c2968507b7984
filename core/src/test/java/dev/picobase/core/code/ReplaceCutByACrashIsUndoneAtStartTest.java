package dev.picobase.core.code;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tree is replaced by two renames (the old tree aside, the new one in). What would go wrong if the
 * platform died between them: the instance would start, and be saved, with no tree at all. At the
 * next start the tree set aside is put back, and the staging directory removed.
 */
class ReplaceCutByACrashIsUndoneAtStartTest {
    @TempDir
    Path dir;

    @Test
    void theTreeSetAsideIsPutBack() throws Exception {
        Path pbData = Files.createDirectories(dir.resolve("pb_data"));
        Path aside = Files.createDirectories(dir.resolve(CodeFiles.STAGING).resolve("old-pb_hooks"));
        Files.writeString(aside.resolve("main.pb.js"), "// the deployed hook");
        Files.createDirectories(dir.resolve(CodeFiles.STAGING).resolve("new"));

        CodeFiles.recoverInterruptedReplace(pbData);

        assertThat(CodeTree.HOOKS.in(pbData).resolve("main.pb.js")).hasContent("// the deployed hook");
        assertThat(dir.resolve(CodeFiles.STAGING)).doesNotExist();
    }

    @Test
    void aTreeThatWasSwappedInIsKept() throws Exception {
        Path pbData = Files.createDirectories(dir.resolve("pb_data"));
        Files.createDirectories(CodeTree.HOOKS.in(pbData));
        Files.writeString(CodeTree.HOOKS.in(pbData).resolve("main.pb.js"), "// new");
        Path aside = Files.createDirectories(dir.resolve(CodeFiles.STAGING).resolve("old-pb_hooks"));
        Files.writeString(aside.resolve("main.pb.js"), "// old");

        CodeFiles.recoverInterruptedReplace(pbData);

        assertThat(CodeTree.HOOKS.in(pbData).resolve("main.pb.js")).hasContent("// new");
        assertThat(dir.resolve(CodeFiles.STAGING)).doesNotExist();
    }
}
