from qualification.models import Period


def statements_compute_for_close(*, period: Period) -> None:
    """Placeholder until the engine lands."""
