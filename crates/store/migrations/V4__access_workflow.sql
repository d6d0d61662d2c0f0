-- The access workflow: what a request keeps of its target when it is made, the approval records that decide it,
-- the keys under which their approvers are filed (so "awaiting review from you" is an index lookup), the
-- columns a masking exception names, and the history of every transition.

-- Point in time: the target's name and description, the type used by `targetType` (DATA_PRODUCT, or the data
-- object's legacy type) and the domains it belonged to, as JSON.
ALTER TABLE access_requests ADD COLUMN target_name TEXT NOT NULL DEFAULT '';
ALTER TABLE access_requests ADD COLUMN target_description TEXT;
ALTER TABLE access_requests ADD COLUMN target_type TEXT NOT NULL DEFAULT 'DATA_PRODUCT';
ALTER TABLE access_requests ADD COLUMN domains TEXT NOT NULL DEFAULT '[]';

CREATE INDEX access_requests_by_created ON access_requests (tenant_id, created_at, id);
CREATE INDEX access_requests_by_updated ON access_requests (tenant_id, updated_at, id);
CREATE INDEX access_requests_by_requester ON access_requests (tenant_id, requesting_user_id, created_at);
CREATE INDEX access_requests_by_asset ON access_requests (tenant_id, asset_id, status);
-- The expiry job's worklist, across tenants: only approved requests with an end.
CREATE INDEX access_requests_expiring ON access_requests (expiration)
    WHERE status = 'APPROVED' AND expiration IS NOT NULL;

-- One pending request per user, type and target: a second is a conflict, also when two arrive at once.
CREATE UNIQUE INDEX access_requests_one_pending
    ON access_requests (tenant_id, user_id, request_type, COALESCE(data_product_id, asset_id))
    WHERE status = 'PENDING';

-- The domains a request's target belonged to, for the `manager` role.
CREATE TABLE access_request_domains (
    tenant_id TEXT NOT NULL,
    domain_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, domain_id, request_id),
    FOREIGN KEY (tenant_id, request_id) REFERENCES access_requests (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE approval_records (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    approvers TEXT NOT NULL,
    prerequisites TEXT NOT NULL,
    status TEXT NOT NULL,
    action_by BIGINT,
    reason TEXT,
    criteria_met TEXT,
    duration BIGINT,
    duration_unit TEXT,
    ends_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, request_id) REFERENCES access_requests (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX approval_records_by_request ON approval_records (tenant_id, request_id, position);
CREATE INDEX approval_records_by_actor ON approval_records (tenant_id, action_by, request_id);

-- One row per key an approver criterion is filed under (`user:…`, `group:…`, `domain:…:…`, …).
CREATE TABLE approval_record_keys (
    tenant_id TEXT NOT NULL,
    approver_key TEXT NOT NULL,
    request_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, approver_key, request_id, record_id),
    FOREIGN KEY (tenant_id, record_id) REFERENCES approval_records (tenant_id, id) ON DELETE CASCADE
);

-- The columns a masking exception asks for, as they were when it was asked.
CREATE TABLE access_request_columns (
    tenant_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    data_source_id BIGINT NOT NULL,
    column_name TEXT NOT NULL,
    position BIGINT NOT NULL,
    source_name TEXT NOT NULL,
    column_type TEXT,
    tags TEXT NOT NULL,
    masking_type TEXT,
    PRIMARY KEY (tenant_id, request_id, data_source_id, column_name),
    FOREIGN KEY (tenant_id, request_id) REFERENCES access_requests (tenant_id, id) ON DELETE CASCADE
);

-- Every transition of a request: who, when, why.
CREATE TABLE access_request_events (
    tenant_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    event TEXT NOT NULL,
    actor_id BIGINT,
    record_id TEXT,
    reason TEXT,
    at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, request_id, position),
    FOREIGN KEY (tenant_id, request_id) REFERENCES access_requests (tenant_id, id) ON DELETE CASCADE
);
