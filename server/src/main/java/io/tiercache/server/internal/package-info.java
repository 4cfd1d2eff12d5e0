/**
 * The gateway's implementation: HTTP handlers, authentication, the audit log, the node registry,
 * the edge purger, warm-ups and metrics reports. Nothing here is public API: it may change in any
 * release. Start a gateway through {@link io.tiercache.server.Gateway}.
 */
package io.tiercache.server.internal;
