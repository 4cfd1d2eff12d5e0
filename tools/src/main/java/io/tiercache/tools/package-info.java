/**
 * Operator tooling: {@link io.tiercache.tools.TiercacheCli} (the {@code tiercache} command) and
 * {@link io.tiercache.tools.EmbeddedDefault}, tiercache on a fresh machine with H2 as the source
 * and a {@code redis-server} it starts itself as L2.
 */
package io.tiercache.tools;
