"""Property-based run over the whole OpenAPI (issue 14 #7): schemathesis generates requests for every operation —
oversized integers, odd strings, NUL characters, missing fields — and no answer may be a 5xx. Signed in as an
administrator. Fixed seed (derandomize) and a small budget per operation, so `make test` spends well under two
minutes here; on SQLite, in-process through ASGI. A 503 with our JSON error (the classifier model not trained yet)
is a designed answer; any other 5xx fails."""

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from sqlmodel import Session

from hotline.db import engine_for
from tests.conftest import People

EXAMPLES = 4
BUDGET = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same requests on every run
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def test_no_request_is_answered_with_a_server_error(sqlite_db):
    from hotline.app import create_app
    from hotline.auth.sessions import sign_in

    with Session(engine_for(sqlite_db), expire_on_commit=False) as session:
        admin = People(session).users["admin"]
        headers = {"Authorization": f"Bearer {sign_in(session, admin)[0]}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @BUDGET
        @given(case=operation.as_strategy())
        def call(case) -> None:
            response = case.call(headers=headers)
            # schemathesis keeps each header as a list of values
            content_type = " ".join(response.headers.get("content-type") or [])
            designed = response.status_code == 503 and content_type.startswith("application/json")
            if response.status_code >= 500 and not designed:  # 503 + our error body: a missing model, said so
                failures.append(f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:200]}")

        call()
    assert operations > 50  # the whole API was walked
    assert not failures, "\n".join(sorted(set(failures)))
