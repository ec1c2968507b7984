package dev.picobase.core.storage;

import dev.picobase.config.ConfigException;
import dev.picobase.config.ObjectStorageConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.RetryableException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Cloudflare R2 or any S3-compatible endpoint, through the AWS SDK v2: region {@code auto},
 * path-style addressing, and request/response checksums only when required, since R2 and other
 * S3 servers refuse the SDK's newer default checksum headers. A PUT either stores the whole object
 * or none of it (S3 semantics), so no temporary keys are needed.
 */
public final class S3ObjectStore implements ObjectStore {
    /** Bounds the start-up probe: a black-holed endpoint must not stall start-up for minutes. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);

    private final S3Client s3;
    private final String bucket;
    private final String endpoint;

    S3ObjectStore(S3Client s3, String bucket, String endpoint) {
        this.s3 = s3;
        this.bucket = bucket;
        this.endpoint = endpoint;
    }

    public static S3ObjectStore create(ObjectStorageConfig config) {
        return create(config.s3Endpoint().orElseThrow(), config.bucket().orElseThrow(),
                config.accessKeyId().orElseThrow(), config.secretAccessKey().orElseThrow(), "auto");
    }

    public static S3ObjectStore create(String endpoint, String bucket, String accessKey, String secretKey,
                                       String region) {
        return create(endpoint, bucket, accessKey, secretKey, region, Duration.ofSeconds(60));
    }

    /** As above, with how long a read may stall before the attempt fails (tests use a short one). */
    static S3ObjectStore create(String endpoint, String bucket, String accessKey, String secretKey,
                                String region, Duration socketTimeout) {
        S3Client client = S3Client.builder()
                .endpointOverride(URI.create(endpoint))
                .region(Region.of(region))
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(socketTimeout))
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofMinutes(10)))
                .build();
        return new S3ObjectStore(client, bucket, endpoint);
    }

    @Override
    public void put(String key, Path source) {
        try {
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(source));
        } catch (SdkException e) {
            throw new ObjectStoreException("cannot upload " + key + " to " + describe() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Downloads into a temporary file beside {@code destination} and renames it into place only once
     * the whole body arrived, so a broken-off download never leaves a complete-looking file. The
     * length is checked here because, with response checksums off, the HTTP client reports a body
     * cut short of its Content-Length as a normal end of stream.
     */
    @Override
    public void get(String key, Path destination) {
        Path partial = null;
        try {
            Files.deleteIfExists(destination);
            partial = Files.createTempFile(destination.toAbsolutePath().getParent(), ".download-", ".tmp");
            s3.getObject(b -> b.bucket(bucket).key(key), toCompleteFile(partial));
            Files.move(partial, destination, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchKeyException e) {
            throw new ObjectStoreException("no object " + key + " in " + describe(), e);
        } catch (SdkException | IOException e) {
            throw new ObjectStoreException("cannot download " + key + " from " + describe() + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(partial);
        }
    }

    /** Writes the body to {@code file}; a short or failed read is retried by the SDK from the start. */
    private static ResponseTransformer<GetObjectResponse, GetObjectResponse> toCompleteFile(Path file) {
        return (response, in) -> {
            try {
                long received = Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                Long expected = response.contentLength();
                if (expected != null && received != expected) {
                    throw new IOException("body ended after " + received + " of " + expected + " bytes");
                }
                return response;
            } catch (IOException e) {
                throw RetryableException.builder().message("download failed: " + e.getMessage()).cause(e).build();
            }
        };
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a stray temporary file is harmless; the download's own outcome is what matters
            }
        }
    }

    /**
     * The GET's body as it arrives. The SDK does not retry a read that fails part-way through a
     * stream, so the reader must check it got {@link StoredObject#size} bytes (the download endpoint
     * closes the connection on a short body, which the client sees against Content-Length).
     */
    @Override
    public java.util.Optional<StoredObject> open(String key) {
        try {
            software.amazon.awssdk.core.ResponseInputStream<GetObjectResponse> body =
                    s3.getObject(b -> b.bucket(bucket).key(key));
            return java.util.Optional.of(new StoredObject(new java.io.FilterInputStream(body) {
                @Override
                public void close() throws IOException {
                    body.abort(); // a download broken off: drop the connection rather than read the rest
                    body.close();
                }
            }, body.response().contentLength()));
        } catch (NoSuchKeyException e) {
            return java.util.Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return java.util.Optional.empty();
            }
            throw new ObjectStoreException("cannot read " + key + " from " + describe() + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new ObjectStoreException("cannot read " + key + " from " + describe() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long size(String key) {
        try {
            HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(key));
            return head.contentLength();
        } catch (NoSuchKeyException e) {
            return -1;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return -1;
            }
            throw new ObjectStoreException("cannot stat " + key + " in " + describe() + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new ObjectStoreException("cannot stat " + key + " in " + describe() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(String key) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw new ObjectStoreException("cannot delete " + key + " from " + describe() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Keys ending in {@code /} are skipped: they are "folder" markers (made by bucket consoles and by
     * some S3 servers, S3Proxy's filesystem store among them), never objects PicoBase wrote.
     */
    @Override
    public List<String> list(String prefix) {
        List<String> keys = new ArrayList<>();
        String token = null;
        try {
            do {
                ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix);
                if (token != null) {
                    request.continuationToken(token);
                }
                ListObjectsV2Response page = s3.listObjectsV2(request.build());
                page.contents().stream().map(S3Object::key).filter(k -> !k.endsWith("/")).forEach(keys::add);
                token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
            } while (token != null);
        } catch (SdkException e) {
            throw new ObjectStoreException("cannot list " + prefix + " in " + describe() + ": " + e.getMessage(), e);
        }
        keys.sort(null);
        return keys;
    }

    /**
     * One put and one delete of a few bytes under {@code picobase-probe/}. The failure names the
     * setting most likely wrong: the bucket when S3 answered (missing, or not writable with these
     * keys), a key when S3 said which, and the endpoint when nothing answered at all.
     */
    @Override
    public void checkWritable() {
        String key = "picobase-probe/" + UUID.randomUUID();
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).overrideConfiguration(o -> o.apiCallTimeout(PROBE_TIMEOUT)),
                    RequestBody.fromString("PicoBase checks at start that it can write here; safe to delete."));
            s3.deleteObject(b -> b.bucket(bucket).key(key).overrideConfiguration(o -> o.apiCallTimeout(PROBE_TIMEOUT)));
        } catch (S3Exception e) {
            String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
            String answer = e.statusCode() + " " + (code == null || code.isEmpty() ? "" : code);
            switch (code == null ? "" : code) {
                case "InvalidAccessKeyId" -> throw new ConfigException("R2_ACCESS_KEY_ID",
                        "not accepted by " + endpoint + " (" + answer.strip() + ")");
                case "SignatureDoesNotMatch" -> throw new ConfigException("R2_SECRET_ACCESS_KEY",
                        "does not match R2_ACCESS_KEY_ID at " + endpoint + " (" + answer.strip() + ")");
                default -> throw new ConfigException("R2_BUCKET_NAME", (e.statusCode() == 404
                        ? "bucket '" + bucket + "' does not exist at " + endpoint
                        : "cannot write to bucket '" + bucket + "' at " + endpoint) + " (" + answer.strip() + ")");
            }
        } catch (SdkClientException e) {
            throw new ConfigException(endpoint.matches("https://[A-Za-z0-9]+\\.r2\\.cloudflarestorage\\.com/?")
                    ? "R2_ACCOUNT_ID" : "PICOBASE_S3_ENDPOINT",
                    "cannot reach " + endpoint + ": " + oneLine(e.getMessage()));
        }
    }

    private static String oneLine(String message) {
        return message == null ? "no answer" : message.lines().findFirst().orElse("").strip();
    }

    @Override
    public String describe() {
        return "S3 bucket " + bucket + " at " + endpoint;
    }

    @Override
    public void close() {
        s3.close();
    }
}
