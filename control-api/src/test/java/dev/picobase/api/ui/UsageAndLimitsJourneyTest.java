package dev.picobase.api.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.scale.TenantGateway;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.Browser;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.Deadline;
import dev.picobase.testsupport.RawHttp;
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
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A tenant's session with the Usage and Rate limit cards of the instance page, in real Chromium
 * against the real platform: after requests through the gateway the Usage card shows them (the
 * request count and the cold start as a user reads them, and five charts drawn as inline SVG under the
 * strict CSP); the Rate limit card refuses 0 in the browser, then sets 2 a minute per client address,
 * which the gateway enforces at once (the third request gets 429); clearing it goes back to the platform
 * default. The page is saved as {@code usage-desktop-light} and {@code usage-phone-dark} under
 * {@code target/screenshots}; the console must stay clean.
 */
class UsageAndLimitsJourneyTest {
    private static final String PASSWORD = "correct horse battery";

    private static RunningApi api;
    private static Browser browser;

    @BeforeAll
    static void start(@TempDir Path dir) {
        api = RunningApi.start(StoreKind.SQLITE, dir, Map.of("PICOBASE_IDLE_TIMEOUT", "1h"), Clock.systemUTC());
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
    void aTenantReadsItsUsageAndSetsARateLimitTheGatewayEnforces() throws Exception {
        ChromeDriver driver = browser.driver();
        browser.emulateColorScheme("light");
        String email = Unique.email();
        ApiClient.SignedIn user = api.client().signUpAndSignIn(email, PASSWORD);
        ApiClient.Tenant tenant = user.createInstanceWithKey();
        TenantGateway gateway = new TenantGateway(api.gatewayPort(), tenant.subdomain(), tenant.key());
        for (int i = 0; i < 7; i++) {
            assertThat(gateway.send("GET", "/api/health", null).status()).isEqualTo(200);
        }
        Deadline.await("the seven requests in the usage", Duration.ofSeconds(20), () -> user.client()
                .get("/api/instances/" + tenant.id() + "/usage?days=1").json().path("totals").path("requests")
                .asLong() == 7);

        signIn(email);
        driver.get(base() + "/instances/" + tenant.id());
        WebElement requests = waitFor(By.cssSelector("#usage-charts [data-chart=requests] .usage-value"));
        assertThat(requests.getText()).isEqualTo("7");
        assertThat(waitFor(By.cssSelector("#usage-charts [data-chart=cold-starts] .usage-value")).getText())
                .isEqualTo("1");
        assertThat(driver.findElements(By.cssSelector("#usage-charts figure svg.usage-chart"))).hasSize(5);
        assertThat(driver.findElements(By.cssSelector("#usage-charts [data-chart=requests] rect"))).hasSize(30);
        assertThat(waitFor(By.id("rate-limit-current")).getText()).contains("none").contains("platform default");

        // Rate limit: 0 is refused in the browser, 2 a minute per address is saved and enforced.
        WebElement perMinute = waitFor(By.id("rate-limit-per-minute"));
        perMinute.sendKeys("0");
        waitFor(By.id("save-rate-limit")).click();
        wait(d -> d.findElement(By.cssSelector("#rate-limit-form [data-field=rateLimit] .field-error")).getText()
                .contains("whole number"));
        perMinute.sendKeys(Keys.chord(Keys.CONTROL, "a"), "2");
        new Select(driver.findElement(By.cssSelector("#rate-limit-form select[name=rateLimitScope]")))
                .selectByValue("address");
        waitFor(By.id("save-rate-limit")).click();
        wait(d -> d.findElement(By.id("rate-limit-current")).getText().contains("2 a minute per client address"));
        JsonNode saved = user.client().get("/api/instances/" + tenant.id()).json().path("rateLimit");
        assertThat(saved.path("requestsPerMinute").asInt()).isEqualTo(2);
        assertThat(saved.path("perAddress").asBoolean()).isTrue();
        assertThat(gateway.send("GET", "/api/health", null).header("RateLimit-Remaining")).isEqualTo("1");
        assertThat(gateway.send("GET", "/api/health", null).status()).isEqualTo(200);
        RawHttp.Response refused = gateway.send("GET", "/api/health", null);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).isNotNull();

        // The usage card catches up with the two served requests (the refused one is not served).
        driver.navigate().refresh();
        wait(d -> d.findElement(By.cssSelector("#usage-charts [data-chart=requests] .usage-value")).getText()
                .equals("9"));
        shoot();

        // Cleared: back to the platform default.
        WebElement field = waitFor(By.id("rate-limit-per-minute"));
        field.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        waitFor(By.id("save-rate-limit")).click();
        wait(d -> d.findElement(By.id("rate-limit-current")).getText().contains("none"));
        assertThat(user.client().get("/api/instances/" + tenant.id()).json().path("rateLimit").isNull()).isTrue();
        assertThat(browser.consoleErrors().stream().map(LogEntry::getMessage).toList())
                .as("browser console errors").isEmpty();
    }

    private void shoot() {
        try {
            browser.resize(1280, 1400);
            browser.emulateColorScheme("light");
            settle();
            driver().executeScript("document.getElementById('usage-card').scrollIntoView({block: 'start'})");
            settle();
            browser.screenshot("usage-desktop-light");
            browser.resize(375, 812);
            browser.emulateColorScheme("dark");
            settle();
            driver().executeScript("document.getElementById('usage-card').scrollIntoView({block: 'start'})");
            settle();
            browser.screenshot("usage-phone-dark");
        } finally {
            browser.emulateColorScheme("light");
            browser.resize(1280, 900);
        }
    }

    private static ChromeDriver driver() {
        return browser.driver();
    }

    private void signIn(String email) {
        ChromeDriver driver = browser.driver();
        driver.get(base() + "/signin");
        WebElement form = waitFor(By.id("signin-form"));
        form.findElement(By.name("email")).sendKeys(email);
        form.findElement(By.name("password")).sendKeys(PASSWORD, Keys.ENTER);
        waitFor(By.cssSelector(".user-chip"));
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
