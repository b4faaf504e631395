"""The section tabs scroll sideways on a phone, and say so: a fading edge with
an arrow on each side where more tabs are, the current tab scrolled into view;
the arrows are decoration for assistive technology (the tabs stay a list of
links), and the page works without the script (the right edge fades)."""

import re

import pytest
from django.conf import settings

from tests.dashboard.conftest import client_for


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "title"), [("de", "Weitere Bereiche"), ("en", "More sections")]
)
def test_the_tab_bar_has_an_arrow_on_each_side_hidden_from_screen_readers(team, language, title):
    html = client_for(team.anna, language=language).get("/dashboard/payouts/").content.decode()
    wrap = html.split('<div class="dash-nav-wrap" data-dash-nav>', 1)[1].split("</div>", 1)[0]
    arrows = re.findall(r'<span class="dash-nav__more[^"]*"[^>]*>', wrap)
    assert len(arrows) == 2
    for arrow in arrows:
        assert 'aria-hidden="true"' in arrow and f'title="{title}"' in arrow
        assert "tabindex" not in arrow  # not in the tab order: the links are
    assert wrap.index("dash-nav__more--before") < wrap.index("<nav") < wrap.index("</nav>")
    assert wrap.index("</nav>") < wrap.index("dash-nav__more--after")
    assert re.search(r'<a href="/dashboard/payouts/[^"]*"\s+aria-current="page"', wrap)
    assert "js/dashboard-nav.js" in html


def test_the_arrows_show_only_where_more_tabs_are_and_the_edge_fades_without_the_script():
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text(encoding="utf-8")
    script = (settings.BASE_DIR / "static" / "js" / "dashboard-nav.js").read_text(encoding="utf-8")
    assert re.search(r"\.dash-nav \{[^}]*mask-image: linear-gradient", css)  # no script
    assert ".dash-nav-wrap[data-ready] .dash-nav { mask-image: none; }" in css
    assert ".dash-nav__more { display: none;" in css
    assert ".dash-nav-wrap[data-more-after] .dash-nav__more--after { display: flex; }" in css
    for name in ("data-more-before", "data-more-after", "data-ready", "aria-current=page"):
        assert name in script
