package dev.picobase.api.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.Browser;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.api.testsupport.Unique;
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
 * Sign-up by invitation ({@code PICOBASE_SIGNUP=invite}) in real Chromium against the real platform:
 * the sign-up page without a link says one is needed and shows no form; an operator creates a link in
 * the Operator view's Invitations card (shown once); the invited person opens it, signs up and lands
 * on the dashboard signed in; the card then shows the invitation used; the same link opened again is
 * refused with the page's notice. A closed server's sign-up page shows a notice and no form. The
 * console must stay clean but for the deliberate refusal.
 */
class InvitationJourneyTest {
    private static final String PASSWORD = "correct horse battery";
    private static final String OPERATOR = "operator-" + Unique.subdomain() + "@example.com";

    private static RunningApi api;
    private static Browser browser;

    @BeforeAll
    static void start(@TempDir Path dir) {
        api = RunningApi.start(StoreKind.SQLITE, dir, Map.of("PICOBASE_SIGNUP", "invite",
                "PICOBASE_OPERATOR_EMAILS", OPERATOR), Clock.systemUTC());
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
    void anOperatorsInvitationLinkMakesOneAccount() {
        ChromeDriver driver = browser.driver();
        api.client().signUpAndSignIn(OPERATOR, PASSWORD); // operators may always sign up

        // Without a link: no form, a notice.
        driver.get(base() + "/signup");
        assertThat(waitFor(By.id("signup-notice")).getText()).contains("An invitation link is needed");
        assertThat(driver.findElements(By.id("signup-form"))).isEmpty();

        // The operator creates a link in the Operator view.
        signIn(OPERATOR);
        waitFor(By.id("operator-link")).click();
        WebElement card = waitFor(By.id("invitations-card"));
        assertThat(card.getText()).contains("Sign-up needs an invitation");
        waitFor(By.id("create-invitation")).click();
        String link = waitFor(By.id("invitation-link")).getText();
        assertThat(link).startsWith(base() + "/signup?invitation=pbi_");
        waitFor(By.cssSelector("#invitation-list [data-state=pending]"));

        // The invited person opens it and signs up: signed in, on the dashboard.
        String invited = Unique.email();
        signOut();
        driver.get(link);
        signUp(invited);
        waitFor(By.cssSelector(".user-chip"));
        assertThat(api.store().findCredentials(invited)).isPresent();

        // The card shows it used; the link does not work twice.
        signIn(OPERATOR);
        driver.get(base() + "/operator");
        waitFor(By.cssSelector("#invitation-list [data-state=used]"));
        JsonNode listed = operatorClient().get("/api/admin/invitations").json().path("items").get(0);
        assertThat(listed.path("state").asText()).isEqualTo("used");
        assertThat(listed.path("usedBy").asText())
                .isEqualTo(api.store().findCredentials(invited).orElseThrow().user().id());
        assertThat(browser.consoleErrors().stream().map(LogEntry::getMessage).toList())
                .as("browser console errors").isEmpty();

        signOut();
        driver.get(link);
        String second = Unique.email();
        signUp(second);
        assertThat(waitFor(By.id("signup-notice")).getText()).contains("This invitation link is not valid");
        assertThat(api.store().findCredentials(second)).isEmpty();
        browser.consoleErrors(); // the refused sign-up's 403 was deliberate
    }

    @Test
    void aClosedServerShowsNoSignUpForm(@TempDir Path dir) {
        try (RunningApi closed = RunningApi.start(StoreKind.SQLITE, dir, Map.of("PICOBASE_SIGNUP", "closed"),
                Clock.systemUTC())) {
            browser.driver().get("http://127.0.0.1:" + closed.port() + "/signup");
            assertThat(waitFor(By.id("signup-notice")).getText()).contains("Sign-up is closed on this server");
            assertThat(browser.driver().findElements(By.id("signup-form"))).isEmpty();
            assertThat(browser.consoleErrors().stream().map(LogEntry::getMessage).toList())
                    .as("browser console errors").isEmpty();
        }
    }

    private static ApiClient operatorClient() {
        return api.client().withToken(api.client().post("/api/auth/signin",
                ApiClient.json("email", OPERATOR, "password", PASSWORD)).json().path("token").asText());
    }

    private static void signUp(String email) {
        WebElement form = waitFor(By.id("signup-form"));
        form.findElement(By.name("name")).sendKeys("Grace Hopper");
        form.findElement(By.name("email")).sendKeys(email);
        form.findElement(By.name("password")).sendKeys(PASSWORD, Keys.ENTER);
    }

    private static void signOut() {
        ChromeDriver driver = browser.driver();
        driver.get("about:blank");
        driver.executeCdpCommand("Network.clearBrowserCookies", Map.of());
    }

    private static void signIn(String email) {
        signOut();
        browser.driver().get(base() + "/signin");
        WebElement form = waitFor(By.id("signin-form"));
        form.findElement(By.name("email")).sendKeys(email);
        form.findElement(By.name("password")).sendKeys(PASSWORD, Keys.ENTER);
        waitFor(By.cssSelector(".user-chip"));
    }

    private static WebElement waitFor(By by) {
        return new WebDriverWait(browser.driver(), Duration.ofSeconds(20)).ignoring(StaleElementReferenceException.class)
                .until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    private static String base() {
        return "http://127.0.0.1:" + api.port();
    }
}
