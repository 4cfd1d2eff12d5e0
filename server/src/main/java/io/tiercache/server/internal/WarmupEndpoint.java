package io.tiercache.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.tiercache.server.GatewayConfig;
import io.tiercache.server.internal.Auth.Principal;
import io.tiercache.server.internal.Namespaces.Namespace;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code POST /warmup}, {@code GET /warmup}, {@code GET /warmup/{id}} and {@code DELETE
 * /warmup/{id}} (cancel).
 *
 * <p>A warm-up names its namespace and either {@code keys} (a list, every key valid or the request
 * is refused) or {@code accessLog} (text: lines in common or combined log format, whose {@code GET
 * /v1/cache/<namespace>/<key>} requests of this namespace are replayed in order, repeats included,
 * so the frequency sketch of L1 learns what is hot; a line that is a bare key counts as one; other
 * lines are skipped and counted). {@code rate} is keys per second.
 */
public final class WarmupEndpoint {
  private static final Set<String> FIELDS = Set.of("namespace", "keys", "accessLog", "rate");
  private static final Pattern REQUEST =
      Pattern.compile("\"?(?:GET|HEAD) /v1/cache/([a-z][a-z0-9_-]{0,63})/([^ ?\"]+)");

  private final Namespaces namespaces;
  private final Auth auth;
  private final Inputs inputs;
  private final Warmups warmups;
  private final GatewayConfig.Warmup limits;

  public WarmupEndpoint(
      Namespaces namespaces,
      Auth auth,
      Inputs inputs,
      Warmups warmups,
      GatewayConfig.Warmup limits) {
    this.namespaces = namespaces;
    this.auth = auth;
    this.inputs = inputs;
    this.warmups = warmups;
    this.limits = limits;
  }

  /** {@code POST /warmup}: 202 with the job's progress and its URL in {@code Location}. */
  public void start(Context ctx) {
    Principal p = auth.require(ctx);
    JsonNode body = Inputs.jsonObject(ctx.bodyAsBytes(), FIELDS);
    String nsName = inputs.namespace(Inputs.text(body, "namespace"));
    int rate = rate(body);
    boolean hasKeys = body.hasNonNull("keys");
    boolean hasLog = body.hasNonNull("accessLog");
    if (hasKeys == hasLog) {
      throw new ApiException.BadRequest("keys", "give either keys or accessLog");
    }
    List<String> keys = new ArrayList<>();
    int skipped = 0;
    if (hasKeys) {
      List<String> given = Inputs.texts(body, "keys", limits.maxKeys());
      for (int i = 0; i < given.size(); i++) {
        keys.add(inputs.key("keys[" + i + "]", given.get(i)));
      }
    } else {
      String text = Inputs.text(body, "accessLog");
      for (String line : text.split("\r?\n")) {
        String key = keyOf(line, nsName);
        if (key == null) {
          skipped += line.isBlank() ? 0 : 1;
        } else if (keys.size() == limits.maxKeys()) {
          throw new ApiException.BadRequest(
              "accessLog", "names more than " + limits.maxKeys() + " keys");
        } else {
          keys.add(key);
        }
      }
    }
    if (keys.isEmpty()) {
      throw new ApiException.BadRequest(hasKeys ? "keys" : "accessLog", "names no key");
    }
    Auth.requireScope(p, "write", nsName);
    Namespace ns = namespaces.get(nsName);
    if (ns == null) {
      throw new ApiException.NotFound("namespace", "no namespace is named '" + nsName + "'");
    }
    Warmups.Job job = warmups.start(ns, keys, rate, skipped, p.name());
    ctx.status(202).header("Location", "/warmup/" + job.id()).json(job.toJson());
  }

  /** {@code GET /warmup}: the jobs this token may see, newest first. */
  public void list(Context ctx) {
    Principal p = auth.require(ctx);
    ctx.json(
        Map.of(
            "jobs",
            warmups.all().stream()
                .filter(j -> p.may("write", j.namespace().name()))
                .map(Warmups.Job::toJson)
                .toList()));
  }

  /** {@code GET /warmup/{id}}. */
  public void progress(Context ctx) {
    ctx.json(job(ctx).toJson());
  }

  /** {@code DELETE /warmup/{id}}: cancels a running job; 409 when it already ended. */
  public void cancel(Context ctx) {
    Warmups.Job job = job(ctx);
    if (!warmups.cancel(job)) {
      throw new ApiException.Conflict("id", "warm-up " + job.id() + " already ended");
    }
    ctx.json(job.toJson());
  }

  private Warmups.Job job(Context ctx) {
    Principal p = auth.require(ctx);
    String id = ctx.pathParam("id");
    if (!id.matches("w[0-9]{1,18}")) {
      throw new ApiException.BadRequest("id", "is not a warm-up id");
    }
    Warmups.Job job = warmups.get(id);
    if (job == null || !p.may("write", job.namespace().name())) {
      throw new ApiException.NotFound("id", "no warm-up " + id);
    }
    return job;
  }

  private int rate(JsonNode body) {
    JsonNode r = body.get("rate");
    if (r == null || r.isNull()) {
      return limits.defaultRate();
    }
    if (!r.isIntegralNumber()
        || !r.canConvertToInt()
        || r.intValue() < 1
        || r.intValue() > limits.maxRate()) {
      throw new ApiException.BadRequest(
          "rate", "must be a whole number of keys per second, 1 to " + limits.maxRate());
    }
    return r.intValue();
  }

  /** The key a log line reads in {@code ns}, or null. */
  private String keyOf(String line, String ns) {
    Matcher m = REQUEST.matcher(line);
    String key;
    if (m.find()) {
      if (!m.group(1).equals(ns)) {
        return null;
      }
      try {
        key = URLDecoder.decode(m.group(2).replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return null;
      }
    } else {
      key = line.trim();
      if (key.isEmpty() || key.contains(" ")) {
        return null;
      }
    }
    try {
      return inputs.key("accessLog", key);
    } catch (ApiException.BadRequest e) {
      return null; // logs are messy: a line with no valid key is skipped, not fatal
    }
  }
}
