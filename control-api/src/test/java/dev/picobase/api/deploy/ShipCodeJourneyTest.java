package dev.picobase.api.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.Browser;
import dev.picobase.api.testsupport.NodeScript;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.FreePorts;
import dev.picobase.testsupport.RawHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.CsvSource;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Shipping code to an instance from the admin UI, in real Chromium against the real platform on both
 * pairs of back ends: the owner uploads a hook reading a secret with {@code $os.getenv}, sets that
 * secret in the Secrets card (its value never shown again), and the hook's route answers the value
 * through the gateway; a refused upload's message is shown in the dialog; a zip replaces pb_public and
 * {@code /} serves it; a file is deleted; a deploy token is created (shown once, with its command
 * line), works, and is refused once revoked; the Connect panel's Node snippet, copied to the clipboard,
 * is run as it is in Node and gets a realtime event through the gateway, and its curl commands
 * answer; and the instance is cloned from its page, the clone serving the same hook route, and that
 * clone cloned again from a backup row. Each card is saved under {@code target/screenshots} (ship-*),
 * the Connect panel also at 390 px.
 */
@ParameterizedClass
@CsvSource({"SQLITE, LOCAL", "LIBSQL, S3PROXY"})
@Timeout(300)
class ShipCodeJourneyTest extends PlatformPerBackEnds {
    private static final String HOOK = """
            routerAdd("GET", "/greeting", (c) => {
                return c.string(200, "greeting: " + $os.getenv("GREETING"))
            })
            """;
    private static final String SECRET = "Bonjour from a secret";
    private static final Duration WAKE = Duration.ofSeconds(60);

    private Browser browser;

    /**
     * A gateway on a port chosen here rather than port 0: an instance's URL names the gateway's
     * configured port, and the Connect panel's snippet is run with the URL it shows.
     */
    @Override
    Map<String, String> settings() {
        return Map.of("PICOBASE_DEPLOY_MAX_BYTES", "64k", "PICOBASE_GATEWAY_PORT", Integer.toString(FreePorts.next()));
    }

