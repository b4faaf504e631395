"""The compensation plan's rules: a rank's rules and the plan file (data-exchange.md)."""

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import CommissionSettings, Rank
from ..plan_fields import (
    RANK_COMMISSION_KEYS,
    SETTINGS_KEYS,
    validate_commission_settings,
    validate_rank_commission,
)
from .periods import period_recompute_open_on_commit


def rank_validate(*, rank: Rank) -> None:
    """The rank rules of spec section 5, with messages an admin understands."""
    errors: dict[str, list[str]] = defaultdict(list)
    name = (rank.name or "").strip()
    label = name or _("this rank")
    if not name:
        errors["name"].append(_("Please give the rank a name."))
    else:
        same = Rank.objects.filter(name__iexact=name).exclude(pk=rank.pk).first()
        if same is not None:
            errors["name"].append(
                _("Another rank (level %(level)s) is already called “%(name)s”.")
                % {"level": same.level, "name": same.name}
            )
    if rank.level is None or rank.level < 1:
        errors["level"].append(
            _("The level must be a whole number of 1 or more (higher is better).")
        )
    else:
        other = Rank.objects.filter(level=rank.level).exclude(pk=rank.pk).first()
        if other is not None:
            errors["level"].append(
                _(
                    "Level %(level)s is already taken by rank “%(other)s”; each rank needs its own level."
                )
                % {"level": rank.level, "other": other.name}
            )
    for field, text in (("min_pv", _("minimum PV")), ("min_gv", _("minimum GV"))):
        value = getattr(rank, field)
        if value is None or value < 0:
            errors[field].append(_("The %(what)s cannot be negative.") % {"what": text})
    if rank.max_leg_percent is not None and not (0 <= rank.max_leg_percent <= 100):
        errors["max_leg_percent"].append(_("The share of one leg must be between 0 and 100 %."))
    legs = rank.min_qualified_legs or 0
    if legs < 0:
        errors["min_qualified_legs"].append(_("The number of qualified legs cannot be negative."))
    if legs > 0 and rank.leg_rank_id is None:
        errors["leg_rank"].append(
            _("Rank %(name)s needs a leg rank because it asks for %(legs)s qualified legs.")
            % {"name": label, "legs": legs}
        )
    if rank.leg_rank_id is not None and rank.pk is not None and rank.leg_rank_id == rank.pk:
        errors["leg_rank"].append(
            _(
                "Rank %(name)s cannot ask for legs with its own rank; choose another (usually lower) rank."
            )
            % {"name": label}
        )
    if (
        not errors.get("min_pv")
        and not errors.get("min_gv")
        and rank.min_pv == 0
        and rank.min_gv == 0
        and legs == 0
    ):
        errors["min_pv"].append(
            _(
                "Rank %(name)s asks for nothing: every partner would hold it even without any volume. "
                "Set a minimum PV or GV above 0, or qualified legs."
            )
            % {"name": label}
        )
    commission = {
        key: getattr(rank, key) for key in RANK_COMMISSION_KEYS if getattr(rank, key) is not None
    }
    for key, message in validate_rank_commission(commission)[1]:
        errors[key].append(_sentence(message))
    if errors:
        raise ValidationError(dict(errors))


def _sentence(message: str) -> str:
    """The plan file's message ("must be ...") as a form error ("Must be ...")."""
    return message[:1].upper() + message[1:] + "."


def commission_settings_validate(*, settings: CommissionSettings) -> None:
    """The plan-wide commission settings, with the plan file's messages."""
    data = {key: getattr(settings, key) for key in SETTINGS_KEYS}
    if data["cap_percent"] is None:
        del data["cap_percent"]
    data = {key: value for key, value in data.items() if value is not None}
    errors: dict[str, list[str]] = defaultdict(list)
    for key, message in validate_commission_settings(data)[1]:
        errors[key].append(_sentence(message))
    if errors:
        raise ValidationError(dict(errors))


@transaction.atomic
def commission_settings_save(*, settings: CommissionSettings) -> CommissionSettings:
    """Validate and save the commission settings (one row); they apply to open periods."""
    commission_settings_validate(settings=settings)
    existing = CommissionSettings.objects.select_for_update().order_by("pk").first()
    if existing is not None and existing.pk != settings.pk:
        settings.pk = existing.pk
    settings.save()
    return settings


PLAN_RANK_KEYS = (
    "level",
    "name",
    "min_pv",
    "min_gv",
    "max_leg_percent",
    "min_qualified_legs",
    "leg_rank",
)


