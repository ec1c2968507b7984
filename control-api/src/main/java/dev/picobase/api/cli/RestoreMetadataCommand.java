package dev.picobase.api.cli;

import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.backup.MetadataBackupKeys;
import dev.picobase.core.backup.MetadataBackups;
import dev.picobase.core.backup.MetadataRestore;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.core.storage.ObjectStoreException;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;

/**
 * {@code ./picobase restore-metadata [--list] [<key>|latest]}: lists the embedded metadata
 * database's backups in object storage (the store the configuration names, as the platform reads
 * it), or puts one in place of the database ({@link MetadataRestore}: checked first, the current
 * file set aside, never deleted). A restore is refused while a platform answers on the management
 * port (it holds the database open and would write over the restored one), and with a libSQL
 * server (Turso, sqld), which PicoBase does not back up.
 *
 * <p>Exit codes as {@link Cli}'s: 0 done, 1 refused or failed (nothing changed), 2 misuse.
 * Threading: the main thread only.
 */
final class RestoreMetadataCommand {
    static final String USAGE = "usage: ./picobase restore-metadata [--list] [<key>|latest]";

    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    RestoreMetadataCommand(PrintStream out, PrintStream err, Clock clock) {
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    int run(PicoBaseConfig config, ManagementClient client, List<String> args) {
        boolean list = args.remove("--list");
        if (args.size() > 1 || (!list && args.isEmpty()) || (list && !args.isEmpty())
                || (!args.isEmpty() && args.get(0).startsWith("-"))) {
            err.println("picobase: " + (args.isEmpty() ? "which backup? --list shows them; " : "") + USAGE);
            return 2;
        }
        if (config.metadata().isLibsql()) {
            err.println("picobase: the metadata database is a libSQL server (" + config.metadata()
                    + "), which PicoBase does not back up: restore it with Turso's or sqld's own means (README, "
                    + "\"Backing up the metadata\")");
            return 1;
        }
        try (ObjectStore store = ObjectStore.of(config.objectStorage())) {
            List<String> backups = MetadataBackups.list(store);
            if (list) {
                return list(store, backups);
            }
            String key = args.get(0);
            if (key.equals("latest")) {
                if (backups.isEmpty()) {
                    err.println("picobase: no metadata backups in " + store.describe());
                    return 1;
                }
                key = backups.get(backups.size() - 1);
            } else if (!backups.contains(key)) {
                err.println("picobase: no metadata backup '" + key + "' in " + store.describe()
                        + " (./picobase restore-metadata --list shows them)");
                return 1;
            }
            if (client.answers()) {
                err.println("picobase: a PicoBase platform answers on the management port at " + client.base()
                        + "; stop it first (Ctrl-C, or systemctl stop picobase): it holds the metadata database open");
                return 1;
            }
            MetadataRestore.Restored restored = MetadataRestore.restore(store, key, config.metadata().sqliteFile(),
                    clock.instant());
            out.println("restored " + restored.key() + " (taken "
                    + MetadataBackupKeys.takenAt(restored.key()).orElseThrow() + ") to " + restored.database());
            out.println(restored.setAside().map(p -> "the database it replaced is kept as " + p)
                    .orElse("there was no database there before"));
            out.println("next: ./picobase up");
            return 0;
        } catch (MetadataRestore.RestoreRefused e) {
            err.println("picobase: not restored, nothing changed: " + e.getMessage());
            return 1;
        } catch (IOException | ObjectStoreException e) {
            err.println("picobase: the restore failed: " + e.getMessage());
            return 1;
        }
    }

    private int list(ObjectStore store, List<String> backups) {
        if (backups.isEmpty()) {
            out.println("no metadata backups in " + store.describe());
            return 0;
        }
        TextTable table = new TextTable("KEY", "TAKEN", "SIZE");
        for (String key : backups) {
            table.row(key, MetadataBackupKeys.takenAt(key).orElseThrow().toString(), Units.bytes(store.size(key)));
        }
        out.print(table);
        out.println("(" + store.describe() + "; ./picobase restore-metadata <key>|latest restores one)");
        return 0;
    }
}
