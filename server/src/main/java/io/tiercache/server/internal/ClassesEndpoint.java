package io.tiercache.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.tiercache.classes.CacheClass;
import io.tiercache.classes.CacheClassRows;
import io.tiercache.jdbc.CacheClassStore;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET/PUT/DELETE /classes}: the cache-class metadata at run time. A class is a row of {@link
 * CacheClassRows} as a JSON object; it is validated whole, and against the other classes, before
 * anything is written, then stored through {@link CacheClassStore} (which bumps the revision every
 * node polls) and applied on this node at once.
 */
public final class ClassesEndpoint {
  private final CacheClassStore store;
  private final ClassSync sync;
  private final Auth auth;
  private final Inputs inputs;

  public ClassesEndpoint(CacheClassStore store, ClassSync sync, Auth auth, Inputs inputs) {
    this.store = store;
    this.sync = sync;
    this.auth = auth;
    this.inputs = inputs;
  }

  /** {@code GET /classes}: every class in force and the table's revision. */
  public void list(Context ctx) {
    Auth.requireAdmin(auth.require(ctx), "metrics");
    List<Map<String, Object>> rows =
        sync.current().all().stream()
            .sorted((a, b) -> a.name().compareTo(b.name()))
            .map(CacheClassRows::toRow)
            .toList();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("revision", sync.revision());
    out.put("classes", rows);
    ctx.json(out);
  }

  /** {@code GET /classes/{name}}. */
  public void one(Context ctx) {
    Auth.requireAdmin(auth.require(ctx), "metrics");
    String name = inputs.className("name", ctx.pathParam("name"));
    CacheClass c =
        sync.current()
            .byName(name)
            .orElseThrow(
                () -> new ApiException.NotFound("name", "no class is named '" + name + "'"));
    ctx.json(CacheClassRows.toRow(c));
  }

  /**
   * {@code PUT /classes/{name}} (or {@code PUT /classes} with the name in the row): creates or
   * replaces a class. Columns left out take their defaults.
   */
  public void put(Context ctx) {
    Auth.requireAdmin(auth.require(ctx), null);
    String pathName = ctx.pathParamMap().containsKey("name") ? ctx.pathParam("name") : null;
    if (pathName != null) {
      inputs.className("name", pathName);
    }
    JsonNode body = Inputs.jsonObject(ctx.bodyAsBytes(), new HashSet<>(CacheClassRows.COLUMNS));
    Map<String, Object> row = row(body);
    if (pathName != null) {
      Object named = row.putIfAbsent("class", pathName);
      if (named != null && !pathName.equals(named)) {
        throw new ApiException.BadRequest("class", "differs from the name in the path");
      }
    }
    CacheClass c;
    try {
      c = CacheClassRows.fromRow(row);
    } catch (IllegalArgumentException e) { // a value out of a record's range, before its check
      throw new ApiException.BadRequest("body", e.getMessage());
    }
    sync.current().with(c); // two classes with one pattern: 400 here, before the table is touched
    long revision = store.upsert(c);
    sync.poll();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("revision", revision);
    out.put("class", CacheClassRows.toRow(c));
    ctx.json(out);
  }

  /** {@code DELETE /classes/{name}}: keys of the class fall to the next most specific class. */
  public void delete(Context ctx) {
    Auth.requireAdmin(auth.require(ctx), null);
    String name = inputs.className("name", ctx.pathParam("name"));
    Optional<CacheClass> existing = sync.current().byName(name);
    if (existing.isEmpty() || !store.delete(name)) {
      throw new ApiException.NotFound("name", "no class is named '" + name + "'");
    }
    sync.poll();
    ctx.json(Map.of("deleted", name, "revision", sync.revision()));
  }

  /**
   * The JSON object as a row: scalars as they are, {@code tags} as a list of strings, nulls left
   * out. Nested objects and non-finite numbers are refused here, so the row parser only ever sees
   * values it knows.
   */
  private static Map<String, Object> row(JsonNode body) {
    Map<String, Object> row = new LinkedHashMap<>();
    body.properties()
        .forEach(
            e -> {
              String f = e.getKey();
              JsonNode v = e.getValue();
              if (v.isNull()) {
                return;
              }
              if (f.equals("tags") && v.isArray()) {
                row.put(f, Inputs.texts(body, f, 64));
              } else if (v.isTextual()) {
                row.put(f, v.textValue());
              } else if (v.isBoolean()) {
                row.put(f, v.booleanValue());
              } else if (v.isNumber() && Double.isFinite(v.doubleValue())) {
                row.put(
                    f,
                    v.isIntegralNumber() && v.canConvertToLong() ? v.longValue() : v.doubleValue());
              } else {
                throw new ApiException.BadRequest(
                    f, "must be a string, a finite number or a boolean");
              }
            });
    return row;
  }
}
