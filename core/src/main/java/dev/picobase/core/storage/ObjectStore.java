package dev.picobase.core.storage;

import dev.picobase.config.ObjectStorageConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * Where instance snapshots live: the truth, of which the local disk is only a cache. Objects are
 * written whole or not at all (a reader never sees half an object under a key), and PicoBase never
 * overwrites one: every snapshot is a new key.
 *
 * <p>Threading: every method blocks on I/O; call from a blocking executor. Implementations are safe
 * for concurrent use.
 */
public interface ObjectStore extends AutoCloseable {

    /** Uploads {@code source} as {@code key}; throws {@link ObjectStoreException} if it did not complete. */
    void put(String key, Path source);

    /** Downloads {@code key} into {@code destination} (replacing it); throws if missing or failed. */
    void get(String key, Path destination);

    /**
     * Opens {@code key} for reading as a stream (a download served to a user: nothing is staged on
     * disk or held in memory); empty when there is no such object. The caller closes it.
     */
    java.util.Optional<StoredObject> open(String key);

    /** The stored size of {@code key}, or -1 when there is no such object. */
    long size(String key);

    /** Deletes {@code key}; nothing happens if it does not exist. */
    void delete(String key);

    /** Every key starting with {@code prefix}, sorted. */
    List<String> list(String prefix);

    /**
     * Writes and deletes one small object, so a store PicoBase cannot use shows at start-up rather
     * than at the first save; throws {@link dev.picobase.config.ConfigException} naming the setting
     * to fix ({@code R2_BUCKET_NAME}, {@code PICOBASE_S3_ENDPOINT}, ...).
     */
    void checkWritable();

    /** For logs: which store this is, without credentials. */
    String describe();

    @Override
    default void close() {
    }

    static ObjectStore of(ObjectStorageConfig config) {
        return config.isS3() ? S3ObjectStore.create(config) : new LocalDirectoryStore(config.localDirectory());
    }
}
