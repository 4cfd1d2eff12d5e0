/**
 * The source of truth over JDBC (PostgreSQL, H2): {@link io.tiercache.jdbc.JdbcSource} opens a pool
 * and migrates the schema, {@link io.tiercache.jdbc.CacheClassStore} keeps the cache classes in the
 * {@code cache_class} table, {@link io.tiercache.jdbc.SqlLoader} loads values with two SQL
 * statements, and {@link io.tiercache.jdbc.SampleData} fills the sample table.
 *
 * <p>The Flyway migrations live in {@code classpath:db/tiercache} and are portable SQL: the same
 * files run on PostgreSQL 15 and H2 2.x.
 */
package io.tiercache.jdbc;
