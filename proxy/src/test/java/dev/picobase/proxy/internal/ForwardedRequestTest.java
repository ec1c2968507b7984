package dev.picobase.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

/** The URI and header rewriting applied to every forwarded request, as pure functions. */
class ForwardedRequestTest {
    @Test
    void uriWithoutKeyKeepsOtherParameters() {
        assertThat(ForwardedRequest.withoutKeyParameter("/a?x=1&apikey=k&y=2")).isEqualTo("/a?x=1&y=2");
        assertThat(ForwardedRequest.withoutKeyParameter("/a?apikey=k")).isEqualTo("/a");
        assertThat(ForwardedRequest.withoutKeyParameter("/a?filter=(a%3D1)&apikey=k")).isEqualTo("/a?filter=(a%3D1)");
        assertThat(ForwardedRequest.withoutKeyParameter("/a?x=1")).isEqualTo("/a?x=1");
        assertThat(ForwardedRequest.withoutKeyParameter("/a?myapikey=1")).isEqualTo("/a?myapikey=1");
    }

    @Test
    void semicolonsSeparateParametersAsTheKeyDecoderSeesThem() {
        assertThat(ForwardedRequest.withoutKeyParameter("/a?x=1;apikey=k;y=2")).isEqualTo("/a?x=1;y=2");
        assertThat(ForwardedRequest.withoutKeyParameter("/a?;apikey=k&x=1")).isEqualTo("/a?x=1");
        assertThat(ForwardedRequest.withoutKeyParameter("/a?x=1&apikey=k;y=2")).isEqualTo("/a?x=1;y=2");
        assertThat(ForwardedRequest.withoutKeyParameter("/a?x=a;b")).isEqualTo("/a?x=a;b");
        assertThat(ForwardedRequest.withoutKeyParameter("http://h/p?apikey=k#f")).isEqualTo("http://h/p#f");
    }

    @Test
    void withoutKeyParameterKeepsEverythingElseAsSent() {
        assertThat(ForwardedRequest.withoutKeyParameter("/_/?apikey=k")).isEqualTo("/_/");
        assertThat(ForwardedRequest.withoutKeyParameter("/a?x=a+b&apikey=k&y=%28")).isEqualTo("/a?x=a+b&y=%28");
        assertThat(ForwardedRequest.withoutKeyParameter("http://h/a?apikey=k#frag")).isEqualTo("http://h/a#frag");
        assertThat(ForwardedRequest.withoutKeyParameter("http://h/a?api%6Bey=k&APIKEY=k&z")).isEqualTo("http://h/a?z");
        assertThat(ForwardedRequest.withoutKeyParameter("/a?myapikey=1&apikeys=2")).isEqualTo("/a?myapikey=1&apikeys=2");
        assertThat(ForwardedRequest.withoutKeyParameter("/a?bad=%zz&apikey")).isEqualTo("/a?bad=%zz");
        assertThat(ForwardedRequest.withoutKeyParameter("/a")).isEqualTo("/a");
    }

    @Test
    void refererLosesTheKey() {
        HttpRequest in = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/x");
        in.headers().set("Referer", "http://app.localhost/_/?apikey=secret&b=1");
        assertThat(ForwardedRequest.toBackend(in, "10.0.0.1", "10.0.0.1", false, false).headers().get("Referer"))
                .isEqualTo("http://app.localhost/_/?b=1");
    }

    @Test
    void keyCookieIsStrippedOthersKept() {
        HttpRequest in = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        in.headers().set("Host", "app.localhost").set("Cookie", "a=1; picobase_apikey=secret; b=2");
        assertThat(ForwardedRequest.presentedKey(in)).isEqualTo("secret");
        HttpRequest out = ForwardedRequest.toBackend(in, "10.0.0.1", "10.0.0.1", false, false);
        assertThat(out.headers().get("Cookie")).isEqualTo("a=1; b=2");
    }

    @Test
    void onlyKeyCookieRemovesCookieHeader() {
        HttpRequest in = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        in.headers().set("Cookie", "picobase_apikey=secret");
        assertThat(ForwardedRequest.toBackend(in, "10.0.0.1", "10.0.0.1", false, false).headers().contains("Cookie")).isFalse();
    }

    @Test
    void cookiesWithoutKeyAreUntouched() {
        HttpRequest in = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        in.headers().set("Cookie", "pb_auth=\"x y\";theme=dark");
        assertThat(ForwardedRequest.toBackend(in, "10.0.0.1", "10.0.0.1", false, false).headers().get("Cookie"))
                .isEqualTo("pb_auth=\"x y\";theme=dark");
    }

    @Test
    void headerKeyWinsOverQueryAndCookie() {
        HttpRequest in = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/?apikey=q");
        in.headers().set("apikey", "h").set("Cookie", "picobase_apikey=c");
        assertThat(ForwardedRequest.presentedKey(in)).isEqualTo("h");
    }
}
