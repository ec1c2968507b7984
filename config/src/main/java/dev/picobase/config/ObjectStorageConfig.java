package dev.picobase.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where instance snapshots are kept: a local directory (the default) or an S3-compatible bucket
 * (Cloudflare R2 from its account id, or any endpoint from {@code PICOBASE_S3_ENDPOINT}).
 */
public record ObjectStorageConfig(
        Path localDirectory,
        Optional<String> s3Endpoint,
        Optional<String> bucket,
        Optional<String> accessKeyId,
        Optional<String> secretAccessKey) {

    public boolean isS3() {
        return s3Endpoint.isPresent();
    }

    /** Never prints the secret key. */
    @Override
    public String toString() {
        return s3Endpoint.map(e -> "s3 " + e + " bucket " + bucket.orElse("?")).orElse("local " + localDirectory);
    }
}
