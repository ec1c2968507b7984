package dev.picobase.api.admin;

import dev.picobase.api.ControlEvents;
import dev.picobase.api.auth.Caller;
import dev.picobase.api.auth.Sessions;
import dev.picobase.api.http.ApiException;
import dev.picobase.api.http.ApiRequest;
import dev.picobase.api.http.ApiResponse;
import dev.picobase.api.http.Router;
import dev.picobase.api.instances.InstanceRoutes;
import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.model.Instance;
import dev.picobase.core.model.InstanceOverview;
import dev.picobase.core.model.InstanceStatus;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.MetadataStore.AccountOverview;
import dev.picobase.core.store.MetadataStore.AuditEntry;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/admin/*}, the operators' side of the control API ({@code PICOBASE_OPERATOR_EMAILS}):
 * every account and every instance, stop and start any instance, suspend and reactivate an account,
 * and the audit log of these actions. Anyone else is answered 403 {@code operator_only} (401 without
 * a session) before anything is read.
 *
 * <p>A suspension is stored first (the account's sessions end with it, and its keys are no longer
 * found by the gateway's key check), then the keys' cached verdicts are dropped on this node (other
 * nodes read the trigger-written change within half a second, {@code ClusterSync}), and only then are
 * its instances stopped, each where it runs, as its owner's stop would: a request with one of its
 * keys can no longer wake an instance once the stops begin. A stop that fails is reported in the
 * answer and leaves the suspension in place.
 *
 * <p>Start and stop act where the instance runs ({@code OwnerCalls}); the node that acts records the
 * audit entry, so a call forwarded to another node is recorded once, there.
 *
 * <p>Threading: handlers block (database, stopping instances); they run on the API's blocking executor.
 */
public final class AdminRoutes {
    static final int DEFAULT_AUDIT_LIMIT = 100;
    static final int MAX_AUDIT_LIMIT = 1000;

    record Person(String id, String email) {}

    record AccountView(String id, String name, String email, Instant createdAt, boolean suspended,
                       Instant suspendedAt, int instances, boolean operator) {}

    record InstanceRow(String id, String name, String subdomain, String url, String status, String statusReason,
                       String failureCause, Person owner, Instant lastUsedAt, Long snapshotBytes, String node) {}

    record AuditView(long id, Instant at, Person actor, String action, String target, String detail) {}

    private final MetadataStore store;
    private final Sessions sessions;
    private final PicoBaseConfig config;
    private final InstanceRoutes instances;
    private final ControlEvents events;

    public AdminRoutes(MetadataStore store, Sessions sessions, PicoBaseConfig config, InstanceRoutes instances,
                       ControlEvents events) {
        this.store = store;
        this.sessions = sessions;
        this.config = config;
        this.instances = instances;
        this.events = events;
    }

    public void register(Router router) {
        router.add(HttpMethod.GET, "/api/admin/accounts", this::accounts)
                .add(HttpMethod.GET, "/api/admin/instances", this::listInstances)
                .add(HttpMethod.POST, "/api/admin/instances/:id/stop", this::stop)
                .add(HttpMethod.POST, "/api/admin/instances/:id/start", this::start)
                .add(HttpMethod.POST, "/api/admin/accounts/:id/suspend", this::suspend)
                .add(HttpMethod.POST, "/api/admin/accounts/:id/reactivate", this::reactivate)
                .add(HttpMethod.GET, "/api/admin/audit", this::audit);
    }

    private ApiResponse accounts(ApiRequest request) {
        sessions.requireOperator(request);
        return ApiResponse.ok(Map.of("items", store.listAccountOverviews().stream().map(this::view).toList()));
    }

    private AccountView view(AccountOverview a) {
        return new AccountView(a.user().id(), a.user().name(), a.user().email(), a.user().createdAt(),
                a.suspendedAt().isPresent(), a.suspendedAt().orElse(null), a.instances(),
                sessions.isOperator(a.user()));
    }

    private ApiResponse listInstances(ApiRequest request) {
        sessions.requireOperator(request);
        return ApiResponse.ok(Map.of("items", store.listInstanceOverviews().stream().map(this::row).toList()));
    }

    private InstanceRow row(InstanceOverview o) {
        Instance i = o.instance();
        return new InstanceRow(i.id(), i.name(), i.subdomain(), config.instanceUrl(i.subdomain()), i.status().wireName(),
                i.statusReason().orElse(null), o.failureCause().orElse(null), new Person(i.ownerId(), o.ownerEmail()),
                i.lastActivityAt().orElse(null),
                o.latestSnapshotBytes().isPresent() ? o.latestSnapshotBytes().getAsLong() : null,
                o.leaseNode().orElse(null));
    }

    private Instance instance(ApiRequest request) {
        return store.findInstance(request.pathParam("id")).orElseThrow(() -> ApiException.notFound("no such instance"));
    }

    private ApiResponse stop(ApiRequest request) {
        Caller caller = sessions.requireOperator(request);
        Instance instance = instance(request);
        ApiResponse stopped = instances.stopOn(request, caller, instance, null);
        audit(caller, stopped, "instance.stop", instance.id(), instance.subdomain());
        return stopped;
    }

