package dev.picobase.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.filesystem.reference.FilesystemConstants;

/**
 * A real S3-compatible server (S3Proxy) in this JVM, on a free loopback port, over a jclouds
 * {@code filesystem} blob store in a fresh directory, checking AWS v4 signatures against fixed test
 * credentials. {@link #shared()} is one server for the whole test JVM; tests keep out of each
 * other's way with {@link #newBucket()}.
 *
 * <p>Buckets are created through the blob store, not through S3: S3Proxy refuses CreateBucket in
 * region {@code auto}, which is what PicoBase's own client uses (as R2 wants). Object requests in
 * region {@code auto} are accepted, so the production client is the one tests drive.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "picobase-test-access-key";
    public static final String SECRET_KEY = "picobase-test-secret-key";

    private static S3ProxyServer shared;
    private static final AtomicInteger buckets = new AtomicInteger();

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final String endpoint;
    private final String bucket;

    private S3ProxyServer(S3Proxy proxy, BlobStoreContext context, String endpoint) {
        this.proxy = proxy;
        this.context = context;
        this.endpoint = endpoint;
        this.bucket = newBucket();
    }

    public static synchronized S3ProxyServer shared() {
        if (shared == null) {
            try {
                shared = start(Files.createTempDirectory("picobase-s3proxy-"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /** Starts a server keeping its objects under {@code dir}. */
    public static S3ProxyServer start(Path dir) {
        Properties properties = new Properties();
        properties.setProperty(FilesystemConstants.PROPERTY_BASEDIR, dir.toAbsolutePath().toString());
        BlobStoreContext context = ContextBuilder.newBuilder("filesystem")
                .credentials("identity", "credential")
                .overrides(properties)
                .buildView(BlobStoreContext.class);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        try {
            proxy.start();
            Deadline.await("S3Proxy to start", Duration.ofSeconds(20), () -> "STARTED".equals(proxy.getState()));
        } catch (Exception e) {
            context.close();
            throw new IllegalStateException("cannot start S3Proxy", e);
        }
        return new S3ProxyServer(proxy, context, "http://127.0.0.1:" + proxy.getPort());
    }

    /** The URL to put in {@code PICOBASE_S3_ENDPOINT}. */
    public String endpoint() {
        return endpoint;
    }

    /** The bucket created with the server. */
    public String bucket() {
        return bucket;
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    /** Creates an empty bucket no other test uses and returns its name. */
    public String newBucket() {
        String name = "picobase-test-" + buckets.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
        BlobStore store = context.getBlobStore();
        if (!store.createContainerInLocation(null, name)) {
            throw new IllegalStateException("bucket " + name + " already exists");
        }
        return name;
    }

    /** The configuration variables that select this server and {@link #bucket()}. */
    public Map<String, String> environment() {
        return environment(bucket);
    }

    /** The configuration variables that select this server and {@code bucketName}. */
    public Map<String, String> environment(String bucketName) {
        Map<String, String> env = new HashMap<>();
        env.put("PICOBASE_S3_ENDPOINT", endpoint);
        env.put("R2_ACCESS_KEY_ID", ACCESS_KEY);
        env.put("R2_SECRET_ACCESS_KEY", SECRET_KEY);
        env.put("R2_BUCKET_NAME", bucketName);
        return env;
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop S3Proxy", e);
        } finally {
            context.close();
        }
    }
}
