package dev.picobase.api.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.api.testsupport.ApiClient.SignedIn;
import dev.picobase.api.testsupport.RunningApi;
import dev.picobase.testsupport.RawHttp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A fresh instance with one API key and PocketBase's first admin, for the tests that use PocketBase's
 * admin UI in a real browser through the gateway; and that UI's sign-in. The admin is created with a
 * raw request to 127.0.0.1 with an explicit {@code Host} (and the key in the header); the browser uses
 * the real tenant URL, since headless Chromium resolves {@code *.localhost} to loopback by itself.
 */
record AdminUiTenant(int gatewayPort, String instanceId, String subdomain, String keyId, String key) {
    static final String ADMIN_EMAIL = "admin@example.com";
    static final String ADMIN_PASSWORD = "correct horse battery";
    static final Duration UI_WAIT = Duration.ofSeconds(20);

    String url(String pathAndQuery) {
        return "http://" + subdomain + ".localhost:" + gatewayPort + pathAndQuery;
    }

    static AdminUiTenant create(RunningApi api, SignedIn user) {
        var instance = user.createInstance();
        var key = user.createKey(instance.path("id").asText());
        AdminUiTenant tenant = new AdminUiTenant(api.gatewayPort(), instance.path("id").asText(),
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

    /** Fills PocketBase's admin sign-in form and waits until the form has gone. */
    static void signIn(WebDriver driver) {
        WebDriverWait wait = new WebDriverWait(driver, UI_WAIT);
        wait.withMessage("PocketBase's admin sign-in form")
                .until(ExpectedConditions.elementToBeClickable(By.cssSelector("form input[type=email]")))
                .sendKeys(ADMIN_EMAIL);
        driver.findElement(By.cssSelector("form input[type=password]")).sendKeys(ADMIN_PASSWORD);
        driver.findElement(By.cssSelector("form button[type=submit]")).click();
        wait.withMessage("the admin sign-in to complete")
                .until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("form input[type=password]")));
    }

    static String bodyText(WebDriver driver) {
        return driver.findElement(By.tagName("body")).getText();
    }
}