def _parse_decimal(value, *, allow_null: bool = False):
    if value is None and allow_null:
        return None, None
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None, _('write it as a string with an exact decimal, e.g. "100" or "12.50"')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None, _("“%(value)s” is not a decimal number") % {"value": value}
    if not number.is_finite():
        return None, _("“%(value)s” is not a decimal number") % {"value": value}
    if number != number.quantize(Decimal("0.01")):
        return None, _("at most two decimal places")
    return number, None


def plan_validate(*, data) -> list[dict]:
    """Check a plan file (data-exchange.md) completely. Returns the ranks as
    dicts of Python values; raises ValidationError listing every problem."""
    return _plan_check(data)[0]


def _plan_check(data) -> tuple[list[dict], dict]:
    """(ranks, commission settings) of a valid plan file, else ValidationError
    listing every problem. The commission keys (commissions.md section 2) are
    optional: a plan file without them pays nothing."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ValidationError(_('The plan must be a JSON object like {"ranks": [...]}.'))
    unknown = sorted(set(data) - {"ranks", "commissions"})
    if unknown:
        problems.append(
            _("Unknown keys at the top: %(keys)s (only “ranks” and “commissions” are allowed).")
            % {"keys": ", ".join(unknown)}
        )
    settings, settings_errors = validate_commission_settings(data.get("commissions", {}))
    for key, message in settings_errors:
        if key == "non_field_errors":
            problems.append(_("“commissions”: %(error)s.") % {"error": message})
        else:
            problems.append(
                _("“commissions”: “%(key)s” %(error)s.") % {"key": key, "error": message}
            )
    raw_ranks = data.get("ranks")
    if not isinstance(raw_ranks, list):
        problems.append(_("“ranks” must be a list of ranks."))
        raise ValidationError(problems)
    ranks: list[dict] = []
    for index, raw in enumerate(raw_ranks, start=1):
        where = _("Rank %(n)s") % {"n": index}
        if not isinstance(raw, dict):
            problems.append(_("%(where)s: must be an object.") % {"where": where})
            continue
        if isinstance(raw.get("name"), str) and raw["name"].strip():
            where = _("Rank %(n)s (“%(name)s”)") % {"n": index, "name": raw["name"].strip()}
        unknown = sorted(set(raw) - set(PLAN_RANK_KEYS) - set(RANK_COMMISSION_KEYS))
        missing = [k for k in PLAN_RANK_KEYS if k not in raw]
        if unknown:
            problems.append(
                _("%(where)s: unknown keys %(keys)s.")
                % {"where": where, "keys": ", ".join(unknown)}
            )
        if missing:
            problems.append(
                _("%(where)s: missing keys %(keys)s.")
                % {"where": where, "keys": ", ".join(missing)}
            )
        rank: dict = {}
        level = raw.get("level")
        if isinstance(level, bool) or not isinstance(level, int) or level < 1:
            problems.append(
                _("%(where)s: “level” must be a whole number of 1 or more.") % {"where": where}
            )
        else:
            rank["level"] = level
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(_("%(where)s: “name” must be a non-empty text.") % {"where": where})
        elif len(name.strip()) > 60:
            problems.append(_("%(where)s: “name” is longer than 60 characters.") % {"where": where})
        else:
            rank["name"] = name.strip()
        for key in ("min_pv", "min_gv", "max_leg_percent"):
            if key not in raw:
                continue
            number, error = _parse_decimal(raw[key], allow_null=key == "max_leg_percent")
            if error is None and number is not None:
                if number < 0:
                    error = _("cannot be negative")
                elif key == "max_leg_percent" and number > 100:
                    error = _("must be between 0 and 100")
                elif abs(number) >= Decimal("1e14"):
                    error = _("is too large")
            if error:
                problems.append(
                    _("%(where)s: “%(key)s” %(error)s.")
                    % {"where": where, "key": key, "error": error}
                )
            else:
                rank[key] = number
        legs = raw.get("min_qualified_legs")
        if "min_qualified_legs" in raw:
            if isinstance(legs, bool) or not isinstance(legs, int) or legs < 0:
                problems.append(
                    _("%(where)s: “min_qualified_legs” must be a whole number of 0 or more.")
                    % {"where": where}
                )
            else:
                rank["min_qualified_legs"] = legs
        leg_rank = raw.get("leg_rank")
        if leg_rank is not None and not isinstance(leg_rank, str):
            problems.append(
                _("%(where)s: “leg_rank” must be the name of another rank, or null.")
                % {"where": where}
            )
        else:
            rank["leg_rank"] = leg_rank.strip() if isinstance(leg_rank, str) else None
        commission, commission_errors = validate_rank_commission(
            {key: raw[key] for key in RANK_COMMISSION_KEYS if key in raw}
        )
        for key, error in commission_errors:
            problems.append(
                _("%(where)s: “%(key)s” %(error)s.") % {"where": where, "key": key, "error": error}
            )
        rank.update(commission)
        ranks.append(rank)

    names = [r["name"] for r in ranks if "name" in r]
    levels = [r["level"] for r in ranks if "level" in r]
    for value in sorted({n for n in names if names.count(n) > 1}):
        problems.append(_("The name “%(name)s” is used by more than one rank.") % {"name": value})
    for value in sorted({v for v in levels if levels.count(v) > 1}):
        problems.append(_("Level %(level)s is used by more than one rank.") % {"level": value})
    for rank in ranks:
        label = rank.get("name", "?")
        legs = rank.get("min_qualified_legs", 0)
        leg_rank = rank.get("leg_rank")
        if legs > 0 and not leg_rank:
            problems.append(
                _("Rank %(name)s needs a leg rank because it asks for %(legs)s qualified legs.")
                % {"name": label, "legs": legs}
            )
        if leg_rank:
            if leg_rank == rank.get("name"):
                problems.append(
                    _("Rank %(name)s cannot ask for legs with its own rank.") % {"name": label}
                )
            elif leg_rank not in names:
                problems.append(
                    _(
                        "Rank %(name)s asks for legs with “%(leg)s”, which is not a rank of this file."
                    )
                    % {"name": label, "leg": leg_rank}
                )
        if (
            rank.get("min_pv") == 0
            and rank.get("min_gv") == 0
            and "min_qualified_legs" in rank
            and legs == 0
        ):
            problems.append(
                _(
                    "Rank %(name)s asks for nothing: every partner would hold it even without any volume. "
                    "Set a minimum PV or GV above 0, or qualified legs."
                )
                % {"name": label}
            )
    if problems:
        raise ValidationError(problems)
    return ranks, settings


@transaction.atomic
def plan_load(*, data) -> dict[str, int]:
    """Make the stored plan equal to a plan file: ranks matched by level are
    updated, new ones added, missing ones removed. All or nothing. Results of
    closed periods keep their rank snapshots; open periods are recomputed after
    commit. Returns counts {"added", "updated", "removed"}."""
    ranks, settings = _plan_check(data)
    existing = {r.level: r for r in Rank.objects.select_for_update().order_by("pk")}
    wanted = {r["level"] for r in ranks}
    # Free names and leg links first: names may move between levels and removed
    # ranks may still be someone's leg rank.
    Rank.objects.update(leg_rank=None, min_qualified_legs=0)
    removed = [r.pk for level, r in existing.items() if level not in wanted]
    Rank.objects.filter(pk__in=removed).delete()
    for rank in existing.values():
        if rank.level in wanted:
            Rank.objects.filter(pk=rank.pk).update(name=f"\u2063{rank.pk}")
    by_name: dict[str, Rank] = {}
    added = updated = 0
    for spec in sorted(ranks, key=lambda r: r["level"]):
        rank = existing.get(spec["level"])
        if rank is None:
            rank = Rank(level=spec["level"])
            added += 1
        else:
            updated += 1
        rank.name = spec["name"]
        rank.min_pv = spec["min_pv"]
        rank.min_gv = spec["min_gv"]
        rank.max_leg_percent = spec["max_leg_percent"]
        rank.customer_percent = spec["customer_percent"]
        rank.team_percents = [str(p) for p in spec["team_percents"]]
        rank.advancement_bonus = spec["advancement_bonus"]
        rank.min_qualified_legs = 0  # set with its leg rank below (a database check)
        rank.leg_rank = None
        rank.save()
        by_name[rank.name] = rank
    for spec in ranks:
        if spec["leg_rank"] or spec["min_qualified_legs"]:
            Rank.objects.filter(pk=by_name[spec["name"]].pk).update(
                min_qualified_legs=spec["min_qualified_legs"],
                leg_rank=by_name[spec["leg_rank"]] if spec["leg_rank"] else None,
            )
    stored = (
        CommissionSettings.objects.select_for_update().order_by("pk").first()
        or CommissionSettings()
    )
    for key, value in settings.items():
        setattr(stored, key, value)
    stored.save()
    period_recompute_open_on_commit()
    return {"added": added, "updated": updated, "removed": len(removed)}
