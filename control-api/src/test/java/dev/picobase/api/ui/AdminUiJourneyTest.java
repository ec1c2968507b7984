package dev.picobase.api.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.Browser;
import dev.picobase.api.testsupport.RawHttp;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.StoreKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A new user's whole session in the admin UI, in real Chromium against the real platform (control
 * API, gateway, PocketBase): sign up, sign out, a wrong password, sign in, create an instance (a
 * reserved subdomain first), start it, create a key and call the instance with it through the
 * gateway, revoke a key and see the gateway refuse it, stop the instance, delete it. Every main
 * screen is saved under {@code target/screenshots} at desktop and phone width, light and dark, and
 * the browser console must stay free of errors apart from the two deliberate failures named below.
 */
class AdminUiJourneyTest {
    private static final int DESKTOP_WIDTH = 1280;
    private static final int DESKTOP_HEIGHT = 900;
    private static final int PHONE_WIDTH = 375;
    private static final int PHONE_HEIGHT = 812;
    private static final String PASSWORD = "correct horse battery";

    private static RunningApi api;
    private static Browser browser;

    @BeforeAll
    static void start(@TempDir Path dataDir) {
        api = RunningApi.start(StoreKind.SQLITE, dataDir);
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

    /**
     * Each test starts signed out, from a blank page that polls nothing, in the light scheme.
     * (Headless Chromium here reports dark by default, with or without the launch flags, so the
     * scheme is always set explicitly through the DevTools protocol.)
     */
    @BeforeEach
    void signedOutInTheLightScheme() {
        browser.emulateColorScheme("light");
        browser.driver().get("about:blank");
        browser.driver().executeCdpCommand("Network.clearBrowserCookies", Map.of());
        browser.consoleErrors();
    }

    @Test
    void darkModeFollowsTheSystemSetting() {
        ChromeDriver driver = browser.driver();
        driver.get(base() + "/signin");
        waitFor(By.id("signin-form"));
        String lightBackground = bodyBackground();

        browser.emulateColorScheme("dark");
        try {
            assertThat(browser.prefersDark()).isTrue();
            assertThat(bodyBackground()).isNotEqualTo(lightBackground);
        } finally {
            browser.emulateColorScheme("light");
        }
        assertThat(browser.prefersDark()).isFalse();
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void aNewUserGoesFromSignUpToDeletingAnInstance() {
        ChromeDriver driver = browser.driver();
        String email = Unique.email();
        String subdomain = Unique.subdomain();

        // Sign up: the account is created and the user lands, signed in, on an empty dashboard.
        driver.get(base() + "/");
        waitFor(By.id("signin-form"));
        driver.findElement(By.linkText("Create an account")).click();
        WebElement signUp = waitFor(By.id("signup-form"));
        shoot("signup");
        signUp.findElement(By.name("name")).sendKeys("Ada Lovelace");
        signUp.findElement(By.name("email")).sendKeys(email);
        signUp.findElement(By.name("password")).sendKeys(PASSWORD);
        signUp.findElement(By.cssSelector("button[type=submit]")).click();
        waitFor(By.id("create-first"));
        assertThat(driver.findElement(By.cssSelector(".empty-state")).getText()).contains("No instances yet");
        shoot("overview-empty");
        assertNoConsoleErrors();

        // Sign out, then a wrong password: the message is shown in the form, the user stays there.
        driver.findElement(By.id("sign-out")).click();
        WebElement signIn = waitFor(By.id("signin-form"));
        signIn.findElement(By.name("email")).sendKeys(email);
        signIn.findElement(By.name("password")).sendKeys("not the password");
        signIn.findElement(By.cssSelector("button[type=submit]")).click();
        WebElement alert = waitFor(By.cssSelector("#signin-form .form-alert"));
        wait(d -> alert.getText().contains("Wrong email or password"));
        shoot("signin-wrong-password");
        // Chromium logs every 4xx fetch as "Failed to load resource"; this one is the deliberate
        // wrong password, and nothing else may appear.
        assertNoConsoleErrorsExcept(e -> e.getMessage().contains("/api/auth/signin")
                && e.getMessage().contains("status of 401"));

        // Sign in with the right password.
        WebElement password = signIn.findElement(By.name("password"));
        password.clear();
        password.sendKeys(PASSWORD, Keys.ENTER);
        waitFor(By.id("create-first"));
        assertThat(driver.findElement(By.cssSelector(".user-chip")).getAttribute("title")).isEqualTo(email);

        // Create an instance: a reserved subdomain is refused inline as it is typed, and again on submit.
        driver.findElement(By.id("create-first")).click();
        WebElement create = waitFor(By.id("create-instance-form"));
        create.findElement(By.name("name")).sendKeys("Blog backend");
        WebElement sub = create.findElement(By.name("subdomain"));
        sub.clear();
        sub.sendKeys("www");
        WebElement subError = create.findElement(By.cssSelector(".field[data-field=subdomain] .field-error"));
        wait(d -> subError.getText().contains("'www' is reserved"));
        assertThat(sub.getAttribute("aria-invalid")).isEqualTo("true");
        driver.findElement(By.cssSelector("button[form=create-instance-form]")).click();
        wait(d -> subError.getText().contains("'www' is reserved"));
        assertThat(driver.findElement(By.cssSelector("dialog[open]")).isDisplayed()).isTrue();

        sub.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        sub.sendKeys(subdomain);
        WebElement preview = waitFor(By.id("subdomain-url"));
        assertThat(preview.getText()).isEqualTo(api.config().instanceUrl(subdomain));
        assertThat(subError.getText()).isEmpty();
        shoot("create-instance");
        driver.findElement(By.cssSelector("button[form=create-instance-form]")).click();

        // The instance page: stopped at first; start it and wait for PocketBase to be healthy.
        waitFor(By.id("instance-name"));
        assertThat(driver.findElement(By.id("instance-name")).getText()).isEqualTo("Blog backend");
        assertThat(driver.findElement(By.id("instance-url")).getText()).isEqualTo(api.config().instanceUrl(subdomain));
        waitForStatus("stopped");
        driver.findElement(By.cssSelector("#instance-action[data-action=start]")).click();
        waitForStatus("running");
        wait(d -> !d.findElement(By.id("log-box")).getText().isBlank());

        // Create a key; the dialog shows it once, with a link into PocketBase's admin UI.
        String key = createKey("web app");
        assertThat(key).startsWith("pbk_");
        String adminLink = driver.findElement(By.id("new-key-admin-link")).getAttribute("href");
        assertThat(adminLink).isEqualTo(api.config().instanceUrl(subdomain) + "/_/?apikey=" + key);
        assertThat(driver.findElement(By.cssSelector("dialog[open] .callout")).getText()).contains("not be shown again");
        shoot("key-created");
        driver.findElement(By.id("new-key-done")).click();
        wait(d -> d.findElements(By.cssSelector("dialog[open]")).isEmpty());

        // The key works from outside, through the gateway.
        assertThat(gatewayHealth(subdomain, key)).isEqualTo(200);

        // The list shows the key by its hint, never the secret.
        WebElement keyList = driver.findElement(By.id("key-list"));
        wait(d -> keyList.findElements(By.cssSelector(".key-row")).size() == 1);
        assertThat(keyList.getText()).contains("web app").doesNotContain(key);
        shoot("instance-running");

        // A second key, revoked in the UI: the gateway refuses it at once, the first still works.
        String doomed = createKey("to revoke");
        driver.findElement(By.id("new-key-done")).click();
        assertThat(gatewayHealth(subdomain, doomed)).isEqualTo(200);
        wait(d -> keyList.findElements(By.cssSelector(".key-row")).size() == 2);
        WebElement doomedRow = keyList.findElements(By.cssSelector(".key-row")).stream()
                .filter(r -> r.getText().contains("to revoke")).findFirst().orElseThrow();
        doomedRow.findElement(By.cssSelector("button[data-revoke]")).click();
        waitFor(By.id("confirm-revoke"));
        shoot("revoke-key");
        driver.findElement(By.id("confirm-revoke")).click();
        wait(d -> keyList.findElements(By.cssSelector(".key-row")).size() == 1);
        assertThat(keyList.getText()).doesNotContain("to revoke");
        assertThat(gatewayHealth(subdomain, doomed)).isEqualTo(401);
        assertThat(gatewayHealth(subdomain, key)).isEqualTo(200);
        assertNoConsoleErrors();

        // The overview shows the card with its live status and last activity; an instance created
        // elsewhere (here through the API with a bearer token) appears without a reload.
        driver.findElement(By.cssSelector(".back-link")).click();
        WebElement card = waitFor(By.cssSelector(".instance-card[data-subdomain='" + subdomain + "']"));
        String other = Unique.subdomain();
        String token = api.client().post("/api/auth/signin",
                "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}").json().path("token").asText();
        assertThat(api.client().withToken(token).post("/api/instances",
                "{\"name\":\"Mobile app API\",\"subdomain\":\"" + other + "\"}").status()).isEqualTo(201);
        WebElement otherCard = waitFor(By.cssSelector(".instance-card[data-subdomain='" + other + "']"));
        assertThat(otherCard.findElement(By.cssSelector(".pill")).getAttribute("data-status")).isEqualTo("stopped");
        assertThat(card.findElement(By.cssSelector(".pill")).getAttribute("data-status")).isEqualTo("running");
        assertThat(card.getText()).contains(api.config().instanceUrl(subdomain));
        wait(d -> !card.findElements(By.cssSelector(".instance-meta time")).isEmpty());
        shoot("overview");

        // Stop it from its page.
        card.findElement(By.cssSelector("a.stretched-link")).click();
        waitFor(By.cssSelector("#instance-action[data-action=stop]")).click();
        waitForStatus("stopped");
        shoot("instance-stopped");

        // Delete it: the button stays disabled until the subdomain is typed.
        driver.findElement(By.id("delete-instance")).click();
        WebElement confirm = waitFor(By.id("confirm-delete"));
        assertThat(confirm.isEnabled()).isFalse();
        WebElement typed = driver.findElement(By.cssSelector("#delete-form input[name=confirm]"));
        typed.sendKeys(subdomain.substring(0, 4));
        assertThat(confirm.isEnabled()).isFalse();
        typed.sendKeys(subdomain.substring(4));
        assertThat(confirm.isEnabled()).isTrue();
        shoot("delete-instance");
        confirm.click();
        waitFor(By.cssSelector(".instance-card[data-subdomain='" + other + "']"));
        assertThat(driver.findElements(By.cssSelector(".instance-card[data-subdomain='" + subdomain + "']"))).isEmpty();
        assertThat(api.store().findInstanceBySubdomain(subdomain)).isEmpty();
        assertNoConsoleErrors();
    }

    @Test
    void escapeClosesADialogAndReturnsFocusToItsOpener() {
        ChromeDriver driver = browser.driver();
        String email = Unique.email();
        api.client().post("/api/auth/signup",
                "{\"name\":\"Grace\",\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}");
        driver.get(base() + "/signin");
        WebElement form = waitFor(By.id("signin-form"));
        form.findElement(By.name("email")).sendKeys(email);
        form.findElement(By.name("password")).sendKeys(PASSWORD, Keys.ENTER);
        WebElement opener = waitFor(By.id("create-first"));
        opener.click();
        WebElement name = waitFor(By.cssSelector("#create-instance-form input[name=name]"));
        assertThat(driver.switchTo().activeElement()).isEqualTo(name);

        name.sendKeys(Keys.ESCAPE);

        wait(d -> d.findElements(By.cssSelector("dialog")).isEmpty());
        assertThat(driver.switchTo().activeElement()).isEqualTo(opener);
        driver.findElement(By.id("sign-out")).click();
        waitFor(By.id("signin-form"));
        assertNoConsoleErrors();
    }

    private String createKey(String name) {
        ChromeDriver driver = browser.driver();
        waitFor(By.id("new-key")).click();
        WebElement form = waitFor(By.id("create-key-form"));
        form.findElement(By.name("name")).sendKeys(name, Keys.ENTER);
        WebElement value = waitFor(By.id("new-key-value"));
        return value.getAttribute("value");
    }

    /** GET /api/health on the instance through the gateway, with {@code key}; the status code. */
    private static int gatewayHealth(String subdomain, String key) {
        String host = subdomain + ".localhost:" + api.gatewayPort();
        try (RawHttp http = RawHttp.connect(api.gatewayPort())) {
            return http.send("GET /api/health HTTP/1.1\r\nHost: " + host + "\r\napikey: " + key
                    + "\r\nConnection: close\r\n\r\n").readResponse().status();
        }
    }

    private void waitForStatus(String status) {
        new WebDriverWait(browser.driver(), Duration.ofSeconds(30)).until(ExpectedConditions.attributeToBe(
                By.cssSelector("#instance-status .pill"), "data-status", status));
    }

    /** The screen at desktop and phone width, light and dark: four screenshots. */
    private void shoot(String name) {
        try {
            for (String scheme : List.of("light", "dark")) {
                browser.emulateColorScheme(scheme);
                browser.resize(DESKTOP_WIDTH, DESKTOP_HEIGHT);
                settle();
                browser.screenshot(name + "-desktop-" + scheme);
                browser.resize(PHONE_WIDTH, PHONE_HEIGHT);
                settle();
                browser.screenshot(name + "-phone-" + scheme);
            }
        } finally {
            browser.emulateColorScheme("light");
            browser.resize(DESKTOP_WIDTH, DESKTOP_HEIGHT);
        }
    }

    /** Lets layout and the short open/close animations finish before a screenshot. */
    private static void settle() {
        try {
            Thread.sleep(250);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void assertNoConsoleErrors() {
        assertNoConsoleErrorsExcept(e -> false);
    }

    private void assertNoConsoleErrorsExcept(Predicate<LogEntry> expected) {
        assertThat(browser.consoleErrors().stream().filter(expected.negate()).map(LogEntry::getMessage).toList())
                .as("browser console errors").isEmpty();
    }

    private String bodyBackground() {
        return (String) ((JavascriptExecutor) browser.driver())
                .executeScript("return getComputedStyle(document.body).backgroundColor");
    }

    private static WebElement waitFor(By by) {
        return new WebDriverWait(browser.driver(), Duration.ofSeconds(15))
                .until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    private static void wait(java.util.function.Function<org.openqa.selenium.WebDriver, Boolean> condition) {
        new WebDriverWait(browser.driver(), Duration.ofSeconds(15)).until(condition::apply);
    }

    private static String base() {
        return "http://127.0.0.1:" + api.port();
    }
}
