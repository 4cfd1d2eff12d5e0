/**
 * The implementation of {@link io.tiercache.TieredCache}. Nothing here is public API: it may change
 * in any release.
 */
package io.tiercache.internal;
