package dev.picobase.api.http;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/** Field checks shared by the route handlers; each failure is a 400 naming the field. */
public final class Validate {
    private static final Pattern EMAIL = Pattern.compile(
            "[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    + "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+");

    private Validate() {}

    /**
     * A present, trimmed text of {@code min}..{@code max} characters without control characters and
     * without invisible formatting characters: bidirectional overrides and isolates (U+202A–202E,
     * U+2066–2069) make a name display as something it is not ("abc", U+202E, "gpj.exe" shows as
     * "abcexe.jpg"), and zero-width ones (U+200B–200F, U+2060–2064, U+FEFF) make two names that look
     * the same differ. All of Unicode's format category (Cf) is refused, and the line and paragraph
     * separators (U+2028, U+2029) with it.
     */
    public static String text(String field, String value, int min, int max) {
        if (value == null) {
            throw ApiException.invalid(field, field + " is required");
        }
        String trimmed = value.strip();
        if (trimmed.length() < min) {
            throw ApiException.invalid(field, min <= 1 ? field + " is required"
                    : field + " must be at least " + min + " characters");
        }
        if (trimmed.length() > max) {
            throw ApiException.invalid(field, field + " must be at most " + max + " characters");
        }
        if (trimmed.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.invalid(field, field + " must not contain control characters");
        }
        trimmed.codePoints().filter(Validate::isInvisibleFormat).findFirst().ifPresent(cp -> {
            throw ApiException.invalid(field, field + " must not contain invisible or text-direction characters"
                    + String.format(" (found U+%04X)", cp));
        });
        return trimmed;
    }

    private static boolean isInvisibleFormat(int codePoint) {
        int type = Character.getType(codePoint);
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }

    /** A syntactically valid email address, lowercased. */
    public static String email(String value) {
        String email = text("email", value, 1, 254).toLowerCase(Locale.ROOT);
        if (!EMAIL.matcher(email).matches()) {
            throw ApiException.invalid("email", "email must be a valid address such as ada@example.com");
        }
        return email;
    }

    /** 8 to 72 bytes: bcrypt ignores everything after the 72nd byte, so longer is refused, not cut. */
    public static String newPassword(String value) {
        if (value == null || value.isEmpty()) {
            throw ApiException.invalid("password", "password is required");
        }
        if (value.codePointCount(0, value.length()) < 8) {
            throw ApiException.invalid("password", "password must be at least 8 characters");
        }
        if (value.getBytes(StandardCharsets.UTF_8).length > 72) {
            throw ApiException.invalid("password", "password must be at most 72 bytes");
        }
        return value;
    }
}
