-- Webhooks: each notification event becomes one delivery per webhook of its tenant, written when the event is sent,
-- with the CloudEvent document fixed then so every attempt posts the same bytes. Deliveries are claimed with a
-- lease (`lease_until`), retried with backoff for a day, then failed; every attempt is kept.
CREATE TABLE webhooks (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    url TEXT NOT NULL,
    verify_tls BOOLEAN NOT NULL,
    signing_key TEXT,
    -- Set when a delivery failed for good; nothing new is delivered until the webhook is saved again.
    suppressed BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE webhook_deliveries (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, webhook_id, event_id),
    FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhooks (tenant_id, id) ON DELETE CASCADE
);
-- The delivery job's worklist, across tenants: only deliveries still to make.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING';

CREATE TABLE webhook_attempts (
    tenant_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    status TEXT NOT NULL,
    http_status_code BIGINT NOT NULL,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, webhook_id, delivery_id, attempt),
    FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhooks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_attempts_by_time ON webhook_attempts (tenant_id, webhook_id, created_at);

-- The Slack workspace a tenant is connected to (set with `marketplace slack configure`); at most one.
CREATE TABLE slack_configurations (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    team_id TEXT NOT NULL,
    team_name TEXT NOT NULL,
    bot_user_id TEXT NOT NULL,
    enterprise_id TEXT,
    enterprise_name TEXT,
    updated_at BIGINT NOT NULL
);
