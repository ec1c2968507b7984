package dev.picobase.api.instances;

import dev.picobase.api.auth.Caller;
import dev.picobase.api.cluster.OwnerCalls;
import dev.picobase.api.http.ApiException;
import dev.picobase.api.http.ApiRequest;
import dev.picobase.api.http.ApiResponse;
import dev.picobase.api.http.Router;
import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.code.CodeArchive;
import dev.picobase.core.code.CodeFile;
import dev.picobase.core.code.CodeFiles;
import dev.picobase.core.code.CodeLimits;
import dev.picobase.core.code.CodeRejectedException;
import dev.picobase.core.code.CodeTree;
import dev.picobase.core.model.Instance;
import dev.picobase.core.runtime.HoldLimitException;
import dev.picobase.core.runtime.InstanceDeletedException;
import dev.picobase.core.runtime.InstanceElsewhereException;
import dev.picobase.core.runtime.InstanceLifecycle;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code /api/instances/:id/files/:tree}: the code deployed to an instance ({@link CodeTree}: hooks,
 * migrations, public files), listed, one file written or deleted, or a whole tree replaced by a zip.
 * Owner only (a deploy token of the instance too, {@link DeployCallers}): another user's instance is
 * a 404. Paths and zips are checked before the instance is touched; a change then goes through
 * {@link InstanceLifecycle#changeData}, which restarts a running instance (requests held meanwhile)
 * and saves a snapshot, so the previous code is one restore away. In a cluster the node holding the
 * instance's lease acts ({@link OwnerCalls}).
 *
 * <p>Threading: handlers block (database, files, a restart); they run on the API's blocking executor.
 */
public final class FileRoutes {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FileRoutes.class);

    private final InstanceRoutes instances;
    private final DeployCallers callers;
    private final PicoBaseConfig config;
    private final InstanceLifecycle lifecycle;
    private final OwnerCalls owners;
    private final CodeLimits limits;

    public FileRoutes(InstanceRoutes instances, DeployCallers callers, PicoBaseConfig config,
                      InstanceLifecycle lifecycle, OwnerCalls owners) {
        this.instances = instances;
        this.callers = callers;
        this.config = config;
        this.lifecycle = lifecycle;
        this.owners = owners;
        this.limits = new CodeLimits(config.deploy().maxBytes(), config.deploy().maxFiles());
    }

    public void register(Router router) {
        router.add(HttpMethod.GET, "/api/instances/:id/files/:tree", this::list)
                .add(HttpMethod.PUT, "/api/instances/:id/files/:tree", this::replace)
                .add(HttpMethod.PUT, "/api/instances/:id/files/:tree/*path", this::write)
                .add(HttpMethod.DELETE, "/api/instances/:id/files/:tree/*path", this::delete);
    }

    /** {@code {"tree", "files": [{path, size, sha256, modified}]}}, by path. */
    private ApiResponse list(ApiRequest request) {
        Caller caller = callers.forFiles(request);
        Instance instance = instances.owned(request, caller);
        CodeTree tree = tree(request);
        return onOwner(request, caller, instance, () -> ApiResponse.ok(listing(tree,
                lifecycle.readData(instance.id(), pbData -> CodeFiles.list(tree.in(pbData))))));
    }

    /** The whole tree replaced by the body, a zip ({@code Content-Type: application/zip}). */
    private ApiResponse replace(ApiRequest request) {
        Caller caller = callers.forFiles(request);
        Instance instance = instances.owned(request, caller);
        CodeTree tree = tree(request);
        String type = request.header("Content-Type").orElse("").split(";")[0].strip();
        if (!type.equalsIgnoreCase("application/zip")) {
            throw new ApiException(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                    "send the tree as a zip with Content-Type: application/zip (one file: PUT .../files/"
                            + tree.dirName() + "/<path>)", null, Map.of());
        }
        byte[] zip = request.body();
        checked(() -> {
            CodeArchive.check(zip, limits); // refused before the instance is touched
            return null;
        });
        return onOwner(request, caller, instance, () -> {
            InstanceLifecycle.Changed<List<CodeFile>> changed = lifecycle.changeData(instance.id(),
                    pbData -> checked(() -> CodeFiles.replace(pbData, tree, zip, limits)));
            LOG.info("instance {}: {} replaced ({} files)", instance.id(), tree.dirName(), changed.result().size());
            Map<String, Object> body = listing(tree, changed.result());
            body.put("instance", InstanceView.of(changed.instance(), config));
            return ApiResponse.ok(body);
        });
    }

    /** One file, the body as it is (any content type). */
    private ApiResponse write(ApiRequest request) {
        Caller caller = callers.forFiles(request);
        Instance instance = instances.owned(request, caller);
        CodeTree tree = tree(request);
        String path = checked(() -> CodeFiles.checkedPath(request.pathParam("path")));
        byte[] content = request.body();
        return onOwner(request, caller, instance, () -> {
            InstanceLifecycle.Changed<CodeFile> changed = lifecycle.changeData(instance.id(),
                    pbData -> checked(() -> CodeFiles.write(tree.in(pbData), path, content, limits)));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("tree", tree.dirName());
            body.put("file", changed.result());
            body.put("instance", InstanceView.of(changed.instance(), config));
            return ApiResponse.ok(body);
        });
    }

    private ApiResponse delete(ApiRequest request) {
        Caller caller = callers.forFiles(request);
        Instance instance = instances.owned(request, caller);
        CodeTree tree = tree(request);
        String path = checked(() -> CodeFiles.checkedPath(request.pathParam("path")));
        return onOwner(request, caller, instance, () -> {
            // Looked up first, so a path that is not there changes nothing (and restarts nothing).
            boolean present = lifecycle.readData(instance.id(), pbData -> CodeFiles.list(tree.in(pbData)).stream()
                    .anyMatch(f -> f.path().equals(path)));
            if (!present) {
                throw ApiException.notFound("no file '" + path + "' in " + tree.dirName());
            }
            InstanceLifecycle.Changed<Boolean> changed = lifecycle.changeData(instance.id(),
                    pbData -> checked(() -> CodeFiles.delete(tree.in(pbData), path)));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("tree", tree.dirName());
            body.put("deleted", path);
            body.put("instance", InstanceView.of(changed.instance(), config));
            return ApiResponse.ok(body);
        });
    }

    private static Map<String, Object> listing(CodeTree tree, List<CodeFile> files) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("tree", tree.dirName());
        body.put("files", files);
        return body;
    }

    private static CodeTree tree(ApiRequest request) {
        return CodeTree.named(request.pathParam("tree")).orElseThrow(() -> ApiException.notFound(
                "no such tree '" + request.pathParam("tree") + "'; the trees are pb_hooks, pb_migrations and pb_public"));
    }

    /** Runs {@code work}, turning a refused path or zip into the JSON error (400, or 413 past a limit). */
    private static <T> T checked(Supplier<T> work) {
        try {
            return work.get();
        } catch (CodeRejectedException e) {
            HttpResponseStatus status = e.code().equals("too_large") ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
            throw new ApiException(status, e.code(), e.getMessage(), "path", Map.of());
        }
    }

    /** On the node holding the instance's lease; a tenant's errors said plainly, the operator's logged. */
    private ApiResponse onOwner(ApiRequest request, Caller caller, Instance instance, Supplier<ApiResponse> here) {
        return owners.onOwner(request, caller, instance.id(), () -> {
            try {
                return here.get();
            } catch (ApiException | InstanceElsewhereException e) {
                throw e;
            } catch (InstanceDeletedException e) {
                throw ApiException.notFound("no such instance");
            } catch (HoldLimitException e) { // the platform is shutting down
                throw new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "deploy_failed", e.getMessage(), null,
                        Map.of("Retry-After", "5"));
            } catch (RuntimeException e) { // the whole cause for the operator; the tenant gets what, not where
                LOG.warn("instance {}: {} {} failed: {}", instance.id(), request.method(), request.path(), e.toString());
                throw new ApiException(HttpResponseStatus.SERVICE_UNAVAILABLE, "deploy_failed",
                        "the instance's files could not be read or changed; try again shortly", null,
                        Map.of("Retry-After", "5"));
            }
        }, () -> {});
    }
}
