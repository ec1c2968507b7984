package dev.picobase.api.instances;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.picobase.core.model.ApiKey;
import java.time.Instant;

/**
 * The public JSON view of an API key. {@code key} (the full secret) is present only in the response
 * that created it; listings show {@code hint} ({@code pbk_<id>_…<last four>}) instead.
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record KeyView(String id, String name, String hint, Instant createdAt, Instant lastUsedAt, String key) {

    static KeyView listed(ApiKey k) {
        return new KeyView(k.id(), k.name(), k.displayHint(), k.createdAt(), k.lastUsedAt().orElse(null), null);
    }

    static KeyView created(ApiKey k, String fullKey) {
        return new KeyView(k.id(), k.name(), k.displayHint(), k.createdAt(), null, fullKey);
    }
}
