package io.tiercache.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.tiercache.InvalidConfigException;
import io.tiercache.classes.CacheClassRows;
import io.tiercache.classes.DataSize;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mapping of the YAML config, read with its path so that every error names the field as the
 * file spells it ({@code namespaces.shop.source.timeout}). Unknown fields are errors: a typo must
 * not silently fall back to a default.
 */
final class ConfigSection {
  private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

  private final String path;
  private final JsonNode node;
  private final Function<String, String> env;

  ConfigSection(String path, JsonNode node, Set<String> allowed, Function<String, String> env) {
    this.path = path;
    this.env = env;
    if (node == null || !node.isObject()) {
      throw new Qualified(path.isEmpty() ? "(top)" : path, "must be a mapping of fields");
    }
    this.node = node;
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw new Qualified(
            at(f), "unknown field; known fields here are " + allowed.stream().sorted().toList());
      }
    }
  }

  String at(String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  boolean has(String field) {
    JsonNode v = node.get(field);
    return v != null && !v.isNull();
  }

  /** A scalar as text, with {@code ${VAR}} replaced by the environment variable; null if absent. */
  String text(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isValueNode()) {
      throw new Qualified(at(field), "must be a single value");
    }
    return substitute(field, v.asText());
  }

  private String substitute(String field, String text) {
    Matcher m = ENV.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = env.apply(m.group(1));
      if (value == null) {
        throw new Qualified(
            at(field), "names the environment variable " + m.group(1) + ", which is not set");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  Integer integer(String field) {
    String t = text(field);
    if (t == null) {
      return null;
    }
    try {
      return Integer.valueOf(t.trim());
    } catch (NumberFormatException e) {
      throw new Qualified(at(field), "must be a whole number, was '" + t + "'");
    }
  }

  Boolean bool(String field) {
    String t = text(field);
    if (t == null) {
      return null;
    }
    return switch (t.trim()) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw new Qualified(at(field), "must be true or false, was " + t);
    };
  }

  Duration duration(String field) {
    String t = text(field);
    try {
      return t == null ? null : CacheClassRows.parseDuration(at(field), t);
    } catch (InvalidConfigException e) {
      throw new Qualified(e.field(), e.getMessage().substring(e.field().length() + 2));
    }
  }

  DataSize size(String field) {
    String t = text(field);
    try {
      return t == null ? null : DataSize.parse(at(field), t);
    } catch (InvalidConfigException e) {
      throw new Qualified(e.field(), e.getMessage().substring(e.field().length() + 2));
    }
  }

  /** A list of scalars (a single scalar counts as a list of one); empty if absent. */
  List<String> strings(String field) {
    JsonNode v = node.get(field);
    List<String> out = new ArrayList<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (v.isValueNode()) {
      out.add(substitute(field, v.asText()));
      return out;
    }
    if (!v.isArray()) {
      throw new Qualified(at(field), "must be a list of values");
    }
    for (int i = 0; i < v.size(); i++) {
      if (!v.get(i).isValueNode() || v.get(i).isNull()) {
        throw new Qualified(at(field) + "[" + i + "]", "must be a single value");
      }
      out.add(substitute(field, v.get(i).asText()));
    }
    return out;
  }

  /** A mapping of names to scalars; empty if absent. */
  Map<String, String> stringMap(String field) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : entries(field).entrySet()) {
      if (!e.getValue().isValueNode() || e.getValue().isNull()) {
        throw new Qualified(at(field) + "." + e.getKey(), "must be a single value");
      }
      out.put(e.getKey(), substitute(field, e.getValue().asText()));
    }
    return out;
  }

  /** The entries of a mapping field, in file order; empty if absent. */
  Map<String, JsonNode> entries(String field) {
    JsonNode v = node.get(field);
    Map<String, JsonNode> out = new LinkedHashMap<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isObject()) {
      throw new Qualified(at(field), "must be a mapping");
    }
    v.properties().forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  /** The items of a list field; empty if absent. */
  List<JsonNode> items(String field) {
    JsonNode v = node.get(field);
    List<JsonNode> out = new ArrayList<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isArray()) {
      throw new Qualified(at(field), "must be a list");
    }
    v.forEach(out::add);
    return out;
  }

  /** A nested mapping, or null if absent. */
  ConfigSection section(String field, Set<String> allowed) {
    return has(field) ? new ConfigSection(at(field), node.get(field), allowed, env) : null;
  }

  ConfigSection child(String subPath, JsonNode child, Set<String> allowed) {
    return new ConfigSection(at(subPath), child, allowed, env);
  }

  /**
   * Builds a record, prefixing the field its constructor names with this section's path: the
   * records know their own field names, the file reader knows where they sit.
   */
  <T> T build(Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (Qualified e) {
      throw e;
    } catch (InvalidConfigException e) {
      String field = e.field();
      String message =
          e.getMessage().substring(Math.min(e.getMessage().length(), field.length() + 2));
      throw new Qualified(at(field), message);
    }
  }

  /** An error whose field is already the full path: enclosing sections leave it as it is. */
  static final class Qualified extends InvalidConfigException {
    private static final long serialVersionUID = 1L;

    Qualified(String field, String message) {
      super(field, message);
    }
  }
}
