package io.tiercache.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tiercache.InvalidationRequest;
import io.tiercache.server.GatewayConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EdgePurgerTest {
  static final URI EDGE = URI.create("http://127.0.0.1:6081");

  EdgePurger purger(boolean soft) {
    return new EdgePurger(
        new GatewayConfig.Edge(List.of(EDGE), soft, Duration.ofSeconds(1)),
        HttpClient.newHttpClient(),
        new SimpleMeterRegistry());
  }

  @Test
  void aTagBecomesOneSoftPurgeOfItsNamespacedSurrogateKey() {
    List<HttpRequest> r = purger(true).requests(EDGE, "shop", InvalidationRequest.tag("price"));

    assertThat(r).hasSize(1);
    assertThat(r.get(0).method()).isEqualTo("PURGE");
    assertThat(r.get(0).headers().firstValue("xkey-softpurge")).hasValue("tc:tag:shop:price");
  }

  @Test
  void hardPurgesUseTheOtherHeader() {
    List<HttpRequest> r = purger(false).requests(EDGE, "shop", InvalidationRequest.everything());

    assertThat(r.get(0).headers().firstValue("xkey-purge")).hasValue("tc:ns:shop");
  }

  @Test
  void manyKeysAreSplitIntoHeadersOfBoundedSize() {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      keys.add("k:" + i);
    }

    List<HttpRequest> r = purger(true).requests(EDGE, "shop", InvalidationRequest.keys(keys));

    assertThat(r).hasSizeGreaterThan(1);
    int tokens = 0;
    for (HttpRequest req : r) {
      String header = req.headers().firstValue("xkey-softpurge").orElseThrow();
      assertThat(header.length()).isLessThanOrEqualTo(4000);
      tokens += header.split(" ").length;
    }
    assertThat(tokens).isEqualTo(1000);
  }

  @Test
  void aPrefixBecomesABanWhoseRegexMatchesThePrefixLiterally() {
    List<HttpRequest> r =
        purger(true).requests(EDGE, "shop", InvalidationRequest.prefix("v1.2+x/"));

    assertThat(r.get(0).method()).isEqualTo("BAN");
    assertThat(r.get(0).headers().firstValue("x-tc-ban-namespace")).hasValue("shop");
    String regex = r.get(0).headers().firstValue("x-tc-ban-key-regex").orElseThrow();
    assertThat(regex).isEqualTo("^v1[.]2[+]x/");
    assertThat("v1.2+x/abc").containsPattern(regex);
    assertThat("v1x2+x/abc").doesNotContainPattern(regex);
  }

  @Test
  void withoutEdgeInstancesNothingIsSent() {
    EdgePurger none =
        new EdgePurger(
            GatewayConfig.Edge.NONE, HttpClient.newHttpClient(), new SimpleMeterRegistry());

    assertThat(none.purge("shop", InvalidationRequest.tag("x")).join())
        .isEqualTo(EdgePurger.Result.NONE);
  }
}
