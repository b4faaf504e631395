class ReferralMiddleware:
    """Remembers `?ref=<slug>` on any page (filled in by the landing issue)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
