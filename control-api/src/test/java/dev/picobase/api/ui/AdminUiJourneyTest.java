package dev.picobase.api.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.Browser;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.api.testsupport.Unique;
import dev.picobase.testsupport.StoreKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
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
 * A second journey covers the instance page's backups (listing, restoring, a damaged snapshot) and
 * settings (idle timeout, rename).
 */
class AdminUiJourneyTest {
    private static final int DESKTOP_WIDTH = 1280;
    private static final int DESKTOP_HEIGHT = 900;
    private static final int PHONE_WIDTH = 375;
    private static final int PHONE_HEIGHT = 812;
    private static final String PASSWORD = "correct horse battery";

    private static RunningApi api;
    private static Browser browser;
    private static Path dataDir;

    @BeforeAll
    static void start(@TempDir Path dir) {
        dataDir = dir;
        api = RunningApi.start(StoreKind.SQLITE, dir);
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
        // An address the server refuses (no dot in the domain) is refused here first, without a request.
        WebElement emailInput = signUp.findElement(By.name("email"));
        emailInput.sendKeys("grace@example");
        signUp.findElement(By.name("password")).sendKeys(PASSWORD);
        signUp.findElement(By.cssSelector("button[type=submit]")).click();
        WebElement emailError = signUp.findElement(By.cssSelector(".field[data-field=email] .field-error"));
        wait(d -> emailError.getText().contains("valid email address"));
        assertThat(emailInput.getAttribute("aria-invalid")).isEqualTo("true");
        assertNoConsoleErrors();
        emailInput.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        emailInput.sendKeys(email);
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
        // The header's pill and Details show one status throughout the start (Details said stopped).
        assertThat(shownStatuses()).containsExactly("starting", "starting");
        wait(d -> {
            List<String> both = shownStatuses();
            assertThat(both.get(1)).as("Details' status beside the header's").isEqualTo(both.get(0));
            return both.get(0).equals("running");
        });
        waitForStatus("running");
        wait(d -> !d.findElement(By.id("log-box")).getText().isBlank());

        // Create a key; the dialog shows it once, with a link into PocketBase's admin UI.
        String key = createKey("web app");
        assertThat(key).startsWith("pbk_");
        String adminLink = driver.findElement(By.id("new-key-admin-link")).getAttribute("href");
        assertThat(adminLink).isEqualTo(api.config().instanceUrl(subdomain) + "/_/?apikey=" + key);
        assertThat(driver.findElement(By.cssSelector("dialog[open] .callout")).getText()).contains("not be shown again");
        // On a phone the dialog's buttons wrap their labels instead of running past its edge.
        try {
            for (int width : new int[] {PHONE_WIDTH, 390}) {
                browser.resize(width, PHONE_HEIGHT);
                settle();
                assertThat(overflowingTheOpenDialog()).as("elements past the dialog's edge at %d px", width).isEmpty();
            }
        } finally {
            browser.resize(DESKTOP_WIDTH, DESKTOP_HEIGHT);
        }
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

        // The API goes away (here: the browser goes offline): a banner says so, and the page stops
        // showing the instance as Running and its log as Live until an answer comes back.
        assertThat(driver.findElement(By.id("connection-banner")).isDisplayed()).isFalse();
        goOffline(true);
        try {
            WebElement banner = waitFor(By.id("connection-banner"));
            assertThat(banner.getText()).isEqualTo("Connection lost, retrying…");
            waitForStatus("unknown");
            assertThat(driver.findElement(By.id("details-status")).getAttribute("data-status")).isEqualTo("unknown");
            assertThat(driver.findElement(By.cssSelector(".log-state")).getText()).doesNotContain("Live");
            shoot("connection-lost");
        } finally {
            goOffline(false);
        }
        wait(d -> !d.findElement(By.id("connection-banner")).isDisplayed());
        waitForStatus("running");
        wait(d -> d.findElement(By.cssSelector(".log-state")).getText().contains("Live"));
        assertNoConsoleErrorsExcept(e -> e.getMessage().contains("ERR_INTERNET_DISCONNECTED"));

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
        By cardOf = By.cssSelector(".instance-card[data-subdomain='" + subdomain + "']");
        waitFor(cardOf);
        String other = Unique.subdomain();
        String token = api.client().post("/api/auth/signin",
                "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}").json().path("token").asText();
        assertThat(api.client().withToken(token).post("/api/instances",
                "{\"name\":\"Mobile app API\",\"subdomain\":\"" + other + "\"}").status()).isEqualTo(201);
        WebElement otherPill = waitFor(By.cssSelector(".instance-card[data-subdomain='" + other + "'] .pill"));
        assertThat(otherPill.getAttribute("data-status")).isEqualTo("stopped");
        // The list re-renders as it polls: find the card afresh each time instead of holding it.
        assertThat(driver.findElement(cardOf).findElement(By.cssSelector(".pill")).getAttribute("data-status"))
                .isEqualTo("running");
        assertThat(driver.findElement(cardOf).getText()).contains(api.config().instanceUrl(subdomain));
        wait(d -> !d.findElement(cardOf).findElements(By.cssSelector(".instance-meta time")).isEmpty());
        shoot("overview");

        // Stop it from its page.
        driver.findElement(cardOf).findElement(By.cssSelector("a.stretched-link")).click();
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

    /**
     * The sign-up and sign-in forms check an email address as the server does: the browser accepted
     * grace@example, which the API refuses. Each address gets the same verdict from the page's rule
     * (forms.js) and from Validate.email.
     */
    @Test
    @SuppressWarnings("unchecked")
    void theBrowsersEmailRuleIsTheServers() {
        List<String> addresses = List.of("ada@example.com", "grace@example", "Grace.Hopper+navy@Example.ORG",
                "  ada@example.com\t", "ada@example.com\u00a0", "\u00a0ada@example.com", "ada@@example.com",
                "ada@-example.com", "ada@example-.com", "ada@ex_ample.com", "ada@example.c", "ada@.example.com",
                "ada@example..com", "ada example@example.com", "@example.com", "ada@", "", "   ",
                "o'brien@example.ie", "ada@\u00e9xample.com", "\u00e9@example.com", "\u212a@example.com",
                "ada@example.com.", "a".repeat(64) + "@" + "b".repeat(63) + ".com",
                "a".repeat(240) + "@example.com", "a".repeat(250) + "@e.co", "ada@" + "x".repeat(64) + ".com",
                "ada\u200b@example.com", "ada@example.com\u2028", "\u2003ada@example.com\u3000");
        browser.driver().get(base() + "/signin");
        waitFor(By.id("signin-form"));
        List<Boolean> browserSays = (List<Boolean>) browser.driver().executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "import('/js/forms.js').then((m) => done(arguments[0].map((a) => m.emailProblem(a) === null)));",
                addresses);
        for (int i = 0; i < addresses.size(); i++) {
            boolean serverSays;
            try {
                dev.picobase.api.http.Validate.email(addresses.get(i));
                serverSays = true;
            } catch (dev.picobase.api.http.ApiException e) {
                serverSays = false;
            }
            assertThat(browserSays.get(i)).as("accepted: \"%s\"", addresses.get(i)).isEqualTo(serverSays);
        }
        assertThat(browserSays.get(0)).isTrue();
        assertThat(browserSays.get(1)).isFalse();
        assertNoConsoleErrors();
    }

