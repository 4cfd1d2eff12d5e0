-- Sample data for the embedded default and the tests: one value per key, with the source's
-- version and comma-separated tags. VARCHAR without a length is the portable text type: unbounded
-- on PostgreSQL, up to 10^9 characters on H2 (where TEXT would be a CLOB, read through a stream).
CREATE TABLE sample_item (
    k       VARCHAR(512)  NOT NULL PRIMARY KEY,
    v       VARCHAR       NOT NULL,
    version BIGINT        NOT NULL CHECK (version >= 0),
    tags    VARCHAR(1024)
);
