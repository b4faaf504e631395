from django.urls import path

from . import payout_views, views, views_earnings, views_links, views_whatif

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("live/", views.live, name="live"),
    path("qr.svg", views.qr_code_svg, name="qr_svg"),
    path("qr.png", views.qr_code_png, name="qr_png"),
    path("history/", views.history, name="history"),
    path("team/", views.team, name="team"),
    path("team/<int:pk>/", views.team_node, name="team_node"),
    path("whats-missing/", views_whatif.whatif, name="whatif"),
    path("whats-missing/close/", views_whatif.whatif_close, name="whatif_close"),
    path("earnings/", views_earnings.earnings, name="earnings"),
    path("earnings/<str:label>/", views_earnings.earnings_statement, name="earnings_statement"),
    path("customers/", views.customers, name="customers"),
    path("landing-page/", views.visits, name="visits"),
    path("links/", views_links.links, name="links"),
    path("profile/", views.profile, name="profile"),
    path("payouts/", payout_views.payout_profile, name="payout_profile"),
    path(
        "payouts/credit-notes/<str:number>.<str:kind>",
        payout_views.credit_note_download,
        name="credit_note_download",
    ),
    path("api-tokens/", views.tokens, name="tokens"),
    path("api-tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