    private ApiResponse start(ApiRequest request) {
        Caller caller = sessions.requireOperator(request);
        Instance instance = instance(request);
        if (store.isSuspended(instance.ownerId())) {
            throw ApiException.conflict("account_suspended", null,
                    "the instance's account is suspended; reactivate the account first");
        }
        ApiResponse started = instances.startOn(request, caller, instance);
        audit(caller, started, "instance.start", instance.id(), instance.subdomain());
        return started;
    }

    private MetadataStore.AccountOverview account(ApiRequest request) {
        return store.findAccountOverview(request.pathParam("id"))
                .orElseThrow(() -> ApiException.notFound("no such account"));
    }

    /**
     * Suspends the account and stops its instances: 200 with the account as listed and the instances
     * stopped ({@code stopped}) or not ({@code notStopped}, with the error each stop answered).
     */
    private ApiResponse suspend(ApiRequest request) {
        Caller caller = sessions.requireOperator(request);
        AccountOverview target = account(request);
        if (target.user().id().equals(caller.userId())) {
            throw ApiException.badRequest("cannot_suspend_self", "an operator cannot suspend their own account");
        }
        if (!store.suspendUser(target.user().id())) {
            throw ApiException.conflict("already_suspended", null, "the account is suspended already");
        }
        events.accountSuspended(store.listApiKeyIdsOfUser(target.user().id()));
        List<String> stopped = new ArrayList<>();
        List<Map<String, String>> notStopped = new ArrayList<>();
        for (Instance i : store.listInstances(target.user().id())) {
            if (i.status() != InstanceStatus.RUNNING && i.status() != InstanceStatus.STARTING) {
                continue; // stopped, stopping already, or failed (not running; a failed save retries on its own)
            }
            try {
                ApiResponse answer = instances.stopOn(request, caller, i, "/api/admin/instances/" + i.id() + "/stop");
                if (answer.status().code() / 100 == 2) {
                    stopped.add(i.id());
                } else {
                    notStopped.add(Map.of("id", i.id(), "error", String.valueOf(answer.body())));
                }
            } catch (ApiException e) {
                notStopped.add(Map.of("id", i.id(), "error", e.code() + ": " + e.getMessage()));
            } catch (RuntimeException e) { // the operator sees the whole cause; the other instances go on
                notStopped.add(Map.of("id", i.id(), "error", e.toString()));
            }
        }
        store.recordAudit(caller.userId(), caller.user().email(), "account.suspend", target.user().id(),
                target.user().email() + (stopped.isEmpty() ? "" : "; instances stopped: " + String.join(", ", stopped))
                        + (notStopped.isEmpty() ? "" : "; not stopped: " + notStopped.size()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("account", view(store.findAccountOverview(target.user().id()).orElse(target)));
        body.put("stopped", stopped);
        body.put("notStopped", notStopped);
        return ApiResponse.ok(body);
    }

    private ApiResponse reactivate(ApiRequest request) {
        Caller caller = sessions.requireOperator(request);
        AccountOverview target = account(request);
        if (!store.reactivateUser(target.user().id())) {
            throw ApiException.conflict("not_suspended", null, "the account is not suspended");
        }
        events.accountReactivated(store.listApiKeyIdsOfUser(target.user().id()));
        store.recordAudit(caller.userId(), caller.user().email(), "account.reactivate", target.user().id(),
                target.user().email());
        return ApiResponse.ok(Map.of("account", view(store.findAccountOverview(target.user().id()).orElse(target))));
    }

    /** The newest entries first, {@code ?limit=} 1–1000 (default 100). */
    private ApiResponse audit(ApiRequest request) {
        sessions.requireOperator(request);
        int limit = DEFAULT_AUDIT_LIMIT;
        List<String> param = request.query().get("limit");
        if (param != null && !param.isEmpty()) {
            try {
                limit = Integer.parseInt(param.get(0));
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_AUDIT_LIMIT) {
                throw ApiException.invalid("limit", "limit must be a whole number from 1 to " + MAX_AUDIT_LIMIT);
            }
        }
        return ApiResponse.ok(Map.of("items", store.listAudit(limit).stream().map(AdminRoutes::view).toList()));
    }

    private static AuditView view(AuditEntry e) {
        return new AuditView(e.id(), e.at(), new Person(e.actorId(), e.actorEmail()), e.action(),
                e.target().orElse(null), e.detail().orElse(null));
    }

    /**
     * Records a successful action, unless another node acted on it (that node records it: the
     * answer names it in {@code X-PicoBase-Node}).
     */
    private void audit(Caller caller, ApiResponse answer, String action, String target, String detail) {
        boolean forwarded = answer.headers().stream().anyMatch(h -> h.getKey().equalsIgnoreCase("X-PicoBase-Node"));
        if (answer.status().code() / 100 == 2 && !forwarded) {
            store.recordAudit(caller.userId(), caller.user().email(), action, target, detail);
        }
    }
}
