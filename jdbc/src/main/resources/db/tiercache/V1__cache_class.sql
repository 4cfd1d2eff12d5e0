-- The cache-class metadata (DESIGN.md, "Cache classes"), one row per class, in the form
-- io.tiercache.classes.CacheClassRows.toRow writes: durations in milliseconds, sizes in bytes,
-- enumerations in lower case, tags comma-separated. Portable SQL: it must run unchanged on
-- PostgreSQL 15 and H2 2.x.
--
-- The Java validation (CacheClass) is the source of truth. The checks here only stop values no
-- reading of the row could make sense of; enumerations are deliberately left unchecked, so that a
-- new policy in core needs no migration. Optional columns are nullable: a NULL takes the
-- default of CacheClass.Builder, so a row can be written by hand with class, key_pattern and ttl.
CREATE TABLE cache_class (
    class                  VARCHAR(64)      NOT NULL PRIMARY KEY,
    key_pattern            VARCHAR(256)     NOT NULL UNIQUE,
    ttl                    BIGINT           NOT NULL CHECK (ttl > 0),
    eviction_policy        VARCHAR(32),
    expiry_mode            VARCHAR(32),
    refresh_strategy       VARCHAR(32),
    write_policy           VARCHAR(32),
    staleness_epsilon      BIGINT           CHECK (staleness_epsilon >= 0),
    stale_while_revalidate BIGINT           CHECK (stale_while_revalidate >= 0),
    stale_if_error         BIGINT           CHECK (stale_if_error >= 0),
    source_rate_limit      DOUBLE PRECISION CHECK (source_rate_limit >= 0),
    l1_max_entries         BIGINT           CHECK (l1_max_entries >= 0),
    l1_max_bytes           BIGINT           CHECK (l1_max_bytes >= 0),
    edge_cacheable         BOOLEAN,
    tags                   VARCHAR(4096),
    ttl_jitter             DOUBLE PRECISION,
    early_refresh_beta     DOUBLE PRECISION,
    updated_at             TIMESTAMP        DEFAULT CURRENT_TIMESTAMP NOT NULL,
    -- The value of cache_class_revision.revision when the row last changed.
    revision               BIGINT           DEFAULT 0 NOT NULL
);

-- One counter bumped by every change to cache_class, deletions included: MAX(revision) over the
-- rows alone would go back down when the newest row is deleted and miss the deletion of any other.
-- Writers bump it first in their transaction, so its row lock also orders concurrent changes and
-- row revisions increase in commit order. Nodes poll this single row to notice a change.
CREATE TABLE cache_class_revision (
    id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    revision BIGINT  NOT NULL
);

INSERT INTO cache_class_revision (id, revision) VALUES (1, 0);
