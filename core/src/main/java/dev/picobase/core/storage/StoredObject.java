package dev.picobase.core.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * An object opened for reading ({@link ObjectStore#open}): its bytes as a stream, read as they are
 * needed (never all in memory), and its stored size. The reader closes it; an S3 body closed before
 * its end is abandoned, not drained. Threading: read from one blocking thread at a time.
 */
public record StoredObject(InputStream content, long size) implements Closeable {
    @Override
    public void close() throws IOException {
        content.close();
    }
}
