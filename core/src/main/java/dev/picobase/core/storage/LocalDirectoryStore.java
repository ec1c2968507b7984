package dev.picobase.core.storage;

import dev.picobase.config.ConfigException;
import dev.picobase.core.io.Durable;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The default object store: a directory, one file per object. A put copies into a temporary file
 * beside the target, forces it to disk, renames it into place atomically and forces the directory,
 * so a crash never leaves half an object under a key, and an object that {@code put} returned for
 * survives a power cut. Threading: any thread; blocking.
 */
public final class LocalDirectoryStore implements ObjectStore {
    private static final String UPLOAD_PREFIX = ".upload-";

    private final Path root;

    public LocalDirectoryStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    private Path file(String key) {
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root) || p.equals(root) || key.isBlank()) {
            throw new IllegalArgumentException("bad object key: " + key);
        }
        return p;
    }

    @Override
    public void put(String key, Path source) {
        Path target = file(key);
        try {
            Durable.createDirectories(target.getParent());
            Path temp = Files.createTempFile(target.getParent(), UPLOAD_PREFIX, ".tmp");
            try {
                Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING);
                Durable.force(temp);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                // The caller records the snapshot next: the object's name must outlive a power cut too.
                Durable.forceDirectory(target.getParent());
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new ObjectStoreException("cannot store " + key + " in " + root + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void get(String key, Path destination) {
        try {
            Files.copy(file(key), destination, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException e) {
            throw new ObjectStoreException("no object " + key + " in " + root, e);
        } catch (IOException e) {
            throw new ObjectStoreException("cannot read " + key + " from " + root + ": " + e.getMessage(), e);
        }
    }

    @Override
    public java.util.Optional<StoredObject> open(String key) {
        Path p = file(key);
        try {
            java.io.InputStream in = Files.newInputStream(p);
            try {
                return java.util.Optional.of(new StoredObject(in, Files.size(p)));
            } catch (IOException e) {
                in.close();
                throw e;
            }
        } catch (NoSuchFileException e) {
            return java.util.Optional.empty();
        } catch (IOException e) {
            throw new ObjectStoreException("cannot read " + key + " from " + root + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long size(String key) {
        Path p = file(key);
        try {
            return Files.isRegularFile(p) ? Files.size(p) : -1;
        } catch (IOException e) {
            throw new ObjectStoreException("cannot stat " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(String key) {
        try {
            Durable.delete(file(key)); // so that a pruned snapshot does not come back after a power cut
        } catch (IOException e) {
            throw new ObjectStoreException("cannot delete " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> list(String prefix) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    String key = root.relativize(file).toString().replace('\\', '/');
                    if (attributes.isRegularFile() && !isUpload(file) && key.startsWith(prefix)) {
                        keys.add(key);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE; // an upload renamed, or an object deleted, as we listed
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new ObjectStoreException("cannot list " + root + ": " + e.getMessage(), e);
        }
        Collections.sort(keys);
        return keys;
    }

    /** A put in progress, or one a crash interrupted: not an object, wherever it lies. */
    private static boolean isUpload(Path p) {
        return p.getFileName().toString().startsWith(UPLOAD_PREFIX);
    }

    @Override
    public void checkWritable() {
        try {
            Files.createDirectories(root);
            Files.delete(Files.createTempFile(root, UPLOAD_PREFIX + "probe-", ".tmp"));
        } catch (IOException e) {
            throw new ConfigException("PICOBASE_DATA_DIR", "cannot write the object storage directory " + root
                    + ": " + e);
        }
    }

    @Override
    public String describe() {
        return "local directory " + root;
    }
}
