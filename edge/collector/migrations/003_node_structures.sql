-- The structures each node's birth announced (wire v2): what a collector needs to read that node's compact
-- messages. Kept so that a collector that restarts, or one of the group that never saw the birth (it is
-- retained only until the node's next birth or death), can still read a backlog of that boot.
CREATE TABLE node_structures (
  site        text        NOT NULL,
  node        text        NOT NULL,
  boot        bigint      NOT NULL,
  revision    bigint      NOT NULL,
  structures  jsonb       NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (site, node, boot)
);
