package io.tiercache.server;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tiercache.InvalidConfigException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a {@link GatewayConfig} from YAML. Field names are those of the records in snake case;
 * {@code docs/API.md} shows a complete file. Scalars may hold {@code ${VAR}}, replaced by the
 * environment variable (for passwords). Every error is an {@link InvalidConfigException} naming the
 * field by its path in the file.
 */
public final class ConfigFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ConfigFile() {}

  /**
   * Reads the file at {@code file}.
   *
   * @throws InvalidConfigException naming the first invalid field, or {@code file} when it is not
   *     readable YAML
   */
  public static GatewayConfig read(Path file) {
    try {
      return parse(Files.readString(file), System::getenv);
    } catch (IOException e) {
      throw new InvalidConfigException(file.toString(), "cannot be read: " + e.getMessage());
    }
  }

  /** Parses YAML text, with {@code ${VAR}} taken from the process environment. */
  public static GatewayConfig parse(String yaml) {
    return parse(yaml, System::getenv);
  }

  /** Parses YAML text, with {@code ${VAR}} taken from {@code env}. */
  public static GatewayConfig parse(String yaml, Function<String, String> env) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JacksonException e) {
      throw new InvalidConfigException(
          "(yaml)", "not valid YAML: " + e.getOriginalMessage().replace('\n', ' '));
    }
    ConfigSection top =
        new ConfigSection(
            "",
            root,
            Set.of(
                "node_id",
                "http",
                "database",
                "redis",
                "bus",
                "classes",
                "converge_timeout",
                "edge",
                "warmup",
                "tokens",
                "namespaces"),
            env);
    return top.build(
        () ->
            new GatewayConfig(
                top.text("node_id"),
                http(top.section("http", Set.of("host", "port", "max_body", "max_key_length"))),
                database(
                    top.section(
                        "database",
                        Set.of(
                            "url", "user", "password", "schema", "sample_data", "max_pool_size"))),
                redis(
                    top.section(
                        "redis",
                        Set.of("mode", "uris", "key_prefix", "command_timeout", "timeout"))),
                top.text("bus"),
                classes(top.section("classes", Set.of("seed_file", "poll_interval"))),
                top.duration("converge_timeout"),
                edge(top.section("edge", Set.of("varnish", "soft_purge", "timeout"))),
                warmup(top.section("warmup", Set.of("default_rate", "max_rate", "max_keys"))),
                tokens(top),
                namespaces(top)));
  }

  private static GatewayConfig.Http http(ConfigSection s) {
    if (s == null) {
      return null;
    }
    GatewayConfig.Http d = GatewayConfig.Http.DEFAULT;
    return s.build(
        () ->
            new GatewayConfig.Http(
                orElse(s.text("host"), d.host()),
                orElse(s.integer("port"), d.port()),
                orElse(s.size("max_body"), d.maxBody()),
                orElse(s.integer("max_key_length"), d.maxKeyLength())));
  }

  private static GatewayConfig.Database database(ConfigSection s) {
    if (s == null) {
      return null;
    }
    return s.build(
        () ->
            new GatewayConfig.Database(
                s.text("url"),
                s.text("user"),
                s.text("password"),
                s.text("schema"),
                orElse(s.bool("sample_data"), false),
                orElse(s.integer("max_pool_size"), GatewayConfig.Database.DEFAULT_MAX_POOL_SIZE)));
  }

  private static GatewayConfig.Redis redis(ConfigSection s) {
    if (s == null) {
      return null;
    }
    return s.build(
        () -> {
          String mode = s.text("mode");
          GatewayConfig.RedisMode m;
          try {
            m =
                mode == null
                    ? null
                    : GatewayConfig.RedisMode.valueOf(mode.toUpperCase(Locale.ROOT));
          } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(
                "mode", "'" + mode + "' is not one of auto, standalone, cluster, none");
          }
          return new GatewayConfig.Redis(
              m,
              uris(s, "uris"),
              s.text("key_prefix"),
              s.duration("command_timeout"),
              s.duration("timeout"));
        });
  }

  private static GatewayConfig.Classes classes(ConfigSection s) {
    if (s == null) {
      return null;
    }
    return s.build(
        () -> {
          String seed = s.text("seed_file");
          return new GatewayConfig.Classes(
              seed == null ? null : Path.of(seed), s.duration("poll_interval"));
        });
  }

  private static GatewayConfig.Edge edge(ConfigSection s) {
    if (s == null) {
      return null;
    }
    return s.build(
        () ->
            new GatewayConfig.Edge(
                uris(s, "varnish"), orElse(s.bool("soft_purge"), true), s.duration("timeout")));
  }

  private static GatewayConfig.Warmup warmup(ConfigSection s) {
    if (s == null) {
      return null;
    }
    GatewayConfig.Warmup d = GatewayConfig.Warmup.DEFAULT;
    return s.build(
        () ->
            new GatewayConfig.Warmup(
                orElse(s.integer("default_rate"), d.defaultRate()),
                orElse(s.integer("max_rate"), d.maxRate()),
                orElse(s.integer("max_keys"), d.maxKeys())));
  }

  private static List<TokenConfig> tokens(ConfigSection top) {
    List<TokenConfig> tokens = new ArrayList<>();
    List<JsonNode> items = top.items("tokens");
    for (int i = 0; i < items.size(); i++) {
      ConfigSection s =
          top.child("tokens[" + i + "]", items.get(i), Set.of("name", "sha256", "scopes"));
      tokens.add(
          s.build(
              () ->
                  new TokenConfig(
                      s.text("name"), s.text("sha256"), new LinkedHashSet<>(s.strings("scopes")))));
    }
    return tokens;
  }

  private static Map<String, NamespaceConfig> namespaces(ConfigSection top) {
    Map<String, NamespaceConfig> out = new LinkedHashMap<>();
    Map<String, JsonNode> entries = top.entries("namespaces");
    if (entries.isEmpty()) {
      throw new InvalidConfigException("namespaces", "at least one namespace is required");
    }
    for (Map.Entry<String, JsonNode> e : entries.entrySet()) {
      String name = e.getKey();
      ConfigSection s = top.child("namespaces." + name, e.getValue(), Set.of("public", "source"));
      ConfigSection src =
          s.section(
              "source",
              Set.of(
                  "type",
                  "single_key_sql",
                  "bulk_sql",
                  "url",
                  "user",
                  "password",
                  "write_table",
                  "timeout",
                  "headers",
                  "version_header",
                  "tags_header"));
      if (src == null) {
        throw new InvalidConfigException(s.at("source"), "is required");
      }
      NamespaceConfig.Source source = src.build(() -> source(src));
      out.put(
          name, s.build(() -> new NamespaceConfig(name, orElse(s.bool("public"), false), source)));
    }
    return out;
  }

  private static NamespaceConfig.Source source(ConfigSection s) {
    String type = s.text("type");
    if ("sql".equals(type)) {
      only(
          s,
          Set.of("type", "single_key_sql", "bulk_sql", "url", "user", "password", "write_table"));
      return new NamespaceConfig.SqlSource(
          s.text("single_key_sql"),
          s.text("bulk_sql"),
          s.text("url"),
          s.text("user"),
          s.text("password"),
          s.text("write_table"));
    }
    if ("http".equals(type)) {
      only(s, Set.of("type", "url", "timeout", "headers", "version_header", "tags_header"));
      return new NamespaceConfig.HttpSource(
          s.text("url"),
          s.duration("timeout"),
          s.stringMap("headers"),
          s.text("version_header"),
          s.text("tags_header"));
    }
    throw new InvalidConfigException("type", "must be sql or http, was " + type);
  }

  /** Fields of the other source type are errors, not silently ignored. */
  private static void only(ConfigSection s, Set<String> allowed) {
    for (String f :
        Set.of(
            "single_key_sql",
            "bulk_sql",
            "url",
            "user",
            "password",
            "timeout",
            "headers",
            "version_header",
            "tags_header")) {
      if (s.has(f) && !allowed.contains(f)) {
        throw new InvalidConfigException(f, "is not a field of a source of this type");
      }
    }
  }

  private static List<URI> uris(ConfigSection s, String field) {
    List<URI> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String text : s.strings(field)) {
      try {
        out.add(URI.create(text.trim()));
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(field, "'" + text + "' is not a URI");
      }
      if (!seen.add(text.trim())) {
        throw new InvalidConfigException(field, "'" + text + "' is listed twice");
      }
    }
    return out;
  }

  private static <T> T orElse(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