    @BeforeEach
    void startBrowser() {
        browser = Browser.start(false);
        browser.emulateColorScheme("light");
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void anOwnerShipsCodeAndSecretsConnectsAnAppAndClonesTheInstance() throws Exception {
        ChromeDriver driver = browser.driver();
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        assertThat(user.client().post("/api/instances/" + tenant.id() + "/start").status()).isEqualTo(200);
        TenantGateway gateway = new TenantGateway(api.gatewayPort(), tenant.subdomain(), tenant.key());
        signIn();
        driver.get(base() + "/instances/" + tenant.id());
        waitFor(By.cssSelector("#files-pb_hooks .file-empty"));

        // A hook, uploaded into pb_hooks: the running instance restarts on it and its route answers.
        Path hook = file("main.pb.js", HOOK);
        waitFor(By.id("upload-file")).click();
        WebElement form = waitFor(By.id("upload-file-form"));
        assertThat(new Select(form.findElement(By.name("tree"))).getFirstSelectedOption().getAttribute("value"))
                .isEqualTo("pb_hooks");
        form.findElement(By.name("file")).sendKeys(hook.toString());
        assertThat(form.findElement(By.name("path")).getAttribute("value")).isEqualTo("main.pb.js");
        driver.findElement(By.id("confirm-upload")).click();
        WebElement row = waitFor(By.cssSelector("li[data-path='pb_hooks/main.pb.js']"));
        assertThat(row.getText()).contains("main.pb.js").contains(HOOK.length() + " B")
                .contains(sha256(HOOK).substring(0, 12));
        wait(d -> d.findElement(By.id("files-alert")).getText().contains("Deployed pb_hooks/main.pb.js; the instance restarted on it"));
        assertThat(gateway.send("GET", "/greeting", null, WAKE).text()).isEqualTo("greeting: ");

        // Refused uploads say why, in the dialog: a path the API refuses, and a file over the limit.
        waitFor(By.id("upload-file")).click();
        form = waitFor(By.id("upload-file-form"));
        form.findElement(By.name("file")).sendKeys(hook.toString());
        WebElement path = form.findElement(By.name("path"));
        path.sendKeys(Keys.chord(Keys.CONTROL, "a"), "lib\\util.pb.js");
        driver.findElement(By.id("confirm-upload")).click();
        wait(d -> fieldError("upload-file-form", "path").contains("Refused path: the path 'lib\\util.pb.js' contains a control character or a backslash"));
        form.findElement(By.name("file")).sendKeys(file("big.js", "x".repeat(100 * 1024)).toString());
        path.sendKeys(Keys.chord(Keys.CONTROL, "a"), "big.js");
        driver.findElement(By.id("confirm-upload")).click();
        wait(d -> d.findElement(By.cssSelector("#upload-file-form .form-alert")).getText().contains("larger than 65536 bytes"));
        browser.screenshot("ship-upload-refused-desktop-light");
        driver.findElement(By.cssSelector("dialog[open] .dialog-close")).click();
        wait(d -> d.findElements(By.cssSelector("dialog")).isEmpty());
        assertNoConsoleErrorsExcept(e -> e.getMessage().contains("/files/pb_hooks/")
                && (e.getMessage().contains("status of 400") || e.getMessage().contains("status of 413")));

        // The secret, set in the Secrets card: listed by name, its value gone from the page, read by the hook.
        WebElement secrets = waitFor(By.id("secret-form"));
        secrets.findElement(By.name("secret-name")).sendKeys("GREETING");
        secrets.findElement(By.name("secret-value")).sendKeys(SECRET);
        driver.findElement(By.id("save-secret")).click();
        waitFor(By.cssSelector("li[data-secret=GREETING]"));
        wait(d -> secrets.getText().contains("Saved GREETING; the instance restarted with it."));
        assertThat(secrets.findElement(By.name("secret-value")).getAttribute("value")).isEmpty();
        assertThat(driver.getPageSource()).doesNotContain(SECRET);
        assertThat(gateway.send("GET", "/greeting", null, WAKE).text()).isEqualTo("greeting: " + SECRET);

        // A zip replaces pb_public, after the dialog says so; / serves it.
        waitFor(By.id("upload-zip")).click();
        WebElement zipForm = waitFor(By.id("upload-zip-form"));
        new Select(zipForm.findElement(By.name("tree"))).selectByValue("pb_public");
        assertThat(driver.findElement(By.id("zip-warning")).getText()).contains("This replaces the whole pb_public tree.");
        Path zip = dir.resolve("site.zip");
        Files.write(zip, CodeZips.of(Map.of("index.html", DeployedCodeTest.INDEX)));
        zipForm.findElement(By.name("zip")).sendKeys(zip.toString());
        driver.findElement(By.id("confirm-zip")).click();
        waitFor(By.cssSelector("li[data-path='pb_public/index.html']"));
        RawHttp.Response page = gateway.send("GET", "/", null, WAKE);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.text()).contains("<h1>Deployed page</h1>");
        // The last deploy is the newest "deploy" backup, which the backups list labels.
        wait(d -> d.findElements(By.cssSelector(".backup-reason")).stream().anyMatch(e -> e.getText().equals("After a deploy")));
        wait(d -> d.findElement(By.id("last-deploy")).getText().matches("(just now|\\d+ (second|minute)s? ago).*"));
        shootCard("files-card", "ship-files");

        // Deleting a file, after a confirmation: / no longer serves it.
        waitFor(By.cssSelector("[data-delete-file='pb_public/index.html']")).click();
        waitFor(By.id("confirm-delete-file")).click();
        waitFor(By.cssSelector("#files-pb_public .file-empty"));
        assertThat(gateway.send("GET", "/", null, WAKE).status()).isEqualTo(404);

        // A deploy token: shown once with its command line; it works until revoked.
        waitFor(By.id("new-deploy-token")).click();
        waitFor(By.id("create-deploy-token-form")).findElement(By.name("name")).sendKeys("ci", Keys.ENTER);
        String token = waitFor(By.id("new-deploy-token-value")).getAttribute("value");
        assertThat(token).startsWith("pbd_");
        assertThat(driver.findElement(By.id("new-deploy-command")).getText()).isEqualTo("./picobase deploy --instance "
                + tenant.subdomain() + " --token " + token + " --api " + base() + " ./my-app");
        ApiClient deployer = api.client().withToken(token);
        assertThat(deployer.get("/api/deploy-token").json().path("subdomain").asText()).isEqualTo(tenant.subdomain());
        driver.findElement(By.id("new-deploy-token-done")).click();
        waitFor(By.cssSelector("#token-list .token-row"));
        assertThat(driver.findElement(By.id("token-list")).getText()).contains("ci").contains("last used");
        shootCard("secrets-card", "ship-secrets");
        shootCard("deploy-tokens-card", "ship-deploy-tokens");
        waitFor(By.cssSelector("[data-revoke-token]")).click();
        waitFor(By.id("confirm-revoke-token")).click();
        wait(d -> d.findElement(By.id("token-list")).getText().contains("No deploy tokens."));
        assertThat(deployer.get("/api/deploy-token").status()).isEqualTo(401);

        // Connect your app: the Node snippet, copied, runs as it is and gets a realtime event.
        driver.executeCdpCommand("Browser.grantPermissions", Map.of("origin", base(),
                "permissions", List.of("clipboardReadWrite", "clipboardSanitizedWrite")));
        scrollTo("connect-card");
        waitFor(By.id("connect-tab-node")).click();
        driver.findElement(By.cssSelector("#connect-panel-node .copy-btn")).click();
        wait(d -> d.findElement(By.id("toasts")).getText().contains("Copied to the clipboard"));
        String snippet = (String) driver.executeAsyncScript(
                "navigator.clipboard.readText().then(arguments[0], (e) => arguments[0]('unreadable: ' + e))");
        assertThat(snippet).isEqualTo(driver.findElement(By.id("snippet-node")).getText())
                .contains("new PocketBase('http://" + tenant.subdomain() + ".localhost:" + api.gatewayPort() + "')");
        shootConnect();
        TenantGateway admin = gateway.asNewAdmin("admin@example.com", "1234567890");
        RawHttp.Response posts = admin.send("POST", "/api/collections", """
                {"name": "posts", "type": "base", "listRule": "", "viewRule": "", "schema": [{"name": "title", "type": "text"}]}
                """);
        assertThat(posts.status()).as(posts.text()).isEqualTo(200);
        try (NodeScript.Running app = NodeScript.start(snippet, Map.of("PICOBASE_KEY", tenant.key()))) {
            app.awaitOutput("API is healthy", Duration.ofSeconds(30));
            // The snippet subscribes once its stream is open and says nothing then: a post is written
            // every half second until one of them is printed as a realtime event.
            List<String> written = new ArrayList<>();
            Deadline.await("a post's realtime event in the snippet's output", Duration.ofSeconds(30),
                    Duration.ofMillis(500), () -> {
                        RawHttp.Response post = admin.send("POST", "/api/collections/posts/records",
                                ApiClient.json("title", "hello"));
                        assertThat(post.status()).as(post.text()).isEqualTo(200);
                        written.add(post.json().path("id").asText());
                        return written.stream().anyMatch(id -> app.output().contains("create " + id));
                    });
        }

        // The curl snippet's first commands, with the key put in, answer as PocketBase does (curl
        // resolves *.localhost to the loopback by itself).
        driver.findElement(By.id("connect-tab-curl")).click();
        String curl = driver.findElement(By.id("snippet-curl")).getText();
        String firstCommands = curl.substring(0, curl.indexOf("\n\n")).replace("KEY=pbk_…", "KEY=" + tenant.key());
        assertThat(firstCommands.lines()).hasSize(3);
        Process shell = new ProcessBuilder("bash", "-c", firstCommands).redirectErrorStream(true).start();
        String answered = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(shell.waitFor()).as(answered).isZero();
        assertThat(answered).contains("\"message\":\"API is healthy.\"").contains("\"title\":\"hello\"");

        // Clone from the instance page: the new instance opens, and serves the same hook route.
        scrollTo("instance-header");
        waitFor(By.id("clone-instance")).click();
        WebElement cloneForm = waitFor(By.id("create-instance-form"));
        assertThat(cloneForm.findElement(By.name("name")).getAttribute("value")).isEqualTo("Test app copy");
        String cloneSubdomain = Unique.subdomain();
        WebElement subdomain = cloneForm.findElement(By.name("subdomain"));
        subdomain.sendKeys(Keys.chord(Keys.CONTROL, "a"), cloneSubdomain);
        wait(d -> d.findElement(By.id("subdomain-preview")).getText().contains("is available"));
        cloneForm.findElement(By.name("name")).sendKeys(Keys.ENTER);
        wait(d -> !d.getCurrentUrl().endsWith("/instances/" + tenant.id()));
        String cloneId = driver.getCurrentUrl().substring(driver.getCurrentUrl().lastIndexOf('/') + 1);
        wait(d -> d.findElement(By.id("instance-name")).getText().equals("Test app copy"));
        waitFor(By.cssSelector("li[data-path='pb_hooks/main.pb.js']"));
        wait(d -> d.findElements(By.cssSelector(".backup-reason")).stream().anyMatch(e -> e.getText().equals("Cloned")));
        assertThat(driver.findElement(By.id("secret-list")).getText()).contains("No secrets yet.");
        String cloneKey = user.createKey(cloneId).path("key").asText();
        RawHttp.Response cloned = new TenantGateway(api.gatewayPort(), cloneSubdomain, cloneKey)
                .send("GET", "/greeting", null, WAKE);
        assertThat(cloned.status()).isEqualTo(200);
        assertThat(cloned.text()).isEqualTo("greeting: "); // the hook came along, the secret did not

        // "Clone from this backup" on a backup row: the dialog names it, and the clone's clone opens.
        waitFor(By.cssSelector(".backup-row [data-clone]")).click();
        WebElement fromBackup = waitFor(By.id("create-instance-form"));
        assertThat(driver.findElement(By.cssSelector("dialog[open] .dialog-title")).getText()).isEqualTo("Clone from this backup");
        fromBackup.findElement(By.name("subdomain")).sendKeys(Keys.chord(Keys.CONTROL, "a"), Unique.subdomain());
        wait(d -> d.findElement(By.id("subdomain-preview")).getText().contains("is available"));
        fromBackup.findElement(By.name("name")).sendKeys(Keys.ENTER);
        wait(d -> !d.getCurrentUrl().endsWith("/instances/" + cloneId));
        wait(d -> d.findElement(By.id("instance-name")).getText().equals("Test app copy copy"));
        waitFor(By.cssSelector("li[data-path='pb_hooks/main.pb.js']"));
        assertNoConsoleErrorsExcept(e -> false);
    }

