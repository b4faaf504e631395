def unread(request):
    """The unread badge of the dashboard nav: a callable, so it costs one COUNT
    on the dashboard pages that show it and nothing anywhere else. The partner
    is the one the dashboard's views put on the request."""
    partner = getattr(request, "partner", None)
    if partner is None:
        return {}
    from .selectors import unread_count

    return {"notifications_unread": lambda: unread_count(partner_id=partner.pk)}
