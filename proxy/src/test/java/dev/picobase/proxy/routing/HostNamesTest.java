package dev.picobase.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Host header parsing: the subdomain under the base domain, or a candidate custom domain outside it. */
class HostNamesTest {
    private final HostNames hosts = new HostNames("localhost");

    @Test
    void subdomainWithPortAndCase() {
        assertThat(hosts.subdomain("app.localhost")).hasValue("app");
        assertThat(hosts.subdomain("app.localhost:1234")).hasValue("app");
        assertThat(hosts.subdomain("APP.LocalHost")).hasValue("app");
        assertThat(hosts.subdomain("app.localhost.")).hasValue("app");
        assertThat(hosts.subdomain(" app.localhost ")).hasValue("app");
    }

    @Test
    void notInstanceHosts() {
        assertThat(hosts.subdomain("localhost")).isEmpty();
        assertThat(hosts.subdomain(".localhost")).isEmpty();
        assertThat(hosts.subdomain("a.b.localhost")).isEmpty();
        assertThat(hosts.subdomain("app.example.com")).isEmpty();
        assertThat(hosts.subdomain("applocalhost")).isEmpty();
        assertThat(hosts.subdomain("127.0.0.1:8080")).isEmpty();
        assertThat(hosts.subdomain("[::1]:8080")).isEmpty();
    }

    @Test
    void baseDomain() {
        assertThat(hosts.isBaseDomain("localhost:8080")).isTrue();
        assertThat(hosts.isBaseDomain("LOCALHOST")).isTrue();
        assertThat(hosts.isBaseDomain("app.localhost")).isFalse();
        assertThat(HostNames.hostOnly("[::1]:80")).isEqualTo("[::1]");
    }

    @Test
    void customDomainCandidates() {
        assertThat(hosts.customDomain("Shop.Example.com:443")).hasValue("shop.example.com");
        assertThat(hosts.customDomain("shop.example.com.")).hasValue("shop.example.com");
        // The base domain's own names are subdomains (or nothing), never custom domains.
        assertThat(hosts.customDomain("app.localhost")).isEmpty();
        assertThat(hosts.customDomain("a.b.localhost")).isEmpty();
        assertThat(hosts.customDomain("localhost")).isEmpty();
        assertThat(hosts.customDomain("127.0.0.1:8080")).isEmpty();
        assertThat(hosts.customDomain("[::1]:8080")).isEmpty();
        assertThat(hosts.customDomain("intranet")).isEmpty();
    }
}
