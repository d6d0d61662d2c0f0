-- Provisioning: what the reconciler did on each connection, and what it knows between cycles. What access should
-- exist is never stored: it is derived from the approved requests each cycle.

-- Each connection's cycle: who runs it now (a lease, so one instance at a time), whether an access change asked
-- for one (`due_at`), and what the last one found.
CREATE TABLE provisioning_status (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_name TEXT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    due_at BIGINT,
    last_cycle_at BIGINT,
    reachable BOOLEAN,
    last_error TEXT,
    applied BIGINT NOT NULL,
    pending BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, connection_name)
);

-- The privileges the provisioner granted and still holds (`GRANTED`: revoked as no longer approved when nothing
-- explains them) and the drift it reported (`REPORTED`: not reported again while it lasts). A privilege is its
-- role and target: `kind` SCHEMA, TABLE or COLUMN, with '' where a name does not apply.
CREATE TABLE provisioning_ledger (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_name TEXT NOT NULL,
    entry TEXT NOT NULL,
    role_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    schema_name TEXT NOT NULL,
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    PRIMARY KEY (tenant_id, connection_name, entry, role_name, kind, schema_name, table_name, column_name)
);

-- Each request's privileges and where they stand: PENDING, APPLIED, FAILED (with the platform's error), REVOKED.
CREATE TABLE provisioning_grants (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_name TEXT NOT NULL,
    request_id TEXT NOT NULL,
    role_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    schema_name TEXT NOT NULL,
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    state TEXT NOT NULL,
    error TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, connection_name, request_id, role_name, kind, schema_name, table_name, column_name)
);
CREATE INDEX provisioning_grants_by_request ON provisioning_grants (tenant_id, request_id);

-- Every change made, attempted or reported on a platform, once: its statement, why (and for which requests), and
-- what came of it. A change is written PENDING before the platform is touched, so one a crash interrupted is
-- found and settled by the next cycle; a failed one is retried under the same record.
CREATE TABLE provisioning_changes (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    connection_name TEXT NOT NULL,
    role_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    schema_name TEXT NOT NULL,
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    statement TEXT NOT NULL,
    request_ids TEXT NOT NULL,
    state TEXT NOT NULL,
    error TEXT,
    attempts BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX provisioning_changes_open ON provisioning_changes (tenant_id, connection_name, state);
CREATE INDEX provisioning_changes_by_time ON provisioning_changes (tenant_id, connection_name, created_at);
