-- Core tables: conversations, messages, agent results, aggregated insights (versioned), rollups,
-- idempotency keys. Every row is keyed by tenant first so no query can cross tenants by accident.
CREATE SEQUENCE IF NOT EXISTS weir_event_seq;

CREATE TABLE IF NOT EXISTS conversations (
  tenant          text        NOT NULL,
  conversation_id text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  message_count   integer     NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, conversation_id)
);

CREATE TABLE IF NOT EXISTS messages (
  tenant          text        NOT NULL,
  message_id      text        NOT NULL,
  conversation_id text        NOT NULL,
  author          text,
  channel         text,
  text            text        NOT NULL,
  sent_at         timestamptz NOT NULL,
  payload         jsonb       NOT NULL,
  PRIMARY KEY (tenant, message_id)
);
CREATE INDEX IF NOT EXISTS messages_conversation ON messages (tenant, conversation_id, sent_at);

CREATE TABLE IF NOT EXISTS agent_results (
  tenant          text        NOT NULL,
  message_id      text        NOT NULL,
  agent           text        NOT NULL,
  version         integer     NOT NULL,
  output          jsonb       NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, message_id, agent)
);

-- One row per message: the latest version of its aggregated result. `seq` is reassigned from
-- weir_event_seq whenever the version rises, so "since seq" catch-up returns what a subscriber missed.
CREATE TABLE IF NOT EXISTS insights (
  tenant          text        NOT NULL,
  message_id      text        NOT NULL,
  conversation_id text        NOT NULL,
  version         integer     NOT NULL,
  status          text        NOT NULL,
  result          jsonb       NOT NULL,
  seq             bigint      NOT NULL DEFAULT nextval('weir_event_seq'),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, message_id)
);
CREATE INDEX IF NOT EXISTS insights_conversation ON insights (tenant, conversation_id, seq);
CREATE INDEX IF NOT EXISTS insights_seq ON insights (tenant, seq);

CREATE TABLE IF NOT EXISTS rollups (
  tenant          text        NOT NULL,
  conversation_id text        NOT NULL,
  version         bigint      NOT NULL,
  rollup          jsonb       NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, conversation_id)
);

-- Idempotency-Key → first response. A row in state 'pending' is a request in flight in some process.
CREATE TABLE IF NOT EXISTS idempotency_keys (
  tenant          text        NOT NULL,
  key             text        NOT NULL,
  request_hash    text        NOT NULL,
  response        jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_at);
