package io.tiercache.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.tiercache.InvalidationRequest;
import io.tiercache.InvalidationScope;
import io.tiercache.server.internal.Auth.Principal;
import io.tiercache.server.internal.Namespaces.Namespace;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /invalidate} and {@code GET /audit}.
 *
 * <p>The body of an invalidation names its scope and exactly the one value field that scope takes:
 *
 * <pre>{"scope": "tag", "namespace": "shop", "tag": "product", "reason": "price update"}</pre>
 *
 * Scopes: {@code key} ({@code key}), {@code keys} ({@code keys}, 1 to 10,000), {@code prefix}
 * ({@code prefix}), {@code tag} ({@code tag}), {@code class} ({@code class}), {@code all} (none).
 */
public final class InvalidateEndpoint {
  private static final Set<String> FIELDS =
      Set.of("scope", "namespace", "key", "keys", "prefix", "tag", "class", "reason");
  private static final Map<String, InvalidationScope> SCOPES =
      Map.of(
          "key", InvalidationScope.KEY,
          "keys", InvalidationScope.KEYS,
          "prefix", InvalidationScope.PREFIX,
          "tag", InvalidationScope.TAG,
          "class", InvalidationScope.CLASS,
          "all", InvalidationScope.ALL);
  private static final List<String> VALUE_FIELDS = List.of("key", "keys", "prefix", "tag", "class");
  private static final int MAX_AUDIT_ROWS = 1000;

  private final Namespaces namespaces;
  private final Auth auth;
  private final Inputs inputs;
  private final Invalidations invalidations;
  private final AuditLog audit;

  public InvalidateEndpoint(
      Namespaces namespaces,
      Auth auth,
      Inputs inputs,
      Invalidations invalidations,
      AuditLog audit) {
    this.namespaces = namespaces;
    this.auth = auth;
    this.inputs = inputs;
    this.invalidations = invalidations;
    this.audit = audit;
  }

  /** {@code POST /invalidate}. */
  public void invalidate(Context ctx) {
    Principal p = auth.require(ctx);
    JsonNode body = Inputs.jsonObject(ctx.bodyAsBytes(), FIELDS);
    String scopeText = Inputs.text(body, "scope");
    InvalidationScope scope = scopeText == null ? null : SCOPES.get(scopeText);
    if (scope == null) {
      throw new ApiException.BadRequest(
          "scope", "must be one of " + SCOPES.keySet().stream().sorted().toList());
    }
    String nsName = inputs.namespace(Inputs.text(body, "namespace"));
    String reason = inputs.reason("reason", Inputs.text(body, "reason"));
    String valueField = scope == InvalidationScope.ALL ? null : scopeText;
    for (String f : VALUE_FIELDS) {
      if (!f.equals(valueField) && body.has(f)) {
        throw new ApiException.BadRequest(f, "is not a field of scope " + scopeText);
      }
    }
    List<String> values = values(scope, body);
    Auth.requireScope(p, "invalidate", nsName);
    Namespace ns = namespaces.get(nsName);
    if (ns == null) {
      throw new ApiException.NotFound("namespace", "no namespace is named '" + nsName + "'");
    }
    InvalidationRequest request = new InvalidationRequest(scope, values, reason, p.name());
    Invalidations.Outcome outcome = invalidations.invalidate(ns, request);
    ctx.status(outcome.isDeferred() ? 202 : 200).json(outcome.toJson(nsName));
  }

  private List<String> values(InvalidationScope scope, JsonNode body) {
    return switch (scope) {
      case KEY -> List.of(inputs.key("key", Inputs.text(body, "key")));
      case KEYS -> {
        List<String> keys = Inputs.texts(body, "keys", InvalidationRequest.MAX_KEYS);
        if (keys == null || keys.isEmpty()) {
          throw new ApiException.BadRequest(
              "keys", "1 to " + InvalidationRequest.MAX_KEYS + " keys are required");
        }
        List<String> valid = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
          valid.add(inputs.key("keys[" + i + "]", keys.get(i)));
        }
        yield valid;
      }
      case PREFIX -> List.of(inputs.prefix("prefix", Inputs.text(body, "prefix")));
      case TAG -> List.of(inputs.tag("tag", Inputs.text(body, "tag")));
      case CLASS -> List.of(inputs.className("class", Inputs.text(body, "class")));
      case ALL -> List.of();
    };
  }

  /** {@code GET /audit?from=&to=&scope=&actor=&namespace=&limit=}; admin only. */
  public void audit(Context ctx) {
    Auth.requireAdmin(auth.require(ctx), null);
    String scope = ctx.queryParam("scope");
    if (scope != null && !SCOPES.containsKey(scope)) {
      throw new ApiException.BadRequest(
          "scope", "must be one of " + SCOPES.keySet().stream().sorted().toList());
    }
    String actor = ctx.queryParam("actor");
    if (actor != null && !actor.matches("[A-Za-z0-9_.-]{1,64}")) {
      throw new ApiException.BadRequest("actor", "is not a token name");
    }
    String ns = ctx.queryParam("namespace");
    if (ns != null) {
      inputs.namespace(ns);
    }
    int limit = 100;
    String l = ctx.queryParam("limit");
    if (l != null) {
      if (!l.matches("[0-9]{1,4}")
          || Integer.parseInt(l) < 1
          || Integer.parseInt(l) > MAX_AUDIT_ROWS) {
        throw new ApiException.BadRequest("limit", "must be 1 to " + MAX_AUDIT_ROWS);
      }
      limit = Integer.parseInt(l);
    }
    AuditLog.Query q =
        new AuditLog.Query(
            instant("from", ctx.queryParam("from")),
            instant("to", ctx.queryParam("to")),
            scope,
            actor,
            ns,
            limit);
    ctx.json(Map.of("entries", audit.search(q)));
  }

  private static Instant instant(String field, String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new ApiException.BadRequest(
          field, "must be an ISO-8601 instant such as 2024-05-01T12:00:00Z");
    }
  }
}
