package io.tiercache.server.internal;

import io.javalin.http.Context;
import io.tiercache.server.TokenConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Bearer tokens with scopes (see {@link TokenConfig}). The presented token is hashed and compared
 * with every configured hash by {@link MessageDigest#isEqual}, which takes the same time wherever
 * two hashes differ, and without stopping at the first match: the time of a check says nothing
 * about how close a guess was, nor which token it matched.
 */
public final class Auth {
  /** RFC 6750 b64token, bounded. */
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]{1,512}=*");

  private final List<Known> known;

  /** Who a request is on behalf of. */
  public record Principal(String name, Set<String> scopes) {
    /** Whether the principal may {@code verb} ({@code read}, {@code write}, ...) in {@code ns}. */
    public boolean may(String verb, String ns) {
      return scopes.contains("admin")
          || scopes.contains(verb + ":*")
          || (ns != null && scopes.contains(verb + ":" + ns));
    }

    public boolean admin() {
      return scopes.contains("admin");
    }
  }

  private record Known(String name, byte[] hash, Set<String> scopes) {}

  public Auth(List<TokenConfig> tokens) {
    this.known =
        tokens.stream()
            .map(t -> new Known(t.name(), HexFormat.of().parseHex(t.sha256()), t.scopes()))
            .toList();
  }

  /**
   * The principal of the request, or null when it carries no credential.
   *
   * @throws ApiException.Unauthorized when it carries a malformed or unknown one
   */
  public Principal authenticate(Context ctx) {
    return authenticate(ctx.header("Authorization"));
  }

  /** Like {@link #authenticate(Context)}, from the {@code Authorization} header's value. */
  public Principal authenticate(String header) {
    if (header == null) {
      return null;
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new ApiException.Unauthorized("use 'Authorization: Bearer <token>'", true);
    }
    String token = header.substring(7).trim();
    if (!TOKEN.matcher(token).matches()) {
      throw new ApiException.Unauthorized("the bearer token is malformed", true);
    }
    byte[] presented = sha256(token.getBytes(StandardCharsets.US_ASCII));
    Known match = null;
    for (Known k : known) {
      if (MessageDigest.isEqual(k.hash(), presented) && match == null) {
        match = k;
      }
    }
    if (match == null) {
      throw new ApiException.Unauthorized("the bearer token is not recognized", true);
    }
    return new Principal(match.name(), match.scopes());
  }

  /**
   * The principal of a request that must carry a credential.
   *
   * @throws ApiException.Unauthorized when it carries none, or a bad one
   */
  public Principal require(Context ctx) {
    Principal p = authenticate(ctx);
    if (p == null) {
      throw new ApiException.Unauthorized("a bearer token is required", false);
    }
    return p;
  }

  /**
   * Requires {@code verb} on {@code ns}.
   *
   * @throws ApiException.Forbidden when the principal lacks it
   */
  public static void requireScope(Principal p, String verb, String ns) {
    if (!p.may(verb, ns)) {
      throw new ApiException.Forbidden(
          "namespace",
          "token '" + p.name() + "' lacks the scope " + verb + ":" + (ns == null ? "*" : ns));
    }
  }

  /**
   * Requires {@code admin}, or {@code alternative} when not null.
   *
   * @throws ApiException.Forbidden when the principal has neither
   */
  public static void requireAdmin(Principal p, String alternative) {
    if (!p.admin() && (alternative == null || !p.scopes().contains(alternative))) {
      throw new ApiException.Forbidden(
          "Authorization",
          "token '"
              + p.name()
              + "' lacks the scope admin"
              + (alternative == null ? "" : " or " + alternative));
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
