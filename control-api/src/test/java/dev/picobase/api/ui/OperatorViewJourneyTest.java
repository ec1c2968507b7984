package dev.picobase.api.ui;

import static dev.picobase.api.testsupport.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.Browser;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.core.io.FileTrees;
import dev.picobase.core.storage.ObjectStore;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * An operator's session in the admin UI's Operator view, in real Chromium against the real platform:
 * a tenant account sees no "Operator" link; the operator signs in, opens the view from the top bar,
 * finds another account's running instance and a failed one (its whole cause behind "Whole cause"),
 * suspends that account (its key is then refused by the gateway and its instance is stopped), sees
 * the action in the audit log, and reactivates it. The view is saved as {@code operator-desktop-light}
 * and {@code operator-phone-dark} under {@code target/screenshots}; the console must stay clean.
 */
class OperatorViewJourneyTest {
    private static final String PASSWORD = "correct horse battery";
    private static final String OPERATOR = "operator-" + Unique.subdomain() + "@example.com";

    private static RunningApi api;
    private static Browser browser;

    @BeforeAll
    static void start(@TempDir Path dir) {
        api = RunningApi.start(StoreKind.SQLITE, dir, Map.of("PICOBASE_OPERATOR_EMAILS", OPERATOR,
                "PICOBASE_IDLE_TIMEOUT", "1h"), Clock.systemUTC());
        browser = Browser.start(false);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (api != null) {
            api.close();
        }
    }

    @Test
    void anOperatorSuspendsAndReactivatesAnotherAccount() throws Exception {
        ChromeDriver driver = browser.driver();
        browser.emulateColorScheme("light");
        api.client().signUpAndSignIn(OPERATOR, PASSWORD);
        ApiClient.SignedIn tenant = api.client().signUpAndSignIn(Unique.email(), PASSWORD);
        ApiClient.Tenant running = tenant.createInstanceWithKey();
        TenantGateway gateway = new TenantGateway(api.gatewayPort(), running.subdomain(), running.key());
        assertThat(gateway.send("GET", "/api/health", null).status()).isEqualTo(200);
        String failedId = failedInstance(tenant);

        // A tenant's top bar has no Operator link, and the view itself tells it so.
        signIn(tenant.email());
        waitFor(By.cssSelector(".user-chip"));
        settle();
        assertThat(driver.findElement(By.id("operator-link")).isDisplayed()).isFalse();
        driver.get(base() + "/operator");
        wait(d -> d.findElement(By.tagName("h1")).getText().equals("Operators only"));
        driver.findElement(By.id("sign-out")).click();
        waitFor(By.id("signin-form"));
        browser.consoleErrors(); // the 403s of the view above were deliberate

        // The operator opens the view from the top bar.
        signIn(OPERATOR);
        waitFor(By.id("operator-link")).click();
        WebElement account = waitFor(By.cssSelector("tr[data-email='" + tenant.email() + "']"));
        assertThat(account.getText()).contains("2"); // its instances
        WebElement instance = waitFor(By.cssSelector("tr[data-instance-id='" + running.id() + "'][data-status=running]"));
        assertThat(instance.getText()).contains(tenant.email());
        String failedRow = "tr[data-instance-id='" + failedId + "'][data-status=failed]";
        waitFor(By.cssSelector(failedRow + " .failure-cause summary")).click();
        assertThat(waitFor(By.cssSelector(failedRow + " .failure-cause pre")).getText()).contains("Exception");

        // Suspend, after a confirmation.
        waitFor(By.cssSelector("tr[data-email='" + tenant.email() + "'] .suspend-btn")).click();
        waitFor(By.id("confirm-suspend")).click();
        waitFor(By.cssSelector("tr[data-email='" + tenant.email() + "'] [data-state=suspended]"));
        waitFor(By.cssSelector("tr[data-instance-id='" + running.id() + "'][data-status=stopped]"));
        waitFor(By.cssSelector("#audit-list [data-action='account.suspend']"));
        assertThat(driver.findElement(By.id("audit-list")).getText()).contains(OPERATOR).contains("suspended account");
        assertThat(gateway.send("GET", "/api/health", null).status()).isEqualTo(401);
        assertThat(api.store().findInstance(running.id()).orElseThrow().status().wireName()).isEqualTo("stopped");
        assertThat(api.client().post("/api/auth/signin", json("email", tenant.email(), "password", PASSWORD))
                .errorCode()).isEqualTo("account_suspended");
        shootOperatorView();

        // Reactivate: the key works again.
        waitFor(By.cssSelector("tr[data-email='" + tenant.email() + "'] .reactivate-btn")).click();
        waitFor(By.cssSelector("tr[data-email='" + tenant.email() + "'] [data-state=active]"));
        waitFor(By.cssSelector("#audit-list [data-action='account.reactivate']"));
        assertThat(gateway.send("GET", "/api/health", null).status()).isEqualTo(200);
        assertThat(browser.consoleErrors().stream().map(LogEntry::getMessage).toList())
                .as("browser console errors").isEmpty();
    }

    /** An instance of {@code tenant} whose start failed: its data is gone from disk and from storage. */
    private static String failedInstance(ApiClient.SignedIn tenant) {
        String id = tenant.createInstance().path("id").asText();
        assertThat(tenant.client().post("/api/instances/" + id + "/start").status()).isEqualTo(200);
        assertThat(tenant.client().post("/api/instances/" + id + "/stop").status()).isEqualTo(200);
        try {
            FileTrees.delete(api.dataDir().resolve("instances").resolve(id).resolve("pb_data"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try (ObjectStore objects = ObjectStore.of(api.config().objectStorage())) {
            objects.list("instances/" + id + "/").forEach(objects::delete);
        }
        assertThat(tenant.client().post("/api/instances/" + id + "/start").status()).isEqualTo(503);
        return id;
    }

    private void signIn(String email) {
        ChromeDriver driver = browser.driver();
        driver.get("about:blank");
        driver.executeCdpCommand("Network.clearBrowserCookies", Map.of());
        driver.get(base() + "/signin");
        WebElement form = waitFor(By.id("signin-form"));
        form.findElement(By.name("email")).sendKeys(email);
        form.findElement(By.name("password")).sendKeys(PASSWORD, Keys.ENTER);
        waitFor(By.cssSelector(".user-chip"));
    }

    /** The view at desktop width in the light scheme and at phone width in the dark one. */
    private void shootOperatorView() {
        try {
            wait(d -> d.findElements(By.cssSelector(".toast")).isEmpty()); // the confirmation's toast has gone
            browser.resize(1280, 1200);
            browser.emulateColorScheme("light");
            settle();
            browser.screenshot("operator-desktop-light");
            browser.resize(375, 812);
            browser.emulateColorScheme("dark");
            settle();
            browser.screenshot("operator-phone-dark");
        } finally {
            browser.emulateColorScheme("light");
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

    private static WebElement waitFor(By by) {
        return new WebDriverWait(browser.driver(), Duration.ofSeconds(20)).ignoring(StaleElementReferenceException.class)
                .until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    private static void wait(java.util.function.Function<org.openqa.selenium.WebDriver, Boolean> condition) {
        new WebDriverWait(browser.driver(), Duration.ofSeconds(20))
                .ignoring(StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.NoSuchElementException.class)
                .until(condition::apply);
    }

    private static String base() {
        return "http://127.0.0.1:" + api.port();
    }
}
