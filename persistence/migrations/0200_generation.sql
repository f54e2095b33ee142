-- Content generation (topology/generation.yaml): jobs, their accepted samples (and labelled
-- variants), and rejected candidates with the reason. Samples are keyed by (tenant, job, index,
-- variant) so a replayed batch rewrites the same rows; a job's progress is replaced only by a batch
-- at least as late (column batch).
CREATE TABLE IF NOT EXISTS generation_jobs (
  tenant           text        NOT NULL,
  id               text        NOT NULL,
  template         text        NOT NULL,
  template_version integer     NOT NULL,
  status           text        NOT NULL,
  reason           text,
  request          jsonb       NOT NULL,
  progress         jsonb       NOT NULL,
  rejections       jsonb       NOT NULL DEFAULT '{}',
  batch            integer     NOT NULL DEFAULT -1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, id)
);

CREATE TABLE IF NOT EXISTS generation_samples (
  tenant           text        NOT NULL,
  job_id           text        NOT NULL,
  idx              integer     NOT NULL,
  variant          text        NOT NULL DEFAULT '',
  id               text        NOT NULL,
  data             jsonb       NOT NULL,
  text             text        NOT NULL,
  template         text        NOT NULL,
  template_version integer     NOT NULL,
  labels           jsonb       NOT NULL DEFAULT '{}',
  provider         text        NOT NULL,
  model            text        NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, job_id, idx, variant)
);

CREATE TABLE IF NOT EXISTS generation_rejects (
  tenant   text    NOT NULL,
  job_id   text    NOT NULL,
  attempt  integer NOT NULL,
  stage    text    NOT NULL,
  reason   text    NOT NULL,
  excerpt  text    NOT NULL,
  PRIMARY KEY (tenant, job_id, attempt)
);
