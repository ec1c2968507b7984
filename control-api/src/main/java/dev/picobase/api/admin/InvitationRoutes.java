package dev.picobase.api.admin;

import dev.picobase.api.auth.Caller;
import dev.picobase.api.auth.Sessions;
import dev.picobase.api.http.ApiException;
import dev.picobase.api.http.ApiRequest;
import dev.picobase.api.http.ApiResponse;
import dev.picobase.api.http.Json;
import dev.picobase.api.http.Router;
import dev.picobase.api.http.Validate;
import dev.picobase.core.model.Invitation;
import dev.picobase.core.secret.Tokens;
import dev.picobase.core.store.MetadataStore;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code /api/admin/invitations}: operators create single-use sign-up links (for
 * {@code PICOBASE_SIGNUP=invite}), list them with their state and revoke them. A link's token is
 * shown once, in the creation's answer; only its SHA-256 is stored. Each creation and revocation is
 * written to the operators' audit log.
 *
 * <p>Threading: handlers block (database); they run on the API's blocking executor.
 */
public final class InvitationRoutes {
    static final Duration DEFAULT_EXPIRY = Duration.ofDays(7);
    static final int MIN_HOURS = 1;
    static final int MAX_HOURS = 30 * 24;
    /** A Host header fit to be put in a link: a name or address and an optional port, nothing else. */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}(:\\d{1,5})?|\\[[0-9A-Fa-f:.]+\\](:\\d{1,5})?");

    record Create(String email, String note, Integer expiresInHours) {}

    /** An invitation as operators read it; never its token. */
    public record InvitationView(String id, String email, String note, String state, Instant createdAt,
                                 Instant expiresAt, String usedBy, Instant usedAt) {
        static InvitationView of(Invitation i, Instant now) {
            return new InvitationView(i.id(), i.email().orElse(null), i.note().orElse(null), i.state(now),
                    i.createdAt(), i.expiresAt(), i.usedBy().orElse(null), i.usedAt().orElse(null));
        }
    }

    private final MetadataStore store;
    private final Sessions sessions;
    private final Clock clock;
    private final boolean https;

    public InvitationRoutes(MetadataStore store, Sessions sessions, Clock clock, boolean https) {
        this.store = store;
        this.sessions = sessions;
        this.clock = clock;
        this.https = https;
    }

    public void register(Router router) {
        router.add(HttpMethod.POST, "/api/admin/invitations", this::create)
                .add(HttpMethod.GET, "/api/admin/invitations", this::list)
                .add(HttpMethod.DELETE, "/api/admin/invitations/:id", this::delete);
    }

    private ApiResponse create(ApiRequest request) {
        Caller operator = sessions.requireOperator(request);
        Create body = Json.read(request, Create.class);
        String email = body.email() == null || body.email().isBlank() ? null : Validate.email(body.email());
        String note = body.note() == null || body.note().isBlank() ? null : Validate.text("note", body.note(), 1, 200);
        Duration expiresIn = DEFAULT_EXPIRY;
        if (body.expiresInHours() != null) {
            if (body.expiresInHours() < MIN_HOURS || body.expiresInHours() > MAX_HOURS) {
                throw ApiException.invalid("expiresInHours", "expiresInHours must be between " + MIN_HOURS
                        + " and " + MAX_HOURS + " (30 days)");
            }
            expiresIn = Duration.ofHours(body.expiresInHours());
        }
        String token = "pbi_" + Tokens.randomSecret(32);
        Instant now = clock.instant();
        Invitation invitation = store.createInvitation(Tokens.sha256Hex(token), email, note, operator.userId(),
                now.plus(expiresIn));
        store.recordAudit(operator.userId(), operator.user().email(), "invitation.create", invitation.id(),
                email == null ? "any email" : "for " + email);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("invitation", InvitationView.of(invitation, now));
        answer.put("token", token);
        link(request).ifPresent(base -> answer.put("url", base + "/signup?invitation=" + token));
        return ApiResponse.created(answer);
    }

    private ApiResponse list(ApiRequest request) {
        sessions.requireOperator(request);
        Instant now = clock.instant();
        List<InvitationView> items = store.listInvitations().stream().map(i -> InvitationView.of(i, now)).toList();
        return ApiResponse.ok(Map.of("items", items));
    }

    private ApiResponse delete(ApiRequest request) {
        Caller operator = sessions.requireOperator(request);
        String id = request.pathParam("id");
        if (!store.deleteInvitation(id)) {
            throw ApiException.notFound("no such invitation");
        }
        store.recordAudit(operator.userId(), operator.user().email(), "invitation.revoke", id, null);
        return ApiResponse.noContent();
    }

    /** The admin UI's address as the operator reached it, when the Host header is fit for a link. */
    private Optional<String> link(ApiRequest request) {
        return request.header(HttpHeaderNames.HOST).map(String::strip).filter(h -> HOST.matcher(h).matches())
                .map(h -> (https ? "https://" : "http://") + h);
    }
}
