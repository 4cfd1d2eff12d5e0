package io.tiercache.server.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tiercache.server.GatewayConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The route table of the gateway: every endpoint in one place, each a method of the class that owns
 * its concern. Handlers throw; {@link ApiErrors} answers.
 */
public final class Api {
  /** JSON of responses: Jackson 2, the project's Jackson (Javalin 7 supports 2 and 3). */
  public static final ObjectMapper JSON =
      new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final String DASHBOARD = "/io/tiercache/server/dashboard.html";

  /** The handlers the routes call. */
  public record Endpoints(
      DataPlane data,
      InvalidateEndpoint invalidate,
      WarmupEndpoint warmup,
      ClassesEndpoint classes,
      MetricsReport metrics,
      Health health,
      PrometheusMeterRegistry prometheus,
      Auth auth) {}

  private Api() {}

  /** A server with every route, not yet started. */
  public static Javalin create(GatewayConfig.Http http, Endpoints e) {
    byte[] dashboard = resource(DASHBOARD);
    return Javalin.create(
        config -> {
          config.startup.showJavalinBanner = false;
          config.http.maxRequestSize = http.maxBody().bytes();
          config.jsonMapper(new JavalinJackson(JSON, false));
          config.jetty.modifyServer(
              server -> {
                server.setErrorHandler(new JsonErrorHandler());
                // First in the chain: Javalin then attaches its own handler below it.
                server.insertHandler(new DataPlaneHandler(e.data()));
              });

          config.routes.get("/v1/cache/{namespace}/<key>", e.data()::get);
          config.routes.put("/v1/cache/{namespace}/<key>", e.data()::put);
          config.routes.delete("/v1/cache/{namespace}/<key>", e.data()::delete);

          config.routes.post("/invalidate", e.invalidate()::invalidate);
          config.routes.get("/audit", e.invalidate()::audit);

          config.routes.post("/warmup", e.warmup()::start);
          config.routes.get("/warmup", e.warmup()::list);
          config.routes.get("/warmup/{id}", e.warmup()::progress);
          config.routes.delete("/warmup/{id}", e.warmup()::cancel);

          config.routes.get("/classes", e.classes()::list);
          config.routes.put("/classes", e.classes()::put);
          config.routes.get("/classes/{name}", e.classes()::one);
          config.routes.put("/classes/{name}", e.classes()::put);
          config.routes.delete("/classes/{name}", e.classes()::delete);

          config.routes.get(
              "/cache-metrics",
              ctx -> {
                Auth.requireAdmin(e.auth().require(ctx), "metrics");
                ctx.header("Cache-Control", "no-store").json(e.metrics().report());
              });
          config.routes.get(
              "/metrics",
              ctx -> {
                Auth.requireAdmin(e.auth().require(ctx), "metrics");
                ctx.contentType(PROMETHEUS_TEXT).result(e.prometheus().scrape());
              });
          config.routes.get("/health", e.health()::ready);
          config.routes.get("/health/live", e.health()::live);
          config.routes.get("/dashboard", ctx -> html(ctx, dashboard));

          ApiErrors.install(config);
        });
  }

  private static void html(Context ctx, byte[] page) {
    ctx.contentType("text/html; charset=utf-8").header("Cache-Control", "no-cache").result(page);
  }

  private static byte[] resource(String name) {
    try (InputStream in = Api.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
