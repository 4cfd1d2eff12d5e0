package io.tiercache.server;

/** The tokens the tests configure, with the YAML that declares them. */
final class Tokens {
  static final String ADMIN = "admin-token-0123456789";
  static final String METRICS = "metrics-token-0123456789";
  static final String SHOP_READER = "shop-reader-0123456789";
  static final String SHOP_WRITER = "shop-writer-0123456789";
  static final String SHOP_INVALIDATOR = "shop-invalidator-0123456789";
  static final String OTHER_TENANT = "other-tenant-0123456789";

  private Tokens() {}

  static String yaml() {
    return "tokens:\n"
        + entry("ops", ADMIN, "[admin]")
        + entry("prometheus", METRICS, "[metrics]")
        + entry("shop-reader", SHOP_READER, "[\"read:shop\"]")
        + entry("shop-writer", SHOP_WRITER, "[\"read:shop\", \"write:shop\"]")
        + entry("shop-invalidator", SHOP_INVALIDATOR, "[\"invalidate:shop\"]")
        + entry(
            "other-tenant",
            OTHER_TENANT,
            "[\"read:other\", \"write:other\", \"invalidate:other\"]");
  }

  private static String entry(String name, String token, String scopes) {
    return "  - name: "
        + name
        + "\n    sha256: "
        + TokenConfig.sha256Hex(token)
        + "\n    scopes: "
        + scopes
        + "\n";
  }
}
