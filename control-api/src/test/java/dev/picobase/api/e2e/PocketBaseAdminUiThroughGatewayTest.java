package dev.picobase.api.e2e;

import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.Browser;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StoreKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * PocketBase's own admin UI, used in a real browser through the gateway. The page is opened once
 * with {@code ?apikey=}; everything after that — the UI's scripts and styles, and the fetch calls
 * its SDK makes to sign the admin in and list collections — carries no key header, so the admin
 * reaching the dashboard proves the gateway's {@code picobase_apikey} cookie is set and honoured.
 * Revoking the key must end that cookie's access too, and a page opened without any key gets the
 * gateway's JSON 401 rather than the UI.
 *
 * <p>Headless Chromium resolves {@code *.localhost} to loopback by itself, so the browser uses the
 * real tenant URL; the raw admin-creation request goes to 127.0.0.1 with an explicit {@code Host}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PocketBaseAdminUiThroughGatewayTest {
    private static final String ADMIN_EMAIL = "admin@example.com";
    private static final String ADMIN_PASSWORD = "correct horse battery";
    private static final Duration UI_WAIT = Duration.ofSeconds(20);

    private RunningApi api;
    private SignedIn user;
    private Browser browser;

    @BeforeAll
    void startPlatformAndBrowser(@TempDir Path dataDir) {
        api = RunningApi.start(StoreKind.SQLITE, dataDir);
        user = api.client().signUpAndSignIn();
        browser = Browser.start(false);
    }

    @AfterAll
    void stopBrowserAndPlatform() {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (api != null) {
                api.close();
            }
        }
    }

    @Test
    void adminSignsInThroughTheGatewayWithTheKeyCookie() {
        Tenant tenant = newTenantWithAdmin();
        WebDriver driver = browser.driver();

        driver.get(tenant.url("/_/"));
        assertThat(driver.getPageSource())
                .withFailMessage("a page opened without a key should get the gateway's 401, got:%n%s",
                        driver.getPageSource())
                .contains("unauthorized")
                .doesNotContain("Admin sign in");
        browser.consoleErrors(); // drain: that refusal (and its favicon request) logged 401s on purpose

        driver.get(tenant.url("/_/?apikey=" + tenant.key()));
        signIn(driver);

        WebDriverWait wait = new WebDriverWait(driver, UI_WAIT);
        wait.withMessage("the PocketBase dashboard (collections sidebar)")
                .until(d -> bodyText(d).contains("New collection") && bodyText(d).contains("users"));
        browser.screenshot("pocketbase-admin-ui");

        Cookie cookie = driver.manage().getCookieNamed("picobase_apikey");
        assertThat(cookie).withFailMessage("the gateway set no picobase_apikey cookie").isNotNull();
        assertThat(cookie.getValue()).isEqualTo(tenant.key());
        assertThat(cookie.isHttpOnly()).isTrue();
        assertThat(cookie.getSameSite()).isEqualTo("Lax");
        assertThat(cookie.getPath()).isEqualTo("/");
        // Browsers fetch <link rel="manifest"> without credentials (no crossorigin="use-credentials"
        // in PocketBase's index.html), so that one request carries no cookie and is refused; it
        // costs nothing but the install-as-app manifest. Every other request must have passed.
        List<LogEntry> errors = browser.consoleErrors();
        assertThat(errors).withFailMessage("the admin UI's requests were refused: %s", errors)
                .noneMatch(e -> e.getMessage().contains("401") && !e.getMessage().contains("site.webmanifest"));
    }

    @Test
    void revokedKeyEndsTheAdminPagesAccess() {
        Tenant tenant = newTenantWithAdmin();
        WebDriver driver = browser.driver();
        driver.get(tenant.url("/_/?apikey=" + tenant.key()));
        signIn(driver);

        driver.get(tenant.url("/_/"));
        new WebDriverWait(driver, UI_WAIT).withMessage("the admin UI reached with the cookie alone")
                .until(d -> bodyText(d).contains("New collection"));

        assertThatReply(user.client().delete("/api/instances/" + tenant.instanceId() + "/keys/" + tenant.keyId()))
                .hasStatus(204);

        Deadline.await("the reloaded admin page to get the gateway's 401", Duration.ofSeconds(1), () -> {
            driver.get(tenant.url("/_/"));
            return driver.getPageSource().contains("unauthorized");
        });
        assertThat(driver.getPageSource()).doesNotContain("New collection");
    }

    /** Fills PocketBase's admin sign-in form and waits until the form has gone. */
    private static void signIn(WebDriver driver) {
        WebDriverWait wait = new WebDriverWait(driver, UI_WAIT);
        wait.withMessage("PocketBase's admin sign-in form")
                .until(ExpectedConditions.elementToBeClickable(By.cssSelector("form input[type=email]")))
                .sendKeys(ADMIN_EMAIL);
        driver.findElement(By.cssSelector("form input[type=password]")).sendKeys(ADMIN_PASSWORD);
        driver.findElement(By.cssSelector("form button[type=submit]")).click();
        wait.withMessage("the admin sign-in to complete")
                .until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("form input[type=password]")));
    }

    private static String bodyText(WebDriver driver) {
        return driver.findElement(By.tagName("body")).getText();
    }

    private record Tenant(int gatewayPort, String instanceId, String subdomain, String keyId, String key) {
        String url(String pathAndQuery) {
            return "http://" + subdomain + ".localhost:" + gatewayPort + pathAndQuery;
        }
    }

    /** A fresh instance and key, with PocketBase's first admin created through the gateway. */
    private Tenant newTenantWithAdmin() {
        var instance = user.createInstance();
        var key = user.createKey(instance.path("id").asText());
        Tenant tenant = new Tenant(api.gatewayPort(), instance.path("id").asText(),
                instance.path("subdomain").asText(), key.path("id").asText(), key.path("key").asText());

        byte[] body = ApiClient.json("email", ADMIN_EMAIL, "password", ADMIN_PASSWORD,
                "passwordConfirm", ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8);
        try (RawHttp http = RawHttp.connect(api.gatewayPort())) {
            RawHttp.Response created = http.send("POST /api/admins HTTP/1.1\r\n"
                    + "Host: " + tenant.subdomain() + ".localhost:" + api.gatewayPort() + "\r\n"
                    + "apikey: " + tenant.key() + "\r\n"
                    + "Content-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n"
                    + "Connection: close\r\n\r\n").send(body).readResponse();
            assertThat(created.status()).withFailMessage("creating the first admin: %s", created).isEqualTo(200);
        }
        return tenant;
    }
}
