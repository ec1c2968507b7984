package dev.picobase.api;

import static dev.picobase.api.testsupport.ApiClient.json;
import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.Reply;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.PlatformPerStoreKind;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StoreKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Creating, listing, reading, starting, stopping and deleting instances through the API. */
@ParameterizedClass
@EnumSource(StoreKind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InstanceLifecycleTest extends PlatformPerStoreKind {
    @Test
    void aNewInstanceIsStoppedAndHasItsGatewayUrl() {
        SignedIn user = api.client().signUpAndSignIn();
        String subdomain = Unique.subdomain();

        Reply created = user.client().post("/api/instances", json("name", " My notes ", "subdomain", subdomain));

        assertThatReply(created).hasStatus(201);
        JsonNode instance = created.json();
        assertThat(instance.path("id").asText()).isNotBlank();
        assertThat(instance.path("name").asText()).isEqualTo("My notes");
        assertThat(instance.path("subdomain").asText()).isEqualTo(subdomain);
        assertThat(instance.path("status").asText()).isEqualTo("stopped");
        assertThat(instance.path("url").asText()).isEqualTo(api.config().instanceUrl(subdomain));
        assertThat(instance.path("createdAt").asText()).isNotBlank();
        assertThat(api.store().findInstance(instance.path("id").asText()).orElseThrow().ownerId())
                .isEqualTo(user.userId());
    }

    @Test
    void theListShowsEveryInstanceICreated() {
        SignedIn user = api.client().signUpAndSignIn();
        assertThat(user.client().get("/api/instances").json().path("instances")).isEmpty();
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            created.add(user.createInstance().path("id").asText());
        }

        Reply list = user.client().get("/api/instances");

        assertThatReply(list).hasStatus(200);
        List<String> listed = new ArrayList<>();
        list.json().path("instances").forEach(i -> listed.add(i.path("id").asText()));
        assertThat(listed).containsExactlyInAnyOrderElementsOf(created);
    }

    @Test
    void getAnswersTheSameViewAsCreate() {
        SignedIn user = api.client().signUpAndSignIn();
        JsonNode created = user.createInstance();

        Reply got = user.client().get("/api/instances/" + created.path("id").asText());

        assertThatReply(got).hasStatus(200);
        assertThat(got.json()).isEqualTo(created);
    }

    @Test
    void startAndStopChangeTheStatus() {
        SignedIn user = api.client().signUpAndSignIn();
        String id = user.createInstance().path("id").asText();
        ApiClient client = user.client();

        Reply started = client.post("/api/instances/" + id + "/start");
        assertThatReply(started).hasStatus(200);
        assertThat(started.json().path("id").asText()).isEqualTo(id);
        assertThat(started.json().path("status").asText()).isIn("starting", "running");
        awaitStatus(client, id, "running");

        Reply stopped = client.post("/api/instances/" + id + "/stop");
        assertThatReply(stopped).hasStatus(200);
        assertThat(stopped.json().path("status").asText()).isIn("stopping", "stopped");
        awaitStatus(client, id, "stopped");
    }

    @Test
    void deletingARunningInstanceStopsAndRemovesIt() {
        SignedIn user = api.client().signUpAndSignIn();
        String id = user.createInstance().path("id").asText();
        ApiClient client = user.client();
        assertThatReply(client.post("/api/instances/" + id + "/start")).hasStatus(200);
        awaitStatus(client, id, "running");

        assertThatReply(client.delete("/api/instances/" + id)).hasStatus(204);

        assertThatReply(client.get("/api/instances/" + id)).isError(404, "not_found");
        assertThat(api.store().findInstance(id)).isEmpty();
    }

    private static void awaitStatus(ApiClient client, String id, String status) {
        Deadline.await("instance " + id + " to be " + status, Duration.ofSeconds(30),
                () -> client.get("/api/instances/" + id).json().path("status").asText().equals(status));
    }

    @Test
    void startingARunningInstanceAndStoppingAStoppedOneAreHarmless() {
        SignedIn user = api.client().signUpAndSignIn();
        String id = user.createInstance().path("id").asText();
        ApiClient client = user.client();

        Reply stopStopped = client.post("/api/instances/" + id + "/stop");
        assertThatReply(stopStopped).hasStatus(200);
        assertThat(stopStopped.json().path("status").asText()).isEqualTo("stopped");

        assertThatReply(client.post("/api/instances/" + id + "/start")).hasStatus(200);
        awaitStatus(client, id, "running");
        Reply startAgain = client.post("/api/instances/" + id + "/start");
        assertThatReply(startAgain).hasStatus(200);
        assertThat(startAgain.json().path("status").asText()).isEqualTo("running");
    }

    @Test
    void deletingAnInstanceRemovesItAndItsKeys() {
        SignedIn user = api.client().signUpAndSignIn();
        String id = user.createInstance().path("id").asText();
        String keyId = user.createKey(id).path("id").asText();
        ApiClient client = user.client();

        Reply deleted = client.delete("/api/instances/" + id);

        assertThatReply(deleted).hasStatus(204);
        assertThat(deleted.text()).isEmpty();
        assertThatReply(client.get("/api/instances/" + id)).isError(404, "not_found");
        assertThatReply(client.post("/api/instances/" + id + "/start")).isError(404, "not_found");
        assertThatReply(client.get("/api/instances/" + id + "/keys")).isError(404, "not_found");
        assertThatReply(client.delete("/api/instances/" + id)).isError(404, "not_found");
        assertThat(client.get("/api/instances").json().path("instances")).isEmpty();
        assertThat(api.store().findInstance(id)).isEmpty();
        assertThat(api.store().findApiKey(keyId)).isEmpty();
    }

    @Test
    void aDeletedInstancesSubdomainCanBeTakenAgain() {
        SignedIn first = api.client().signUpAndSignIn();
        SignedIn second = api.client().signUpAndSignIn();
        String subdomain = Unique.subdomain();
        String id = first.client().post("/api/instances", json("name", "a", "subdomain", subdomain))
                .json().path("id").asText();
        assertThatReply(first.client().delete("/api/instances/" + id)).hasStatus(204);

        Reply again = second.client().post("/api/instances", json("name", "b", "subdomain", subdomain));

        assertThatReply(again).hasStatus(201);
        assertThat(again.json().path("id").asText()).isNotEqualTo(id);
    }

    @Test
    void anUnknownInstanceIdIsNotFound() {
        SignedIn user = api.client().signUpAndSignIn();

        assertThatReply(user.client().get("/api/instances/ins_doesnotexist")).isError(404, "not_found");
        assertThatReply(user.client().post("/api/instances/ins_doesnotexist/stop")).isError(404, "not_found");
        assertThatReply(user.client().delete("/api/instances/ins_doesnotexist")).isError(404, "not_found");
    }
}
