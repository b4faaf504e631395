"""The withdrawal function (Art. 11a CRD, §356a BGB): "Withdraw from contract
here" in the footer of every page and in every order e-mail leads to
/widerruf/. Step one asks for name, order number and e-mail, step two shows
them back with the button "Confirm withdrawal"; then the receipt with date and
time, and the acknowledgement e-mail. No account. Every declaration gets the
same page, whether it matched an order or not (nothing to learn from it)."""

from django.core import signing
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .forms import WithdrawalForm
from .throttle import withdrawal_allowed

SALT = "returns.withdrawal"
TOKEN_MAX_AGE = 60 * 60  # the confirmation step stays valid for an hour


@require_http_methods(["GET", "POST"])
def withdraw(request):
    if request.method == "POST":
        form = WithdrawalForm(request.POST)
        if form.is_valid():
            token = signing.dumps(form.cleaned_data, salt=SALT, compress=True)
            return render(
                request,
                "returns/withdraw_confirm.html",
                {"data": form.cleaned_data, "token": token},
            )
        return render(request, "returns/withdraw.html", {"form": form}, status=400)
    initial = {"reference": (request.GET.get("order") or "")[:40].replace("\x00", "")}
    return render(request, "returns/withdraw.html", {"form": WithdrawalForm(initial=initial)})


@require_POST
def withdraw_confirm(request):
    try:
        data = signing.loads(request.POST.get("token", ""), salt=SALT, max_age=TOKEN_MAX_AGE)
        form = WithdrawalForm(data)
        if not form.is_valid():
            raise signing.BadSignature
    except (signing.BadSignature, TypeError, ValueError):
        form = WithdrawalForm()
        return render(
            request,
            "returns/withdraw.html",
            {
                "form": form,
                "error": _(
                    "This confirmation has expired or was changed. Please fill in the form "
                    "again: your withdrawal has not been sent yet."
                ),
            },
            status=400,
        )
    data = form.cleaned_data
    if not withdrawal_allowed(client_ip=request.META.get("REMOTE_ADDR", ""), email=data["email"]):
        return render(
            request,
            "429.html",
            {
                "message": _(
                    "We received many withdrawals from your connection or for this e-mail "
                    "address just now. Please try again in an hour; your withdrawal has not "
                    "been sent yet."
                )
            },
            status=429,
        )
    withdrawal = services.withdrawal_declare(
        name=data["name"], email=data["email"], reference=data["reference"]
    )
    return render(
        request,
        "returns/withdraw_done.html",
        {"data": data, "received_at": timezone.localtime(withdrawal.declared_at)},
    )
