/**
 * {@code tiercache demo}: a skewed (Zipf) read workload on the embedded default, and a report of
 * where the reads were served and how long they took. Only {@link
 * io.tiercache.tools.demo.DemoCommand} is public, for picocli.
 */
package io.tiercache.tools.demo;
