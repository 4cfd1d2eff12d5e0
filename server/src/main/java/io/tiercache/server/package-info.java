/**
 * The tiercache gateway: an HTTP data plane ({@code /v1/cache/{namespace}/{key}}) and control plane
 * ({@code /invalidate}, {@code /warmup}, {@code /classes}, {@code /audit}, {@code /cache-metrics},
 * {@code /metrics}, {@code /health}, {@code /dashboard}) over one {@link io.tiercache.TieredCache}
 * per namespace, and the origin of a Varnish edge that it purges.
 *
 * <p>Entry points: {@link io.tiercache.server.Gateway} (start, stop, port), {@link
 * io.tiercache.server.GatewayConfig} (immutable, read from YAML by {@link
 * io.tiercache.server.ConfigFile}) and {@link io.tiercache.server.GatewayMain} (the embedded
 * default). The endpoints are documented in {@code docs/API.md}.
 */
package io.tiercache.server;
