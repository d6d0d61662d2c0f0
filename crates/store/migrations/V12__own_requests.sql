-- A person's own requests without walking their history. The kept counts per status and type gain a scope
-- per person (`person:<id>`, the requests made by them or for them, each once), kept in the transaction of every
-- change like the others; the requests made for and by a person can each be read newest first from an index, so
-- that a page of them is the first entries of two index ranges.
CREATE INDEX access_requests_for_user_by_created ON access_requests (tenant_id, user_id, created_at, id);
DROP INDEX access_requests_by_requester;
CREATE INDEX access_requests_by_requester ON access_requests (tenant_id, requesting_user_id, created_at, id);

INSERT INTO access_request_counts (tenant_id, scope, status, request_type, count)
    SELECT tenant_id, 'person:' || person, status, request_type, COUNT(*)
    FROM (
        SELECT tenant_id, user_id AS person, status, request_type FROM access_requests
        UNION ALL
        SELECT tenant_id, requesting_user_id, status, request_type FROM access_requests
        WHERE requesting_user_id <> user_id
    ) AS people
    GROUP BY tenant_id, person, status, request_type;

-- Whether a person holds approved access to a product, without reading their other requests on it.
CREATE INDEX access_requests_approved_access ON access_requests (tenant_id, user_id, data_product_id)
    WHERE status = 'APPROVED' AND request_type = 'DATA_ACCESS';
