-- TimescaleDB when the server has it: the time-series tables become hypertables. Without the extension
-- (or without the right to create it) the tables stay plain PostgreSQL tables and everything works.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS timescaledb;
      PERFORM create_hypertable('counts', 'period_start', if_not_exists => true, migrate_data => true);
      PERFORM create_hypertable('signal_states', 'ts', if_not_exists => true, migrate_data => true);
      PERFORM create_hypertable('events', 'ts', if_not_exists => true, migrate_data => true);
      PERFORM create_hypertable('node_health', 'ts', if_not_exists => true, migrate_data => true);
    EXCEPTION WHEN others THEN
      RAISE NOTICE 'timescaledb not used (%): plain tables', SQLERRM;
    END;
  END IF;
END
$$;
