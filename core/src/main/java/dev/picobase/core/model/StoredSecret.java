package dev.picobase.core.model;

import java.time.Instant;

/**
 * An instance's secret as stored: its name, its encrypted value ({@link dev.picobase.core.secret.SecretBox})
 * and when it was set. The value is opened only to start the instance's PocketBase.
 */
public record StoredSecret(String name, String encryptedValue, Instant setAt) {}
