package dev.picobase.api.instances;

import dev.picobase.api.auth.Sessions;
import dev.picobase.api.http.ApiException;
import dev.picobase.api.http.ApiRequest;
import dev.picobase.api.http.ApiResponse;
import dev.picobase.api.http.Router;
import dev.picobase.core.model.Instance;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.core.store.MetadataStore.DayUsage;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code GET /api/instances/:id/usage?days=30}: what an instance used on each of the last {@code days}
 * UTC days (1–90, default 30), oldest first, today included: requests served, request and response
 * body bytes, awake seconds, cold starts, and the size of its latest snapshot as of that day (carried
 * over from earlier days when none was saved that day; null before the first). Days without traffic
 * are listed with zeros, so a chart needs no gaps filled. The counts come from the metadata store,
 * written every few seconds by each node's {@link dev.picobase.core.store.UsageRecorder}. Owner only.
 *
 * <p>Threading: the handler blocks (database); the API's blocking executor.
 */
public final class UsageRoutes {
    static final int MAX_DAYS = 90;

    /** One day's usage as answered. */
    record DayView(String day, long requests, long bytesIn, long bytesOut, long awakeSeconds, long coldStarts,
                   Long snapshotBytes) {}

    record Totals(long requests, long bytesIn, long bytesOut, long awakeSeconds, long coldStarts) {}

    private final MetadataStore store;
    private final Sessions sessions;
    private final InstanceRoutes instances;
    private final Clock clock;

    public UsageRoutes(MetadataStore store, Sessions sessions, InstanceRoutes instances, Clock clock) {
        this.store = store;
        this.sessions = sessions;
        this.instances = instances;
        this.clock = clock;
    }

    public void register(Router router) {
        router.add(HttpMethod.GET, "/api/instances/:id/usage", this::usage);
    }

    private ApiResponse usage(ApiRequest request) {
        Instance instance = instances.owned(request, sessions.require(request));
        int days = days(request);
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        LocalDate from = today.minusDays(days - 1L);
        Map<String, DayUsage> stored = store.usage(instance.id(), from.toString()).stream()
                .collect(Collectors.toMap(DayUsage::day, Function.identity()));
        Long snapshot = store.snapshotBytesBefore(instance.id(), from.toString()).orElse(null);
        List<DayView> views = new ArrayList<>(days);
        long requests = 0, in = 0, out = 0, awake = 0, starts = 0;
        for (LocalDate d = from; !d.isAfter(today); d = d.plusDays(1)) {
            DayUsage u = stored.get(d.toString());
            if (u == null) {
                views.add(new DayView(d.toString(), 0, 0, 0, 0, 0, snapshot));
                continue;
            }
            snapshot = u.snapshotBytes() != null ? u.snapshotBytes() : snapshot;
            long seconds = u.awakeMillis() / 1000;
            views.add(new DayView(d.toString(), u.requests(), u.bytesIn(), u.bytesOut(), seconds, u.coldStarts(),
                    snapshot));
            requests += u.requests();
            in += u.bytesIn();
            out += u.bytesOut();
            awake += seconds;
            starts += u.coldStarts();
        }
        return ApiResponse.ok(Map.of("days", views, "totals", new Totals(requests, in, out, awake, starts)));
    }

    private static int days(ApiRequest request) {
        List<String> param = request.query().get("days");
        if (param == null || param.isEmpty()) {
            return 30;
        }
        int days;
        try {
            days = Integer.parseInt(param.get(0));
        } catch (NumberFormatException e) {
            days = -1;
        }
        if (days < 1 || days > MAX_DAYS) {
            throw ApiException.invalid("days", "days must be a whole number from 1 to " + MAX_DAYS);
        }
        return days;
    }
}
