package dev.picobase.core.secret;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiKeySecretTest {
    @Test
    void aGeneratedKeyParsesBackToItsParts() {
        ApiKeySecret key = ApiKeySecret.generate();
        assertThat(key.fullKey()).startsWith("pbk_").hasSize(60);
        assertThat(ApiKeySecret.parse(key.fullKey())).contains(key);
        assertThat(key.toString()).doesNotContain(key.secret());
    }

    @Test
    void theSecretCarriesAtLeast128BitsOfRandomness() {
        // 32 random bytes, base64url: 43 characters of 6 bits each.
        assertThat(ApiKeySecret.generate().secret()).hasSize(43);
        assertThat(ApiKeySecret.generate()).isNotEqualTo(ApiKeySecret.generate());
    }

    @Test
    void anythingNotShapedLikeAKeyIsRejectedWithoutWork() {
        assertThat(ApiKeySecret.parse(null)).isEmpty();
        assertThat(ApiKeySecret.parse("")).isEmpty();
        assertThat(ApiKeySecret.parse("pbk_short_secret")).isEmpty();
        String valid = ApiKeySecret.generate().fullKey();
        assertThat(ApiKeySecret.parse(valid.toUpperCase())).isEmpty();
        assertThat(ApiKeySecret.parse("xxx" + valid.substring(3))).isEmpty();
        assertThat(ApiKeySecret.parse(valid.substring(0, 16) + "-" + valid.substring(17))).isEmpty(); // separator
        assertThat(ApiKeySecret.parse(valid.substring(0, 4) + "A" + valid.substring(5))).isEmpty(); // id is lowercase
        assertThat(ApiKeySecret.parse(valid.substring(0, 59) + "+")).isEmpty(); // base64url, not base64
        assertThat(ApiKeySecret.parse(valid.substring(0, 59) + "é")).isEmpty();
        assertThat(ApiKeySecret.isWellFormed(valid)).isTrue();
    }

    @Test
    void passwordsVerifyOnlyTheirOwnSecret() {
        Passwords passwords = new Passwords(10);
        String hash = passwords.hash("correct horse");
        assertThat(hash).startsWith("$2a$10$");
        assertThat(passwords.verify("correct horse", hash)).isTrue();
        assertThat(passwords.verify("wrong horse", hash)).isFalse();
        assertThat(passwords.verify("correct horse", "not a bcrypt hash")).isFalse();
    }
}
