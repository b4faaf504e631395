from django import forms


class PartnerSignupForm(forms.Form):
    """Extra sign-up fields (filled in by the enrollment work)."""

    def signup(self, request, user):
        pass