    /**
     * The account page, reached from the header: the sessions are listed (this browser's marked) and
     * another one is ended; a wrong current password is refused next to its field; the right one changes
     * the password and signs out every other session; the account is deleted once its email is typed.
     * Desktop and phone screenshots, and nothing runs past the phone's width.
     */
    @Test
    void theAccountPageChangesThePasswordEndsSessionsAndDeletesTheAccount() {
        ChromeDriver driver = browser.driver();
        ApiClient.SignedIn user = api.client().signUpAndSignIn();
        String instanceId = user.createInstance().path("id").asText();
        driver.get(base() + "/signin");
        WebElement form = waitFor(By.id("signin-form"));
        form.findElement(By.name("email")).sendKeys(user.email());
        form.findElement(By.name("password")).sendKeys(user.password(), Keys.ENTER);
        waitFor(By.cssSelector(".instance-card"));

        // From the header to the account page; two sessions: the API client's and this browser's.
        driver.findElement(By.id("account-link")).click();
        wait(d -> d.getCurrentUrl().endsWith("/account"));
        assertThat(waitFor(By.cssSelector("main h1")).getText()).isEqualTo("Account");
        assertThat(driver.findElement(By.id("account-who")).getText()).contains(user.email());
        wait(d -> sessionRows().size() == 2);
        assertThat(sessionRows().get(0).getAttribute("data-current")).isEqualTo("true");
        assertThat(sessionRows().get(0).getText()).containsIgnoringCase("This browser");
        assertThat(sessionRows().get(0).findElements(By.cssSelector("button[data-end-session]"))).isEmpty();
        shoot("account");
        try {
            browser.resize(PHONE_WIDTH, PHONE_HEIGHT);
            settle();
            assertThat((Boolean) ((JavascriptExecutor) driver).executeScript(
                    "return document.documentElement.scrollWidth <= innerWidth")).as("no sideways scrolling").isTrue();
        } finally {
            browser.resize(DESKTOP_WIDTH, DESKTOP_HEIGHT);
        }

        // End the other session: its token stops working at once.
        assertThat(user.client().get("/api/me").status()).isEqualTo(200);
        sessionRows().get(1).findElement(By.cssSelector("button[data-end-session]")).click();
        wait(d -> sessionRows().size() == 1);
        assertThat(user.client().get("/api/me").status()).isEqualTo(401);

        // A wrong current password is refused next to its field.
        ApiClient other = api.client().withToken(api.client().post("/api/auth/signin",
                ApiClient.json("email", user.email(), "password", user.password())).json().path("token").asText());
        WebElement passwordForm = driver.findElement(By.id("password-form"));
        passwordForm.findElement(By.name("currentPassword")).sendKeys("not the password");
        passwordForm.findElement(By.name("newPassword")).sendKeys("a brand new password");
        driver.findElement(By.id("change-password")).click();
        WebElement currentError = passwordForm.findElement(By.cssSelector(".field[data-field=currentPassword] .field-error"));
        wait(d -> currentError.getText().contains("not your current password"));
        assertNoConsoleErrorsExcept(e -> e.getMessage().contains("/api/me/password") && e.getMessage().contains("403"));

        // The right one: changed, and the session signed in meanwhile is ended; this browser stays in.
        WebElement current = passwordForm.findElement(By.name("currentPassword"));
        current.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        current.sendKeys(user.password());
        driver.findElement(By.id("change-password")).click();
        wait(d -> passwordForm.getText().contains("Password changed. 1 other session was signed out."));
        wait(d -> sessionRows().size() == 1);
        assertThat(other.get("/api/me").status()).isEqualTo(401);
        assertThat(api.client().post("/api/auth/signin", ApiClient.json("email", user.email(),
                "password", "a brand new password")).status()).isEqualTo(200);
        shoot("account-password-changed");
        assertNoConsoleErrors();

        // Delete the account: the button waits for the email; then the browser is signed out.
        driver.findElement(By.id("delete-account")).click();
        WebElement confirm = waitFor(By.id("confirm-delete-account"));
        assertThat(confirm.isEnabled()).isFalse();
        WebElement typed = driver.findElement(By.cssSelector("#delete-account-form input[name=email]"));
        typed.sendKeys("someone@example.com");
        assertThat(confirm.isEnabled()).isFalse();
        typed.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        typed.sendKeys(user.email().toUpperCase(java.util.Locale.ROOT));
        assertThat(confirm.isEnabled()).isTrue();
        shoot("delete-account");
        confirm.click();
        WebElement signIn = waitFor(By.id("signin-form"));
        assertThat(signIn.findElement(By.cssSelector(".form-alert")).getText()).contains("account and its instances were deleted");
        assertThat(api.client().post("/api/auth/signin", ApiClient.json("email", user.email(),
                "password", "a brand new password")).status()).isEqualTo(401);
        assertThat(api.store().findInstance(instanceId)).isEmpty();
        assertNoConsoleErrors();
    }

