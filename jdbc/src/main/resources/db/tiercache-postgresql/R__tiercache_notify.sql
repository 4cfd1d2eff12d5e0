-- Row changes as invalidations (PostgreSQL only; applied by JdbcSource on PostgreSQL alone, since
-- the portable migrations in db/tiercache also run on H2). A repeatable migration: the function is
-- replaced whenever this file changes, and it takes no version number from the shared sequence.
--
-- Attach it to a table with io.tiercache.jdbc.PostgresChangeListener.attach, which creates
--   AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW
--   EXECUTE FUNCTION tiercache_notify(key_column, key_prefix, channel)
-- Each changed row sends NOTIFY <channel> '<ms> <key_prefix><key>', where <ms> is the trigger's
-- clock_timestamp in epoch milliseconds (a lower bound of the commit time, for the lag metric).
-- NOTIFY is delivered only when the transaction commits, so a rolled-back change invalidates
-- nothing; an update that changes the key notifies both the old and the new key; identical
-- payloads within one transaction are delivered once by PostgreSQL.
CREATE OR REPLACE FUNCTION tiercache_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  key_column text := TG_ARGV[0];
  key_prefix text := COALESCE(TG_ARGV[1], '');
  channel    text := COALESCE(TG_ARGV[2], 'tiercache');
  at_ms      text := ((extract(epoch FROM clock_timestamp()) * 1000)::bigint)::text;
  k          text;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    EXECUTE format('SELECT ($1).%I::text', key_column) INTO k USING OLD;
    PERFORM pg_notify(channel, at_ms || ' ' || key_prefix || k);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    EXECUTE format('SELECT ($1).%I::text', key_column) INTO k USING NEW;
    PERFORM pg_notify(channel, at_ms || ' ' || key_prefix || k);
  END IF;
  RETURN NULL;
END
$$;
