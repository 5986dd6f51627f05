-- The collector's tables. Times are timestamptz from the node's clock (ms since the epoch); received_at is
-- the collector's. Every sequenced row carries its (node, boot, seq) and whether it came from a replay.

-- De-duplication key: a sequenced message is stored once, whichever collector or redelivery brings it.
CREATE TABLE received_messages (
  node        text        NOT NULL,
  boot        bigint      NOT NULL,
  seq         bigint      NOT NULL,
  site        text        NOT NULL,
  kind        text        NOT NULL,
  historical  boolean     NOT NULL DEFAULT false,
  -- clock_timestamp(), not now(): the time of the insert, not of the transaction's start.
  received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (node, boot, seq)
);

-- One row per count line and direction of a counts message.
CREATE TABLE counts (
  node         text        NOT NULL,
  site         text        NOT NULL,
  boot         bigint      NOT NULL,
  seq          bigint      NOT NULL,
  camera       text        NOT NULL,
  line         text        NOT NULL,
  direction    text        NOT NULL CHECK (direction IN ('lr', 'rl')),
  period_start timestamptz NOT NULL,
  period_s     integer     NOT NULL,
  vehicles     integer     NOT NULL,
  historical   boolean     NOT NULL DEFAULT false,
  PRIMARY KEY (node, boot, seq, line, direction, period_start)
);

-- Signal state changes (mode, phase, every group's aspect); cycles are the phase transitions over time.
CREATE TABLE signal_states (
  node       text        NOT NULL,
  site       text        NOT NULL,
  boot       bigint      NOT NULL,
  seq        bigint      NOT NULL,
  ts         timestamptz NOT NULL,
  mode       text        NOT NULL,
  phase      text,
  groups     jsonb       NOT NULL,
  reason     text,
  historical boolean     NOT NULL DEFAULT false,
  PRIMARY KEY (node, boot, seq, ts)
);

CREATE TABLE events (
  node       text        NOT NULL,
  site       text        NOT NULL,
  boot       bigint      NOT NULL,
  seq        bigint      NOT NULL,
  ts         timestamptz NOT NULL,
  type       text        NOT NULL,
  severity   text        NOT NULL,
  message    text        NOT NULL,
  data       jsonb,
  historical boolean     NOT NULL DEFAULT false,
  PRIMARY KEY (node, boot, seq, ts)
);

-- health is not sequenced: (node, boot, ts) identifies a report, so a redelivery is stored once.
CREATE TABLE node_health (
  node   text        NOT NULL,
  site   text        NOT NULL,
  boot   bigint      NOT NULL,
  ts     timestamptz NOT NULL,
  report jsonb       NOT NULL,
  PRIMARY KEY (node, boot, ts)
);

-- The latest known state of each node: birth, death and when it was last heard.
CREATE TABLE nodes (
  node          text        PRIMARY KEY,
  site          text        NOT NULL,
  status        text        NOT NULL DEFAULT 'unknown',
  boot          bigint,
  version       text,
  config_hash   text,
  born_at       timestamptz,
  died_at       timestamptz,
  death_reason  text,
  last_seen_at  timestamptz NOT NULL
);

-- Whatever protocol/ refused, with its reason, so a broken node is visible rather than silently dropped.
CREATE TABLE rejected_messages (
  id          bigserial   PRIMARY KEY,
  topic       text        NOT NULL,
  payload     bytea       NOT NULL,
  reason      text        NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

-- Sequence ranges found missing in the database, and whether a replay was asked for.
CREATE TABLE sequence_gaps (
  id               bigserial   PRIMARY KEY,
  node             text        NOT NULL,
  site             text        NOT NULL,
  boot             bigint      NOT NULL,
  from_seq         bigint      NOT NULL,
  to_seq           bigint      NOT NULL,
  detected_at      timestamptz NOT NULL DEFAULT now(),
  replay_requested boolean     NOT NULL
);
CREATE INDEX sequence_gaps_node_boot ON sequence_gaps (node, boot);
