from django.db import models

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
