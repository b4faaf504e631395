from django.shortcuts import redirect


def join(request, sponsor_slug):
    return redirect("account_signup")
