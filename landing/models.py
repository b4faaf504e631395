from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Product
from partners.models import Partner


class LandingVisitDay(models.Model):
    """Visits of a partner's landing page per day (no personal data)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="visit_days")
    day = models.DateField()
    visits = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["partner", "day"], name="visit_day_once")]

    def __str__(self):
        return f"{self.partner_id} {self.day}: {self.visits}"


class LinkVisitDay(models.Model):
    """Visits per day of a partner's shared links: a campaign link and/or a
    product page (no personal data). Counted with the landing visits, by the
    same visitor request; "" / no product for the parts a link does not have."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="link_visit_days")
    day = models.DateField()
    campaign = models.CharField(max_length=40, blank=True, default="")
    # A plain id, not a key: the count outlives a deleted product.
    product_id = models.PositiveIntegerField(default=0)  # 0: the landing page
    visits = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "day", "campaign", "product_id"], name="link_visit_day_once"
            )
        ]

    def __str__(self):
        return f"{self.partner_id} {self.day} {self.campaign}/{self.product_id}: {self.visits}"


class Campaign(models.Model):
    """A campaign a partner named ("insta-story-nov"): its link is
    /<slug>/c/<name>/; visits and orders are counted per name."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(_("campaign name"), max_length=40)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.UniqueConstraint(fields=["partner", "name"], name="campaign_name_per_partner")
        ]

    def __str__(self):
        return self.name


class FeaturedProduct(models.Model):
    """A product a partner shows first on their landing page (link-in-bio), in their order."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="featured_products")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "product"], name="featured_product_once")
        ]

    def __str__(self):
        return f"{self.partner_id}: {self.product_id} @{self.position}"
