package dev.picobase.api.e2e;

import static dev.picobase.api.testsupport.ReplyAssert.assertThatReply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.Browser;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * PocketBase's own admin UI, used in a real browser through the gateway. The page is opened once
 * with {@code ?apikey=}; everything after that — the UI's scripts and styles, and the fetch calls
 * its SDK makes to sign the admin in and list collections — carries no key header, so the admin
 * reaching the dashboard proves the gateway's {@code picobase_apikey} cookie is set and honoured.
 * Revoking the key must end that cookie's access too, and a page opened without any key gets the
 * gateway's 401 page (which says how to open the admin with a key) rather than the UI.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PocketBaseAdminUiThroughGatewayTest {
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
        AdminUiTenant tenant = AdminUiTenant.create(api, user);
        WebDriver driver = browser.driver();

        driver.get(tenant.url("/_/"));
        assertThat(driver.getPageSource())
                .withFailMessage("a page opened without a key should get the gateway's 401 page, got:%n%s",
                        driver.getPageSource())
                .contains("An API key is needed")
                .contains("Open PocketBase admin with this key")
                .doesNotContain("Admin sign in");
        browser.consoleErrors(); // drain: that refusal (and its favicon request) logged 401s on purpose

        driver.get(tenant.url("/_/?apikey=" + tenant.key()));
        assertThat(driver.getCurrentUrl()).withFailMessage("the key stayed in the page's address: %s",
                driver.getCurrentUrl()).doesNotContain("apikey").doesNotContain(tenant.key());
        AdminUiTenant.signIn(driver);

        WebDriverWait wait = new WebDriverWait(driver, AdminUiTenant.UI_WAIT);
        wait.withMessage("the PocketBase dashboard (collections sidebar)")
                .until(d -> AdminUiTenant.bodyText(d).contains("New collection")
                        && AdminUiTenant.bodyText(d).contains("users"));
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
        AdminUiTenant tenant = AdminUiTenant.create(api, user);
        WebDriver driver = browser.driver();
        driver.get(tenant.url("/_/?apikey=" + tenant.key()));
        AdminUiTenant.signIn(driver);

        driver.get(tenant.url("/_/"));
        new WebDriverWait(driver, AdminUiTenant.UI_WAIT).withMessage("the admin UI reached with the cookie alone")
                .until(d -> AdminUiTenant.bodyText(d).contains("New collection"));

        assertThatReply(user.client().delete("/api/instances/" + tenant.instanceId() + "/keys/" + tenant.keyId()))
                .hasStatus(204);

        Deadline.await("the reloaded admin page to get the gateway's 401", Duration.ofSeconds(1), () -> {
            driver.get(tenant.url("/_/"));
            return driver.getPageSource().contains("not valid for this instance");
        });
        assertThat(driver.getPageSource()).doesNotContain("New collection");
    }
}
