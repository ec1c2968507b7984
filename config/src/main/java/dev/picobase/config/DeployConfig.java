package dev.picobase.config;

import java.util.Optional;

/**
 * Code an owner deploys and the secrets an instance gets: the most bytes one upload and one code tree
 * may hold ({@code PICOBASE_DEPLOY_MAX_BYTES}, counted as extracted), the most files in one tree
 * ({@code PICOBASE_DEPLOY_MAX_FILES}), and the platform key that encrypts instances' secrets at rest
 * ({@code PICOBASE_SECRETS_KEY}, base64 of 32 bytes; absent: generated into the data directory on
 * first start).
 */
public record DeployConfig(long maxBytes, int maxFiles, Optional<byte[]> secretsKey) {

    /** Never prints the key. */
    @Override
    public String toString() {
        return "deploys up to " + maxBytes + " bytes and " + maxFiles + " files per tree"
                + (secretsKey.isPresent() ? " (secrets key set)" : "");
    }
}
