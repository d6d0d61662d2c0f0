-- Notifications. An event is written in the transaction of the change that causes it; a background job claims
-- each unsent event once (`FOR UPDATE SKIP LOCKED`) and, in one transaction, writes its inbox messages and marks
-- it sent, so several instances deliver each event once.
CREATE TABLE notification_events (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    notification_type TEXT NOT NULL,
    -- What the event is about: a request, or a product (whose name, domains and, on deletion, the users whose
    -- requests it ended are kept in `detail`, as the product may be gone when the event is sent).
    request_id TEXT,
    product_id TEXT,
    detail TEXT,
    -- What a determination decided, as the request may have moved on by the time the event is sent.
    outcome TEXT,
    actor_id BIGINT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    PRIMARY KEY (tenant_id, id)
);
-- The job's worklist, across tenants: only unsent events.
CREATE INDEX notification_events_unsent ON notification_events (created_at) WHERE sent_at IS NULL;

-- One message per event and recipient.
CREATE TABLE inbox_messages (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    notification_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    message TEXT NOT NULL,
    action_link TEXT,
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, notification_id, user_id)
);
CREATE INDEX inbox_messages_by_user ON inbox_messages (tenant_id, user_id, created_at, id);
CREATE INDEX inbox_messages_unread ON inbox_messages (tenant_id, user_id, read_at, created_at, id);

-- What each user chose: a channel (`provider`) on or off, and a kind of notification on or off per channel.
-- Anything not chosen is on.
CREATE TABLE notification_provider_configs (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    provider TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    PRIMARY KEY (tenant_id, user_id, provider)
);
CREATE TABLE notification_type_preferences (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    provider TEXT NOT NULL,
    notification_type TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    PRIMARY KEY (tenant_id, user_id, provider, notification_type)
);
