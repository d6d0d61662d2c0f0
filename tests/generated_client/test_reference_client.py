"""A client generated from Immuta's own OpenAPI document talks to a running Marketplace.

`run.sh` generates the client from tests/reference/immuta-request-app-openapi.yml and runs these tests
against the `marketplace` binary, on SQLite or (with MARKETPLACE_TEST_DATABASE_URL) on PostgreSQL. Every answer
must parse into the reference's own models; that is what "every call answered the same way" means for a client.
"""

import contextlib
import datetime
import json
import os
import pathlib
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid

import pytest
from immuta_client import AuthenticatedClient
from immuta_client.api.access_request import (
    get_access_request_by_id,
    get_access_request_records,
    search_access_requests,
    update_approval_record,
)
from immuta_client.api.auth import create_token, delete_token, get_token, list_tokens, user
from immuta_client.api.data_product import (
    create_data_product,
    delete_data_product,
    get_all_data_sources,
    get_data_product_by_id,
    get_data_product_by_name,
    get_request_forms,
    request_access,
    revoke_access,
    search_data_product_columns,
    search_data_product_members,
    search_data_products,
    search_data_sources,
    update_data_product,
    update_data_sources,
)
from immuta_client.api.data_use_agreement import (
    create_data_use_agreement,
    delete_data_use_agreement,
    get_associated_request_forms,
    get_data_use_agreement_by_id,
    search_data_use_agreements,
    update_data_use_agreement,
)
from immuta_client.api.health import liveness0, liveness1, readiness
from immuta_client.api.metadata import (
    get_available_domains,
    get_domain,
    get_domain_data_sources,
    get_immuta_attributes,
    get_immuta_groups,
    get_immuta_tags,
    get_immuta_users,
    search_applied_tags,
)
from immuta_client.api.request_form import (
    create_request_form,
    delete_request_form_by_id,
    get_data_products,
    get_request_form_by_id,
    get_request_form_by_version,
    search_request_forms,
    update_request_form,
)
from immuta_client.api.settings import get_frontend_settings
from immuta_client.errors import UnexpectedStatus
from immuta_client.models.applied_tag_search_request import AppliedTagSearchRequest
from immuta_client.models.create_access_request import CreateAccessRequest
from immuta_client.models.create_data_product import CreateDataProduct
from immuta_client.models.create_data_use_agreement import CreateDataUseAgreement
from immuta_client.models.create_personal_access_token import CreatePersonalAccessToken
from immuta_client.models.create_request_form import CreateRequestForm
from immuta_client.models.search_access_requests_review_status_item import SearchAccessRequestsReviewStatusItem
from immuta_client.models.update_data_product import UpdateDataProduct
from immuta_client.models.update_data_sources import UpdateDataSources
from immuta_client.models.update_approval_record_request import UpdateApprovalRecordRequest
from immuta_client.models.update_approval_record_request_duration_unit import UpdateApprovalRecordRequestDurationUnit
from immuta_client.models.update_approval_record_request_status import UpdateApprovalRecordRequestStatus
from immuta_client.models.update_data_use_agreement import UpdateDataUseAgreement
from immuta_client.models.update_request_form import UpdateRequestForm

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = ROOT / "target" / "debug" / "marketplace"
SALES = "4d004a3a-4568-4c1d-822e-30958ef898dc"
DURATION = "How long do you need access to this data?"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def database_url(workdir):
    """A SQLite file in `workdir`, or a new database on the server MARKETPLACE_TEST_DATABASE_URL names, dropped
    afterwards."""
    server = os.environ.get("MARKETPLACE_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite://{workdir}/marketplace.db"
        return
    name = f"reference_client_{uuid.uuid4().hex}"
    subprocess.run(["psql", server, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        subprocess.run(["psql", server, "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)


@pytest.fixture(scope="module")
def marketplace():
    workdir = tempfile.mkdtemp()
    with database_url(workdir) as url:
        yield from serve(workdir, url)


def serve(workdir, url):
    env = dict(os.environ, MARKETPLACE_DATABASE_URL=url)
    env.pop("MARKETPLACE_SIGNING_KEY", None)
    run = lambda *args: subprocess.run([str(BINARY), *args], env=env, check=True, capture_output=True, text=True)
    run("directory", "import", str(ROOT / "examples" / "directory.yaml"))
    tokens = {name: run("token", "create", "--tenant", "demo", "--user", name).stdout.strip() for name in ("admin", "dana", "casey", "sam")}
    port = free_port()
    server = subprocess.Popen([str(BINARY), "serve", "--listen", f"127.0.0.1:{port}"], env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/marketplace"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/health/ready")
            break
        except OSError:
            time.sleep(0.1)
    clients = {name: AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True) for name, token in tokens.items()}
    yield clients
    server.terminate()
    server.wait()


def test_health(marketplace):
    for operation in (liveness0, liveness1, readiness):
        response = operation.sync_detailed(client=marketplace["casey"])
        assert response.status_code == 200
        assert response.parsed.status == "ok"


def test_the_caller_and_personal_access_tokens(marketplace):
    admin = marketplace["admin"]
    me = user.sync(client=admin)
    assert me.username == "admin"
    assert "GOVERNANCE" in me.global_permissions
    assert me.tenant_info.global_segment == "na"
    created = create_token.sync(client=admin, body=CreatePersonalAccessToken(description="from the reference client"))
    fresh = AuthenticatedClient(base_url=admin._base_url, token=created.token)
    assert user.sync(client=fresh).username == "admin"
    listed = list_tokens.sync(client=admin)
    assert created.token_id in [token.token_id for token in listed]
    fetched = get_token.sync(id=str(created.token_id), client=admin)
    assert fetched.description == "from the reference client" and fetched.active
    assert delete_token.sync_detailed(id=str(created.token_id), client=admin).status_code == 200
    assert user.sync_detailed(client=fresh).status_code == 401


def test_metadata_and_settings(marketplace):
    dana = marketplace["dana"]
    domains = get_available_domains.sync(client=dana)
    assert [domain.name for domain in domains.domains] == ["Sales"]
    assert get_domain.sync(id=SALES, client=dana).name == "Sales"
    page = get_domain_data_sources.sync(id=SALES, client=dana, offset=0.0, limit=2.0, data_source_ids=[1.0, 2.0, 3.0])
    assert [source.data_source_id for source in page.data] == [1, 2]
    assert (page.meta.total_count, page.meta.total_pages) == (3, 2)
    users = get_immuta_users.sync(client=dana, limit=100.0, filter_="steward")
    assert [person.username for person in users.users] == ["sam"]
    assert get_immuta_groups.sync(client=dana, filter_="Sales").groups[0].name == "Sales Stewards"
    assert any(attribute.value == "Marketing" for attribute in get_immuta_attributes.sync(client=dana, type_="Department").attributes)
    assert [tag.name for tag in get_immuta_tags.sync(client=dana, search_text="PII", limit=2.0)] == ["PII", "PII.Email"]
    applied = search_applied_tags.sync(client=dana, body=AppliedTagSearchRequest(data_source_ids=[3]))
    assert applied.total == 5
    assert get_frontend_settings.sync(client=dana).theme.primary_color == "#1F4E79"


def test_publishing_a_product_with_a_new_form_and_agreement_reads_back_field_for_field(marketplace):
    dana = marketplace["dana"]
    casey = marketplace["casey"]
    agreement = create_data_use_agreement.sync(client=dana, body=CreateDataUseAgreement(name="Reference terms", body="For analysis only."))
    assert get_data_use_agreement_by_id.sync(id=str(agreement.id), client=casey).to_dict() == agreement.to_dict()
    form_body = {
        "name": "Reference form",
        "fields": [
            {"id": str(uuid.uuid4()), "type": "SHORT_ANSWER", "label": "Why?", "required": True},
            {"id": str(uuid.uuid4()), "type": "DROPDOWN", "label": "Team", "required": True, "options": [{"value": "A"}, {"value": "B"}]},
            {"id": str(uuid.uuid4()), "type": "ACCESS_DURATION", "label": DURATION, "required": True},
        ],
        "policy": {"rules": [], "defaultEvent": {"type": "review", "params": {"stages": [{"any": [{"type": "GROUP", "id": 1, "name": "Sales Stewards"}]}]}}},
        "dataUseAgreementIds": [str(agreement.id)],
    }
    form = create_request_form.sync(client=dana, body=CreateRequestForm.from_dict(form_body))
    assert form.name == "Reference form"
    assert [field.to_dict()["type"] for field in form.fields] == ["SHORT_ANSWER", "DROPDOWN", "ACCESS_DURATION"]
    assert form.data_use_agreements[0].body == "For analysis only."
    assert get_request_form_by_id.sync(id=str(form.id), client=casey).to_dict() == form.to_dict()
    assert get_request_form_by_version.sync(version=form.version, client=casey).to_dict() == form.to_dict()

    product_body = {
        "name": "Reference Customers",
        "description": "Customer data for analysts",
        "metadata": {"subjectMatterExpert": {"id": "2daf4c86-5f6e-4b20-9c73-8e4f9a0b1c23"}},
        "domains": [SALES],
        "dataSources": [{"sourceId": "3"}, {"sourceId": "1"}],
        "dataAccessRequestFormId": str(form.id),
    }
    product = create_data_product.sync(client=dana, body=CreateDataProduct.from_dict(product_body))
    assert (product.name, product.description, product.domains) == ("Reference Customers", "Customer data for analysts", [SALES])
    assert str(product.metadata.subject_matter_expert.id) == "2daf4c86-5f6e-4b20-9c73-8e4f9a0b1c23"
    assert product.stats.data_source_count == 2
    read = get_data_product_by_id.sync(id=product.id, client=casey)
    for field in ("id", "name", "description", "domains", "suspended", "created_by", "created_at", "metadata", "data_access_policy", "stats"):
        assert getattr(read, field) == getattr(product, field), field
    assert get_data_product_by_name.sync(name="Reference Customers", client=casey).id == product.id
    forms = get_request_forms.sync(id=product.id, client=casey)
    assert [(item.name, str(item.request_type)) for item in forms] == [("Reference form", "DATA_ACCESS"), ("Standard Request Form", "MASKING_EXCEPTION")]
    assert [source.source_id for source in get_all_data_sources.sync(id=product.id, client=casey).data_sources] == ["1", "3"]
    sources = search_data_sources.sync(id=product.id, client=casey, limit=1.0)
    assert sources.data[0].name == "Sales Orders" and sources.meta.next_token
    more = search_data_sources.sync(id=product.id, client=casey, limit=1.0, next_token=sources.meta.next_token)
    assert more.data[0].name == "Customers" and more.meta.next_token is None
    masked = search_data_product_columns.sync(id=product.id, client=casey, masked_only=True)
    assert [column.name for column in masked.data] == ["email", "full_name", "phone"]
    assert masked.data[0].global_policy_info.masking_type == "Hashing"
    found = search_data_products.sync(client=casey, name_filter="Reference", limit=10.0)
    assert [item.id for item in found.data] == [product.id]
    assert [linked.name for linked in get_data_products.sync(id=str(form.id), client=casey)] == ["Reference Customers"]
    assert [linked.name for linked in get_associated_request_forms.sync(id=str(agreement.id), client=casey)] == ["Reference form"]
    assert search_request_forms.sync(client=casey, name_filter="Reference form").data[0].associated_domains == [SALES]
    assert search_data_use_agreements.sync(client=casey, name_filter="Reference").meta.total_count == 1

    changed = update_data_product.sync(id=product.id, client=dana, body=UpdateDataProduct.from_dict({"description": "Updated"}))
    assert changed.description == "Updated" and changed.name == product.name
    replaced = update_data_sources.sync(id=product.id, client=dana, body=UpdateDataSources.from_dict({"dataSources": [{"sourceId": "2"}]}))
    assert replaced.stats.data_source_count == 1
    reworded = update_data_use_agreement.sync_detailed(id=str(agreement.id), client=dana, body=UpdateDataUseAgreement(body="Updated terms."))
    assert reworded.status_code == 201
    renamed = update_request_form.sync_detailed(id=str(form.id), client=dana, body=UpdateRequestForm(name="Reference form v2"))
    assert renamed.status_code == 201 and renamed.parsed.version != form.version
    assert get_request_form_by_version.sync(version=form.version, client=casey).data_use_agreements[0].body == "For analysis only."

    assert delete_data_product.sync_detailed(id=product.id, client=dana).status_code == 200
    assert delete_request_form_by_id.sync_detailed(id=str(form.id), client=dana).status_code == 204
    assert delete_data_use_agreement.sync_detailed(id=str(agreement.id), client=dana).status_code == 204
    with pytest.raises(UnexpectedStatus) as gone:
        get_data_product_by_id.sync_detailed(id=product.id, client=casey)
    assert gone.value.status_code == 404


def refused(status, operation, **arguments):
    """Calls an operation the reference documents no error for, and checks the error status it answers."""
    with pytest.raises(UnexpectedStatus) as error:
        operation(**arguments)
    assert error.value.status_code == status, error.value.content


def loose(client):
    """The generator makes no model of `HydratedAccessRequest` (nor pages of it): a client that leaves such answers
    unparsed, for `body` to read."""
    return AuthenticatedClient(base_url=client._base_url, token=client.token, raise_on_unexpected_status=False)


def body(response, status):
    """The JSON of an answer the generated client leaves unparsed."""
    assert response.status_code == status, response.content
    return json.loads(response.content)


def test_the_access_workflow_from_request_to_temporary_approval_to_revocation(marketplace):
    dana, casey, sam = marketplace["dana"], marketplace["casey"], marketplace["sam"]
    dana_, casey_, sam_ = loose(dana), loose(casey), loose(sam)
    agreement = create_data_use_agreement.sync(client=dana, body=CreateDataUseAgreement(name="Workflow terms", body="No exports."))
    purpose, duration = str(uuid.uuid4()), str(uuid.uuid4())
    form_body = {
        "name": "Workflow form",
        "fields": [
            {"id": purpose, "type": "SHORT_ANSWER", "label": "Why?", "required": True},
            {"id": duration, "type": "ACCESS_DURATION", "label": DURATION, "required": True},
        ],
        "policy": {"rules": [], "defaultEvent": {"type": "review", "params": {"stages": [{"any": [{"type": "GROUP", "id": 1, "name": "Sales Stewards"}]}]}}},
        "dataUseAgreementIds": [str(agreement.id)],
    }
    form = create_request_form.sync(client=dana, body=CreateRequestForm.from_dict(form_body))
    product_body = {
        "name": "Workflow Customers",
        "description": "Customers, for churn work",
        "metadata": {"subjectMatterExpert": {"id": "2daf4c86-5f6e-4b20-9c73-8e4f9a0b1c23"}},
        "domains": [SALES],
        "dataSources": [{"sourceId": "3"}],
        "dataAccessRequestFormId": str(form.id),
    }
    product = create_data_product.sync(client=dana, body=CreateDataProduct.from_dict(product_body))
    me = user.sync(client=casey)
    answers = [{"fieldId": purpose, "value": "Churn report"}, {"fieldId": duration, "value": {"duration": 30, "durationUnit": "DAYS"}}]

    unaccepted = CreateAccessRequest(user=uuid.UUID(me.global_user_id), form={"answers": answers, "acceptedDataUseAgreementIds": []})
    assert request_access.sync_detailed(id=product.id, client=casey_, body=unaccepted).status_code == 400
    ask = CreateAccessRequest(user=uuid.UUID(me.global_user_id), form={"answers": answers, "acceptedDataUseAgreementIds": [str(agreement.id)]})
    created = body(request_access.sync_detailed(id=product.id, client=casey_, body=ask), 201)
    assert (created["status"], created["type"], created["dataProduct"]["id"]) == ("PENDING", "DATA_ACCESS", product.id)
    assert created["user"]["username"] == "casey"

    awaiting = body(search_access_requests.sync_detailed(client=sam_, review_status=[SearchAccessRequestsReviewStatusItem.AWAITINGREVIEWFROMYOU]), 200)
    assert created["id"] in [item["id"] for item in awaiting["data"]]
    record = get_access_request_records.sync(id=created["id"], client=sam).approval_records[0]
    assert str(record.status) == "PENDING"
    decision = UpdateApprovalRecordRequest(
        status=UpdateApprovalRecordRequestStatus.APPROVED,
        reason="For the churn report",
        duration=2.0,
        duration_unit=UpdateApprovalRecordRequestDurationUnit.DAYS,
    )
    decided = update_approval_record.sync(id=record.id, client=sam, body=decision)
    assert str(decided.status) == "APPROVED" and decided.action_by.username == "sam"
    refused(409, update_approval_record.sync_detailed, id=record.id, client=sam, body=decision)

    approved = body(get_access_request_by_id.sync_detailed(id=created["id"], client=casey_), 200)
    assert approved["status"] == "APPROVED"
    expiration = datetime.datetime.fromisoformat(approved["expiration"].replace("Z", "+00:00"))
    expected = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)
    assert abs((expiration - expected).total_seconds()) < 120
    members = body(search_data_product_members.sync_detailed(id=product.id, client=dana_), 200)
    assert [(item["user"]["username"], item["status"]) for item in members["data"]] == [("casey", "APPROVED")]
    stats = get_data_product_by_id.sync(id=product.id, client=casey).stats
    assert (stats.approved_request_count, stats.pending_request_count) == (1, 0)
    waiting = body(search_access_requests.sync_detailed(client=sam_, review_status=[SearchAccessRequestsReviewStatusItem.AWAITINGREVIEWFROMYOU]), 200)
    assert created["id"] not in [item["id"] for item in waiting["data"]]

    refused(403, revoke_access.sync_detailed, id=product.id, request_id=created["id"], client=casey)
    assert revoke_access.sync_detailed(id=product.id, request_id=created["id"], client=sam).status_code == 204
    assert body(get_access_request_by_id.sync_detailed(id=created["id"], client=casey_), 200)["status"] == "REVOKED"
    assert body(search_data_product_members.sync_detailed(id=product.id, client=dana_), 200)["data"] == []
    assert get_data_product_by_id.sync(id=product.id, client=casey).stats.revoked_request_count == 1
