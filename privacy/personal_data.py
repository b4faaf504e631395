"""Personal data of the apps on privacy's own layer (dashboard, reports, sandbox:
privacy may not import them) and of privacy itself: none. Privacy's rows name
people by kind and id only (see privacy/models.py)."""

PERSONAL_DATA: dict = {}

NOT_PERSONAL = {
    "sandbox.SandboxRun.message": "a plan simulation's status message",
}
