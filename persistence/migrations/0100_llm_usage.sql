-- LLM token and cost accounting per tenant, agent, provider and model.
CREATE TABLE IF NOT EXISTS llm_usage (
  id bigserial PRIMARY KEY,
  tenant text NOT NULL,
  agent text NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  prompt_id text NOT NULL,
  input_tokens integer NOT NULL,
  output_tokens integer NOT NULL,
  cost_usd numeric(14, 8) NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS llm_usage_tenant_at ON llm_usage (tenant, at);
