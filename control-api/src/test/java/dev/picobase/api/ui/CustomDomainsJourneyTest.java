package dev.picobase.api.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.Browser;
import dev.picobase.api.testsupport.Dnsmasq;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.FreePorts;
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
 * The Domains card in real Chromium against a real platform whose DNS is a real dnsmasq: the owner
 * adds a hostname, is shown the TXT record and CNAME to create (the values the records must hold),
 * creates the TXT record (in dnsmasq, with the value read off the page), presses Verify and sees the
 * domain verified; then removes it. Screenshots {@code domains-pending-desktop-light} and
 * {@code domains-verified-desktop-light} under {@code target/screenshots}; the console stays clean.
 */
class CustomDomainsJourneyTest {
    private static final String PASSWORD = "correct horse battery";
    private static final int DNS_PORT = FreePorts.next();

    private static RunningApi api;
    private static Browser browser;
    private static Dnsmasq dns;

    @BeforeAll
    static void start(@TempDir Path dir) {
        api = RunningApi.start(StoreKind.SQLITE, dir, Map.of("PICOBASE_DNS_RESOLVER", "127.0.0.1:" + DNS_PORT),
                Clock.systemUTC());
        dns = new Dnsmasq(DNS_PORT, dir.resolve("dns"));
        browser = Browser.start(false);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {browser, dns, api}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the others are closed anyway
            }
        }
    }

    @Test
    void anOwnerAddsVerifiesAndRemovesADomain() {
        ChromeDriver driver = browser.driver();
        ApiClient.SignedIn owner = api.client().signUpAndSignIn();
        ApiClient.Tenant tenant = owner.createInstanceWithKey();
        String host = "shop.example.test";

        driver.get(base() + "/signin");
        WebElement signIn = waitFor(By.id("signin-form"));
        signIn.findElement(By.name("email")).sendKeys(owner.email());
        signIn.findElement(By.name("password")).sendKeys(owner.password(), Keys.ENTER);
        waitFor(By.cssSelector(".user-chip"));
        driver.get(base() + "/instances/" + tenant.id());
        assertThat(waitFor(By.id("no-domains")).getText()).contains("No custom domains");

        WebElement form = waitFor(By.id("domain-form"));
        form.findElement(By.name("hostname")).sendKeys("Shop.Example.Test");
        waitFor(By.id("add-domain")).click();
        WebElement pending = waitFor(By.cssSelector("[data-domain='" + host + "'][data-status=pending]"));
        WebElement txt = pending.findElement(By.cssSelector("[data-record=TXT]"));
        assertThat(txt.findElement(By.cssSelector("[data-part=name]")).getText()).isEqualTo("_picobase." + host);
        String token = txt.findElement(By.cssSelector("[data-part=value]")).getText();
        assertThat(token).startsWith("picobase-verify=");
        WebElement cname = pending.findElement(By.cssSelector("[data-record=CNAME]"));
        assertThat(cname.findElement(By.cssSelector("[data-part=value]")).getText())
                .isEqualTo(tenant.subdomain() + ".localhost");
        new org.openqa.selenium.interactions.Actions(driver).scrollToElement(pending).perform();
        browser.screenshot("domains-pending-desktop-light");

        // The owner creates the TXT record, then verifies.
        dns.serve("_picobase." + host, token);
        pending.findElement(By.cssSelector("[data-verify='" + host + "']")).click();
        WebElement verified = waitFor(By.cssSelector("[data-domain='" + host + "'][data-status=verified]"));
        assertThat(verified.getText()).contains("Verified").contains("Last check");
        assertThat(verified.findElements(By.cssSelector("[data-record]"))).isEmpty();
        assertThat(owner.client().get("/api/domains/check?domain=" + host).status()).isEqualTo(200);
        new org.openqa.selenium.interactions.Actions(driver).scrollToElement(verified).perform();
        browser.screenshot("domains-verified-desktop-light");

        verified.findElement(By.cssSelector("[data-remove='" + host + "']")).click();
        waitFor(By.id("no-domains"));
        assertThat(owner.client().get("/api/domains/check?domain=" + host).status()).isEqualTo(404);
        assertThat(browser.consoleErrors().stream().map(LogEntry::getMessage).toList())
                .as("browser console errors").isEmpty();
    }

    private static WebElement waitFor(By by) {
        return new WebDriverWait(browser.driver(), Duration.ofSeconds(20)).ignoring(StaleElementReferenceException.class)
                .until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    private static String base() {
        return "http://127.0.0.1:" + api.port();
    }
}
