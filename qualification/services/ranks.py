"""Ranks edited one by one (admin): validate, save or delete, recompute open periods."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Rank
from .periods import period_recompute_open_on_commit
from .plan import rank_validate


@transaction.atomic
def rank_save(*, rank: Rank) -> Rank:
    """Validate and save a rank; the open periods are recomputed after commit."""
    rank.name = (rank.name or "").strip()
    rank_validate(rank=rank)
    rank.save()
    period_recompute_open_on_commit()
    return rank


@transaction.atomic
def rank_delete(*, rank: Rank) -> None:
    users = list(
        Rank.objects.filter(leg_rank=rank).exclude(pk=rank.pk).values_list("name", flat=True)
    )
    if users:
        raise ValidationError(
            _(
                "Rank %(name)s cannot be deleted: %(users)s asks for legs with it. Change that first."
            )
            % {"name": rank.name, "users": ", ".join(users)}
        )
    rank.delete()
    period_recompute_open_on_commit()
