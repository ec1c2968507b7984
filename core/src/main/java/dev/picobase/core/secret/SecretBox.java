package dev.picobase.core.secret;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encrypts instances' secret values at rest with the platform key: AES-256-GCM, a fresh random
 * 96-bit nonce per value, the instance id and the secret's name as associated data (a value copied
 * to another instance's or name's row does not decrypt). Stored as {@code v1.<base64 nonce+ciphertext>}.
 * The key is {@code PICOBASE_SECRETS_KEY}, or else {@code <dataDir>/secrets.key}, read when a secret
 * is first sealed or opened and generated then (mode 0600) with a warning if it does not exist yet:
 * losing it loses every secret, and every node of a cluster needs the same one. (Not at start: a
 * platform whose tenants set no secret needs no key, and a start that fails for another reason says
 * only why.)
 *
 * <p>Threading: immutable; any thread (each call makes its own {@link Cipher}).
 */
public final class SecretBox {
    private static final Logger LOG = LoggerFactory.getLogger(SecretBox.class);
    private static final String PREFIX = "v1.";
    private static final int NONCE_BYTES = 12;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final java.util.function.Supplier<SecretKeySpec> keys;
    private volatile SecretKeySpec key;

    public SecretBox(byte[] key) {
        SecretKeySpec spec = spec(key);
        this.keys = () -> spec;
    }

    private SecretBox(java.util.function.Supplier<SecretKeySpec> keys) {
        this.keys = keys;
    }

    private static SecretKeySpec spec(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("the secrets key must be 32 bytes");
        }
        return new SecretKeySpec(key.clone(), "AES");
    }

    /** The configured key, or the one in {@code <dataDir>/secrets.key}, generated there when first needed. */
    public static SecretBox load(Optional<byte[]> configured, Path dataDir) {
        if (configured.isPresent()) {
            return new SecretBox(configured.get());
        }
        return new SecretBox(() -> fromFile(dataDir));
    }

    private SecretKeySpec key() {
        SecretKeySpec k = key;
        if (k == null) {
            synchronized (SecretBox.class) { // one generation, whichever box asks first
                if (key == null) {
                    key = keys.get();
                }
                k = key;
            }
        }
        return k;
    }

    private static SecretKeySpec fromFile(Path dataDir) {
        Path file = dataDir.resolve("secrets.key");
        try {
            if (!Files.exists(file)) {
                byte[] fresh = new byte[32];
                RANDOM.nextBytes(fresh);
                Files.createDirectories(dataDir);
                Files.writeString(file, Base64.getEncoder().encodeToString(fresh) + "\n", StandardCharsets.US_ASCII,
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                LOG.warn("PICOBASE_SECRETS_KEY is not set: generated the key that encrypts instances' secrets into {}."
                        + " Back it up (without it no secret can be read), and in a cluster give every node the same "
                        + "key in PICOBASE_SECRETS_KEY", file);
            }
            byte[] key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip());
            return spec(key);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the secrets key " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(file + " does not hold a base64 key of 32 bytes", e);
        }
    }

    public String encrypt(String instanceId, String name, String value) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key(), new GCMParameterSpec(128, nonce));
            cipher.updateAAD(aad(instanceId, name));
            byte[] sealed = cipher.doFinal(value.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[nonce.length + sealed.length];
            System.arraycopy(nonce, 0, out, 0, nonce.length);
            System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
            return PREFIX + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }

    /** The value, or {@link IllegalStateException} when it was sealed with another key or for another row. */
    public String decrypt(String instanceId, String name, String stored) {
        if (!stored.startsWith(PREFIX)) {
            throw new IllegalStateException("secret " + name + " of " + instanceId + " is in an unknown format");
        }
        byte[] in = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key(), new GCMParameterSpec(128, in, 0, NONCE_BYTES));
            cipher.updateAAD(aad(instanceId, name));
            return new String(cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalStateException("secret " + name + " of " + instanceId + " does not decrypt with this "
                    + "platform's key (PICOBASE_SECRETS_KEY or secrets.key differs from the one that stored it)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }

    private static byte[] aad(String instanceId, String name) {
        return (instanceId + "\0" + name).getBytes(StandardCharsets.UTF_8);
    }
}