    private void signIn() {
        ChromeDriver driver = browser.driver();
        driver.get(base() + "/signin");
        WebElement form = waitFor(By.id("signin-form"));
        form.findElement(By.name("email")).sendKeys(user.email());
        form.findElement(By.name("password")).sendKeys(user.password(), Keys.ENTER);
        waitFor(By.cssSelector(".user-chip"));
    }

    private Path file(String name, String content) throws IOException {
        Path file = dir.resolve("upload").resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return file;
    }

    private String fieldError(String formId, String field) {
        return browser.driver().findElement(By.cssSelector("#" + formId + " .field[data-field=" + field + "] .field-error")).getText();
    }

    private void scrollTo(String id) {
        browser.driver().executeScript("document.getElementById(arguments[0]).scrollIntoView(); window.scrollBy(0, -72)", id);
    }

    /** The card {@code id} at desktop width, scrolled to the top of the viewport, toasts gone. */
    private void shootCard(String id, String name) {
        wait(d -> d.findElements(By.cssSelector("#toasts .toast")).isEmpty());
        scrollTo(id);
        settle();
        browser.screenshot(name + "-desktop-light");
    }

    /** The Connect panel at desktop width and at 390 px. */
    private void shootConnect() {
        try {
            shootCard("connect-card", "ship-connect");
            browser.resize(390, 844);
            scrollTo("connect-card");
            settle();
            browser.screenshot("ship-connect-phone-light");
        } finally {
            browser.resize(1280, 900);
        }
    }

    private static void settle() {
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void assertNoConsoleErrorsExcept(java.util.function.Predicate<LogEntry> expected) {
        assertThat(browser.consoleErrors().stream().filter(expected.negate()).map(LogEntry::getMessage).toList())
                .as("browser console errors").isEmpty();
    }

    private WebElement waitFor(By by) {
        return new WebDriverWait(browser.driver(), Duration.ofSeconds(60)).ignoring(StaleElementReferenceException.class)
                .until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    private void wait(Function<WebDriver, Boolean> condition) {
        new WebDriverWait(browser.driver(), Duration.ofSeconds(60)).ignoring(StaleElementReferenceException.class)
                .ignoring(NoSuchElementException.class).until(condition::apply);
    }

    private String base() {
        return "http://127.0.0.1:" + api.port();
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
