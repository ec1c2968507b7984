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
     * without invisible characters: bidirectional overrides and isolates (U+202A–202E, U+2066–2069)
     * make a name display as something it is not ("abc", U+202E, "gpj.exe" shows as "abcexe.jpg"),
     * and zero-width ones (U+200B–200F, U+2060–2064, U+FEFF) make two names that look the same differ.
     * All of Unicode's format category (Cf) is refused, the line and paragraph separators (U+2028,
     * U+2029) with it, and the default-ignorable characters outside Cf that fonts draw as nothing
     * (Hangul fillers U+115F, U+1160, U+3164, U+FFA0; the combining grapheme joiner U+034F; Khmer
     * U+17B4–17B5; Mongolian U+180B–180F; variation selectors) plus the braille blank U+2800: an
     * instance named just U+3164 was shown as a blank name. The emoji presentation selectors U+FE0E and
     * U+FE0F are kept right after a symbol, where phones put them ("❤️" is U+2764 U+FE0F) and the
     * symbol shows. A text of nothing but spaces of any kind (U+00A0, U+2000–200A, U+3000, ...) counts
     * as missing.
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
        if (min >= 1 && trimmed.codePoints().allMatch(Character::isSpaceChar)) { // strip() keeps U+00A0 and kin
            throw ApiException.invalid(field, field + " is required");
        }
        if (trimmed.length() > max) {
            throw ApiException.invalid(field, field + " must be at most " + max + " characters");
        }
        if (trimmed.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.invalid(field, field + " must not contain control characters");
        }
        int previous = 0;
        for (int i = 0; i < trimmed.length(); ) {
            int cp = trimmed.codePointAt(i);
            if (isInvisible(cp) && !isPresentationSelectorOfSymbol(cp, previous)) {
                throw ApiException.invalid(field, field + " must not contain invisible or text-direction characters"
                        + String.format(" (found U+%04X)", cp));
            }
            previous = cp;
            i += Character.charCount(cp);
        }
        return trimmed;
    }

    private static boolean isInvisible(int cp) {
        int type = Character.getType(cp);
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                || isDefaultIgnorableOutsideFormat(cp) || cp == 0x2800;
    }

    /**
     * Unicode's Default_Ignorable_Code_Point characters that are not in category Cf (Java has no query
     * for the property): letters and marks that render as nothing, and the unassigned U+FFF0–FFF8.
     */
    private static boolean isDefaultIgnorableOutsideFormat(int cp) {
        return cp == 0x034F || cp == 0x115F || cp == 0x1160 || cp == 0x17B4 || cp == 0x17B5
                || (cp >= 0x180B && cp <= 0x180F) || cp == 0x3164 || (cp >= 0xFE00 && cp <= 0xFE0F)
                || cp == 0xFFA0 || (cp >= 0xFFF0 && cp <= 0xFFF8) || (cp >= 0xE0000 && cp <= 0xE0FFF);
    }

    private static boolean isPresentationSelectorOfSymbol(int cp, int previous) {
        return (cp == 0xFE0E || cp == 0xFE0F) && Character.getType(previous) == Character.OTHER_SYMBOL;
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
