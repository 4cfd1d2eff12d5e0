package io.tiercache.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.http.ContentTooLargeResponse;
import io.tiercache.InvalidConfigException;
import io.tiercache.LoadFailedException;
import io.tiercache.SourceOverloadedException;
import io.tiercache.TierCacheException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ApiErrorsTest {

  @Test
  void typedApiExceptionsKeepTheirStatusAndField() {
    ApiErrors.Problem p = ApiErrors.problemOf(new ApiException.BadRequest("keys[2]", "bad"));

    assertThat(p.status()).isEqualTo(400);
    assertThat(p.field()).isEqualTo("keys[2]");
    assertThat(p.error()).isEqualTo("bad_request");
  }

  @Test
  void aMissingCredentialAsksForABearerToken() {
    ApiErrors.Problem p = ApiErrors.problemOf(new ApiException.Unauthorized("no", false));

    assertThat(p.status()).isEqualTo(401);
    assertThat(p.headers()).containsEntry("WWW-Authenticate", "Bearer realm=\"tiercache\"");
  }

  @Test
  void anInvalidValueIs400NamingItsField() {
    ApiErrors.Problem p =
        ApiErrors.problemOf(new InvalidConfigException("class 'x': ttl", "too long"));

    assertThat(p.status()).isEqualTo(400);
    assertThat(p.field()).isEqualTo("class 'x': ttl");
  }

  @Test
  void anOverloadedSourceIs503WithRetryAfterInWholeSeconds() {
    ApiErrors.Problem p =
        ApiErrors.problemOf(new SourceOverloadedException("hot", Duration.ofMillis(1200)));

    assertThat(p.status()).isEqualTo(503);
    assertThat(p.headers()).containsEntry("Retry-After", "2");
  }

  @Test
  void aFailedLoadIsABadGatewayAndOtherCacheFailuresUnavailable() {
    assertThat(ApiErrors.problemOf(new LoadFailedException("k", new RuntimeException())).status())
        .isEqualTo(502);
    assertThat(ApiErrors.problemOf(new TierCacheException("bus down")).status()).isEqualTo(503);
  }

  @Test
  void javalinsOwnResponsesKeepTheirStatus() {
    assertThat(ApiErrors.problemOf(new ContentTooLargeResponse()).status()).isEqualTo(413);
    assertThat(ApiErrors.problemOf(new ContentTooLargeResponse()).error())
        .isEqualTo("payload_too_large");
  }

  @Test
  void anythingElseIsAnInternalErrorThatRevealsNothing() {
    ApiErrors.Problem p = ApiErrors.problemOf(new IllegalStateException("secret detail"));

    assertThat(p.status()).isEqualTo(500);
    assertThat(p.message()).doesNotContain("secret");
  }
}
