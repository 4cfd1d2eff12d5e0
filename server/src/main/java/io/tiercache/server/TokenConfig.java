package io.tiercache.server;

import io.tiercache.InvalidConfigException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A bearer token the gateway accepts. Only the SHA-256 of the token is configured, so the config
 * file (and a leak of it) never holds a usable credential.
 *
 * <p>Scopes:
 *
 * <ul>
 *   <li>{@code admin}: everything;
 *   <li>{@code metrics}: {@code GET /cache-metrics}, {@code /metrics} and {@code GET /classes};
 *   <li>{@code read:<namespace>}: {@code GET} of values;
 *   <li>{@code write:<namespace>}: {@code PUT} of values and {@code POST /warmup};
 *   <li>{@code invalidate:<namespace>}: {@code DELETE} of values and {@code POST /invalidate}.
 * </ul>
 *
 * {@code *} in place of a namespace means every namespace.
 *
 * @param name who the token belongs to; written to the audit log as the actor. 1 to 64 of {@code
 *     A-Z a-z 0-9 _ . -}
 * @param sha256 the SHA-256 of the token's UTF-8 bytes, 64 hex digits
 * @param scopes what the token may do, at least one
 */
public record TokenConfig(String name, String sha256, Set<String> scopes) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern SCOPE =
      Pattern.compile("admin|metrics|(read|write|invalidate):(\\*|[a-z][a-z0-9_-]{0,63})");

  public TokenConfig {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidConfigException(
          "name", "'" + name + "' is not a token name: 1 to 64 of A-Z a-z 0-9 _ . -");
    }
    sha256 = sha256 == null ? null : sha256.toLowerCase(Locale.ROOT);
    if (sha256 == null || !HASH.matcher(sha256).matches()) {
      throw new InvalidConfigException(
          "sha256", "must be the SHA-256 of the token as 64 hex digits (sha256sum prints it)");
    }
    if (scopes == null || scopes.isEmpty()) {
      throw new InvalidConfigException("scopes", "at least one scope is required");
    }
    scopes = Set.copyOf(scopes);
    for (String s : scopes) {
      if (s == null || !SCOPE.matcher(s).matches()) {
        throw new InvalidConfigException(
            "scopes",
            "'"
                + s
                + "' is not a scope: admin, metrics, or read:, write:, invalidate: followed by a"
                + " namespace or *");
      }
    }
  }

  /** A token entry for {@code token}, hashing it here (for tests and the embedded default). */
  public static TokenConfig ofToken(String name, String token, Set<String> scopes) {
    return new TokenConfig(name, sha256Hex(token), scopes);
  }

  /** The SHA-256 of {@code token}'s UTF-8 bytes, in lower-case hex. */
  public static String sha256Hex(String token) {
    return HexFormat.of().formatHex(sha256(token.getBytes(StandardCharsets.UTF_8)));
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
