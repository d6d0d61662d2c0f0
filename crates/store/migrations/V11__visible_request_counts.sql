-- A steward's or a domain manager's requests counted without walking them: the kept counts per status and type
-- gain a scope per approver key (`key:<approver key>`, the requests with a record filed under it) and per domain
-- (`domain:<id>`, the requests whose target was in it), kept in the transaction of every change like the others.
-- A change of status finds the keys of its request through this index.
CREATE INDEX approval_record_keys_by_request ON approval_record_keys (tenant_id, request_id, approver_key);

INSERT INTO access_request_counts (tenant_id, scope, status, request_type, count)
    SELECT r.tenant_id, 'key:' || k.approver_key, r.status, r.request_type, COUNT(DISTINCT r.id)
    FROM approval_record_keys k JOIN access_requests r ON r.tenant_id = k.tenant_id AND r.id = k.request_id
    GROUP BY r.tenant_id, k.approver_key, r.status, r.request_type;
INSERT INTO access_request_counts (tenant_id, scope, status, request_type, count)
    SELECT r.tenant_id, 'domain:' || d.domain_id, r.status, r.request_type, COUNT(*)
    FROM access_request_domains d JOIN access_requests r ON r.tenant_id = d.tenant_id AND r.id = d.request_id
    GROUP BY r.tenant_id, d.domain_id, r.status, r.request_type;