    private static List<WebElement> sessionRows() {
        return browser.driver().findElements(By.cssSelector("#session-list .session-row"));
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

    @Test
    void backupsAreListedAndRestoredAndSettingsAreSaved() {
        ChromeDriver driver = browser.driver();
        ApiClient.SignedIn user = api.client().signUpAndSignIn();
        String id = user.createInstance().path("id").asText();
        driver.get(base() + "/signin");
        WebElement form = waitFor(By.id("signin-form"));
        form.findElement(By.name("email")).sendKeys(user.email());
        form.findElement(By.name("password")).sendKeys(user.password(), Keys.ENTER);
        waitFor(By.cssSelector(".instance-card")).findElement(By.cssSelector("a.stretched-link")).click();

        // A new instance has no backups yet.
        WebElement empty = waitFor(By.id("backups-empty"));
        assertThat(empty.getText()).contains("No backups yet").contains("saves one each time the instance stops");
        waitForStatus("stopped");

        // Start and stop: the stop's snapshot is listed, marked current, with no Restore button.
        startThenStop();
        wait(d -> backupRows().size() == 1);
        WebElement first = backupRows().get(0);
        assertThat(first.getAttribute("data-current")).isEqualTo("true");
        assertThat(first.findElement(By.cssSelector(".badge-current")).getText()).isEqualToIgnoringCase("current");
        assertThat(first.findElements(By.cssSelector("button[data-restore]"))).isEmpty();
        assertThat(first.findElement(By.cssSelector("time")).getAttribute("title")).isNotBlank();
        assertThat(first.findElement(By.cssSelector(".backup-size")).getText()).matches("\\d+(\\.\\d)? (B|KB|MB)");
        String olderId = first.getAttribute("data-backup-id");
        JsonNode listed = user.client().get("/api/instances/" + id + "/backups").json().path("backups");
        assertThat(first.findElement(By.cssSelector(".backup-sha")).getText())
                .isEqualTo(listed.get(0).path("sha256").asText().substring(0, 12));
        // Why it was taken, and a link that downloads it (the session cookie authenticates it).
        assertThat(first.findElement(By.cssSelector(".backup-reason")).getText()).isEqualTo("Saved at stop");
        WebElement downloadLink = first.findElement(By.cssSelector("a[data-download]"));
        assertThat(downloadLink.getAttribute("download")).isNotNull();
        String href = downloadLink.getAttribute("href");
        assertThat(href).isEqualTo(base() + "/api/instances/" + id + "/backups/" + olderId + "/download");
        ApiClient.Reply downloaded = user.client().get(href.substring(base().length()));
        assertThat(downloaded.status()).isEqualTo(200);
        assertThat(downloaded.headers().firstValue("Content-Type")).hasValue("application/zip");
        assertThat(downloaded.headers().firstValue("Content-Length"))
                .hasValue(listed.get(0).path("sizeBytes").asText());

        // Once more: two backups, newest first; the older one can be restored.
        startThenStop();
        wait(d -> backupRows().size() == 2);
        assertThat(backupRows().get(0).getAttribute("data-current")).isEqualTo("true");
        WebElement older = backupRows().get(1);
        assertThat(older.getAttribute("data-backup-id")).isEqualTo(olderId);
        assertThat(older.getAttribute("data-current")).isEqualTo("false");
        // A backup a node kept after losing the instance's lease carries a note saying why it is not
        // current; the UI shows it under the row as text, so markup in it is never run or rendered.
        String note = "saved by node <img src=x id=injected onerror=alert(1)> after it lost the instance's lease";
        api.store().noteSnapshot(olderId, note);
        wait(d -> backupRows().get(1).findElements(By.cssSelector(".backup-note")).size() == 1);
        WebElement shown = backupRows().get(1).findElement(By.cssSelector(".backup-note"));
        assertThat(shown.getText()).isEqualTo(note);
        assertThat(driver.findElements(By.id("injected"))).isEmpty();
        assertThat(backupRows().get(0).findElements(By.cssSelector(".backup-note"))).isEmpty();
        older = backupRows().get(1);
        shoot("instance-backups");
        shootScrolledTo("backups-title", "instance-backups-section");

        // Restore it, through the confirmation that says what happens to the current data.
        older.findElement(By.cssSelector("button[data-restore]")).click();
        WebElement confirm = waitFor(By.id("confirm-restore"));
        String dialogText = driver.findElement(By.cssSelector("dialog[open]")).getText();
        assertThat(dialogText).contains("current data is saved first").contains("will be stopped");
        shoot("restore-backup");
        confirm.click();
        WebElement message = waitFor(By.id("backups-message"));
        wait(d -> message.getText().contains("Restored the backup"));
        assertThat(driver.findElements(By.cssSelector("dialog[open]"))).isEmpty();
        waitForStatus("stopped");
        assertThat(user.client().get("/api/instances/" + id).json().path("status").asText()).isEqualTo("stopped");
        wait(d -> backupRows().stream().anyMatch(r -> r.getAttribute("data-backup-id").equals(olderId)
                && r.getAttribute("data-current").equals("true")));
        assertNoConsoleErrors();

        // "Back up now" on the stopped instance: a new current backup at the top, marked manual.
        int before = backupRows().size();
        driver.findElement(By.id("back-up-now")).click();
        wait(d -> message.getText().contains("Backed up"));
        wait(d -> backupRows().size() == before + 1
                && backupRows().get(0).getAttribute("data-current").equals("true")
                && backupRows().get(0).findElement(By.cssSelector(".backup-reason")).getText().equals("Manual"));
        assertThat(user.client().get("/api/instances/" + id + "/backups").json().path("backups").get(0)
                .path("reason").asText()).isEqualTo("manual");
        assertNoConsoleErrors();

        // A damaged snapshot: the API's 409 is shown in the dialog, which stays open.
        WebElement victim = backupRows().stream().filter(r -> r.getAttribute("data-current").equals("false"))
                .findFirst().orElseThrow();
        corruptSnapshot(id, victim.getAttribute("data-backup-id"));
        victim.findElement(By.cssSelector("button[data-restore]")).click();
        waitFor(By.id("confirm-restore")).click();
        WebElement problem = waitFor(By.id("restore-problem"));
        wait(d -> problem.getText().contains("damaged"));
        assertThat(problem.getText()).contains("SHA-256");
        assertThat(driver.findElement(By.id("confirm-restore")).isEnabled()).isFalse();
        shoot("restore-corrupt");
        driver.findElement(By.cssSelector("dialog[open] .dialog-close")).click();
        wait(d -> d.findElements(By.cssSelector("dialog")).isEmpty());
        assertNoConsoleErrorsExcept(e -> e.getMessage().contains("/restore") && e.getMessage().contains("status of 409"));

        // A toast (here: the URL copied) covers no control, at the top of the page or over Settings' Save.
        try {
            for (int width : new int[] {DESKTOP_WIDTH, PHONE_WIDTH}) {
                browser.resize(width, width == DESKTOP_WIDTH ? DESKTOP_HEIGHT : PHONE_HEIGHT);
                ((JavascriptExecutor) driver).executeScript("window.scrollTo(0, 0)");
                settle();
                driver.findElement(By.cssSelector("#instance-header .copy-btn")).click();
                waitFor(By.cssSelector("#toasts .toast"));
                assertThat(controlsUnderTheToast()).as("controls under the toast at %d px", width).isEmpty();
                wait(d -> d.findElements(By.cssSelector("#toasts .toast")).isEmpty());
                ((JavascriptExecutor) driver).executeScript(
                        "document.querySelector('#instance-header .copy-btn').click();"
                                + "document.getElementById('save-settings').scrollIntoView({block: 'center'})");
                waitFor(By.cssSelector("#toasts .toast"));
                assertThat(controlsUnderTheToast()).as("controls under the toast at %d px, Save in view", width).isEmpty();
                wait(d -> d.findElements(By.cssSelector("#toasts .toast")).isEmpty());
            }
        } finally {
            browser.resize(DESKTOP_WIDTH, DESKTOP_HEIGHT);
        }

        // Settings: an empty name is refused next to the field; the idle timeout is saved.
        WebElement settings = driver.findElement(By.id("settings-form"));
        WebElement name = settings.findElement(By.name("name"));
        WebElement save = driver.findElement(By.id("save-settings"));
        assertThat(save.isEnabled()).isFalse();
        name.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        save.click();
        WebElement nameError = settings.findElement(By.cssSelector(".field[data-field=name] .field-error"));
        wait(d -> nameError.getText().contains("Give the instance a name"));
        assertThat(name.getAttribute("aria-invalid")).isEqualTo("true");
        name.sendKeys("Test app");
        new org.openqa.selenium.support.ui.Select(settings.findElement(By.name("idleTimeoutSeconds")))
                .selectByVisibleText("1 minute");
        save.click();
        wait(d -> settings.getText().contains("Saved"));
        assertThat(user.client().get("/api/instances/" + id).json().path("idleTimeoutSeconds").asLong()).isEqualTo(60);
        assertThat(driver.findElement(By.cssSelector(".details")).getText()).contains("1 min");

        // Rename: the header follows.
        name.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        name.sendKeys("Shop backend");
        save.click();
        wait(d -> d.findElement(By.id("instance-name")).getText().equals("Shop backend"));
        assertThat(user.client().get("/api/instances/" + id).json().path("name").asText()).isEqualTo("Shop backend");
        assertThat(driver.getTitle()).startsWith("Shop backend");

        // Back to the platform default, which says what it is (PICOBASE_IDLE_TIMEOUT, 5 min here).
        assertThat(user.client().get("/api/instances/" + id).json().path("idleTimeoutDefaultSeconds").asLong())
                .isEqualTo(300);
        new org.openqa.selenium.support.ui.Select(settings.findElement(By.name("idleTimeoutSeconds")))
                .selectByVisibleText("Platform default (5 min)");
        save.click();
        wait(d -> user.client().get("/api/instances/" + id).json().path("idleTimeoutSeconds").isNull());
        wait(d -> d.findElement(By.cssSelector(".details")).getText().contains("Platform default (5 min)"));
        shoot("instance-settings");
        assertNoConsoleErrors();
        driver.findElement(By.id("sign-out")).click();
        waitFor(By.id("signin-form"));
    }

    /** The status in the header's pill and in Details, read at one instant. */
    @SuppressWarnings("unchecked")
    private static List<String> shownStatuses() {
        return (List<String>) browser.driver().executeScript("return ["
                + "document.querySelector('#instance-status .pill').dataset.status,"
                + "document.getElementById('details-status').dataset.status]");
    }

    /** Visible elements of the open dialog that reach past its padding box, as "tag.class text". */
    @SuppressWarnings("unchecked")
    private static List<String> overflowingTheOpenDialog() {
        return (List<String>) browser.driver().executeScript("""
                const d = document.querySelector('dialog[open]');
                const box = d.getBoundingClientRect();
                const style = getComputedStyle(d);
                const left = box.left + parseFloat(style.paddingLeft) - 0.5;
                const right = box.right - parseFloat(style.paddingRight) + 0.5;
                // The close button sits in the corner's padding on purpose; it must stay inside the border.
                const out = [...d.querySelectorAll('*')].filter((e) => {
                  const r = e.getBoundingClientRect();
                  const [l, rt] = e.closest('.dialog-close') ? [box.left, box.right] : [left, right];
                  return r.width > 1 && r.height > 1 && (r.left < l || r.right > rt);
                }).map((e) => `${e.tagName.toLowerCase()}.${e.className.baseVal ?? e.className} ${(e.textContent || '').slice(0, 40)}`);
                if (d.scrollWidth > d.clientWidth) out.push(`dialog scrolls sideways: ${d.scrollWidth} > ${d.clientWidth}`);
                return out;""");
    }

    /**
     * Visible controls (buttons, links, fields) that a toast overlaps, as "tag#id text". Controls scrolled
     * under the sticky top bar do not count: the bar covers those anyway.
     */
    @SuppressWarnings("unchecked")
    private static List<String> controlsUnderTheToast() {
        return (List<String>) browser.driver().executeScript("""
                const toasts = [...document.querySelectorAll('#toasts .toast')].map((t) => t.getBoundingClientRect());
                const bar = document.getElementById('topbar');
                const barBottom = bar.getBoundingClientRect().bottom;
                const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
                return [...document.querySelectorAll('button, a[href], input, select, textarea')].filter((c) => {
                  const r = c.getBoundingClientRect();
                  if (r.width < 2 || r.height < 2 || r.bottom <= 0 || r.top >= innerHeight) return false;
                  if (!bar.contains(c) && r.top < barBottom) return false;
                  return toasts.some((t) => meets(t, r));
                }).map((c) => `${c.tagName.toLowerCase()}#${c.id} ${(c.textContent || '').trim().slice(0, 30)}`);""");
    }

    /** Takes the browser offline (or back online) through the DevTools protocol. */
    private static void goOffline(boolean offline) {
        browser.driver().executeCdpCommand("Network.enable", Map.of());
        browser.driver().executeCdpCommand("Network.emulateNetworkConditions", Map.of("offline", offline,
                "latency", 0, "downloadThroughput", -1, "uploadThroughput", -1));
    }

    private void startThenStop() {
        waitFor(By.cssSelector("#instance-action[data-action=start]")).click();
        waitForStatus("running");
        waitFor(By.cssSelector("#instance-action[data-action=stop]")).click();
        waitForStatus("stopped");
    }

    private static List<WebElement> backupRows() {
        return browser.driver().findElements(By.cssSelector("#backup-list .backup-row"));
    }

    /** Overwrites the middle of a snapshot's archive in the local object storage. */
    private static void corruptSnapshot(String instanceId, String snapshotId) {
        Path dir = dataDir.resolve("objects").resolve("instances").resolve(instanceId).resolve("snapshots");
        try (Stream<Path> files = Files.list(dir)) {
            Path archive = files.filter(f -> f.getFileName().toString().endsWith("-" + snapshotId + ".zip"))
                    .findFirst().orElseThrow(() -> new AssertionError("no archive for " + snapshotId + " in " + dir));
            byte[] bytes = Files.readAllBytes(archive);
            for (int i = bytes.length / 3; i < bytes.length / 3 + 64 && i < bytes.length; i++) {
                bytes[i] ^= (byte) 0x5a;
            }
            Files.write(archive, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Desktop light and phone dark screenshots with the element {@code id} scrolled to the top. */
    private void shootScrolledTo(String id, String name) {
        JavascriptExecutor js = browser.driver();
        try {
            browser.emulateColorScheme("light");
            browser.resize(DESKTOP_WIDTH, DESKTOP_HEIGHT);
            scrollTo(js, id);
            settle();
            browser.screenshot(name + "-desktop-light");
            browser.emulateColorScheme("dark");
            browser.resize(PHONE_WIDTH, PHONE_HEIGHT);
            scrollTo(js, id);
            settle();
            browser.screenshot(name + "-phone-dark");
        } finally {
            browser.emulateColorScheme("light");
            browser.resize(DESKTOP_WIDTH, DESKTOP_HEIGHT);
            js.executeScript("window.scrollTo(0, 0)");
        }
    }

    private static void scrollTo(JavascriptExecutor js, String id) {
        js.executeScript("document.getElementById(arguments[0]).closest('section').scrollIntoView();"
                + "window.scrollBy(0, -72)", id);
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
        new WebDriverWait(browser.driver(), Duration.ofSeconds(30)).ignoring(StaleElementReferenceException.class)
                .until(ExpectedConditions.attributeToBe(
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
        return new WebDriverWait(browser.driver(), Duration.ofSeconds(15)).ignoring(StaleElementReferenceException.class)
                .until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    private static void wait(java.util.function.Function<org.openqa.selenium.WebDriver, Boolean> condition) {
        new WebDriverWait(browser.driver(), Duration.ofSeconds(15)).ignoring(StaleElementReferenceException.class)
                .until(condition::apply);
    }

    private static String base() {
        return "http://127.0.0.1:" + api.port();
    }
}
