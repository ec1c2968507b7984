package dev.picobase.api.testsupport;

import static dev.picobase.api.testsupport.ApiClient.json;

import java.util.List;

/**
 * Every control-API call on one instance (and one of its keys), as {method, path, body}, with bodies
 * that would be valid for its owner: the ownership and sign-in tests ask each one, so a new
 * instance route is covered by both as soon as it is added here.
 */
public final class InstanceCalls {
    private InstanceCalls() {}

    public static List<String[]> on(String instanceId, String keyId) {
        String instance = "/api/instances/" + instanceId;
        return List.of(
                new String[] {"GET", instance, null},
                new String[] {"PATCH", instance, json("name", "renamed")},
                new String[] {"POST", instance + "/start", null},
                new String[] {"POST", instance + "/stop", null},
                new String[] {"DELETE", instance, null},
                new String[] {"GET", instance + "/keys", null},
                new String[] {"GET", instance + "/logs", null},
                new String[] {"GET", instance + "/backups", null},
                new String[] {"POST", instance + "/restore", json("snapshotId", "snp_unknown")},
                new String[] {"POST", instance + "/keys", json("name", "k")},
                new String[] {"DELETE", instance + "/keys/" + keyId, null});
    }
}
