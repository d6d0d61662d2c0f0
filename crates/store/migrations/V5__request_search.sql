-- Request searches that stay as fast with a million requests as with a thousand: pages by status or by product
-- in creation order come straight off an index, and a steward's queue starts from the open records.
CREATE INDEX access_requests_by_status ON access_requests (tenant_id, status, created_at, id);
CREATE INDEX access_requests_by_product_created ON access_requests (tenant_id, data_product_id, created_at, id);
CREATE INDEX approval_records_by_status ON approval_records (tenant_id, status, request_id);

-- How many requests there are per status and type, for the tenant as a whole (scope '') and for each target
-- (`product:<id>`, `asset:<id>`), kept in the transaction of every change, so the total of a search with no other
-- filter is a lookup rather than a count of the table.
CREATE TABLE access_request_counts (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    status TEXT NOT NULL,
    request_type TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, scope, status, request_type)
);
INSERT INTO access_request_counts (tenant_id, scope, status, request_type, count)
    SELECT tenant_id, '', status, request_type, COUNT(*) FROM access_requests
    GROUP BY tenant_id, status, request_type;
INSERT INTO access_request_counts (tenant_id, scope, status, request_type, count)
    SELECT tenant_id, 'product:' || data_product_id, status, request_type, COUNT(*) FROM access_requests
    WHERE data_product_id IS NOT NULL GROUP BY tenant_id, data_product_id, status, request_type;
INSERT INTO access_request_counts (tenant_id, scope, status, request_type, count)
    SELECT tenant_id, 'asset:' || asset_id, status, request_type, COUNT(*) FROM access_requests
    WHERE asset_id IS NOT NULL GROUP BY tenant_id, asset_id, status, request_type;
