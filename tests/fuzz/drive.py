"""One way to drive API operations from the OpenAPI schema (/api/schema/) in process:
60 generated cases an operation (derandomised), each sent with every given
Authorization header (a valid one, a wrong one, None for none). Returns the server
errors met and every status seen."""

import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings


def api_operations(prefix: str = "/"):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    return [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if op.path.startswith(prefix)
    ]


def drive(operations, authorizations) -> tuple[list[str], set[int]]:
    failures: list[str] = []
    statuses: set[int] = set()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=60,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case):
            for authorization in authorizations:
                headers = {"Authorization": authorization} if authorization else {}
                response = case.call(headers=headers)
                statuses.add(response.status_code)
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} {case.query!r:.200} "
                        f"{case.body!r:.300} {authorization and authorization[:8]} "
                        f"-> {response.status_code}"
                    )

        check()
    return failures, statuses
