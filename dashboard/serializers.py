"""API shapes. Volumes and money are decimals rendered as strings."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def volume():
    return serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True)


class PartnerRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField(source="full_name")


class MeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField(source="full_name")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    landing_url = serializers.URLField()
    invite_url = serializers.URLField()
    status = serializers.CharField()
    sponsor = PartnerRefSerializer(allow_null=True)


class RankRefSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    name = serializers.CharField(
        help_text="The rank's name as the plan gives it, the same in every language."
    )


class RequirementSerializer(serializers.Serializer):
    key = serializers.ChoiceField(
        choices=[
            ("pv", "personal volume"),
            ("qgv", "group volume counted for the rank (legs capped)"),
            ("legs", "qualified legs (a count)"),
        ]
    )
    have = volume()
    need = volume()
    missing = volume()
    met = serializers.BooleanField()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data["key"] == "legs":  # a count of legs: "1", not "1.00"
            for name in ("have", "need", "missing"):
                data[name] = str(int(instance[name]))
        return data


class NextRankSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    name = serializers.CharField()
    requirements = RequirementSerializer(many=True)


class QualificationSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM")
    period_status = serializers.CharField()
    days_left = serializers.IntegerField()
    pv = volume()
    customer_pv = volume()
    own_pv = volume()
    gv = volume()
    paid_as_rank = RankRefSerializer(allow_null=True)
    title_rank = RankRefSerializer(allow_null=True)
    next_rank = NextRankSerializer(allow_null=True)


class TeamMemberSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField(source="full_name")
    level = serializers.IntegerField(help_text="1 = your direct partners")
    sponsor_slug = serializers.CharField(source="sponsor.slug", allow_null=True)
    status = serializers.CharField()
    joined_at = serializers.DateTimeField()
    pv = volume()
    gv = volume()
    paid_as_rank = serializers.SerializerMethodField()

    @extend_schema_field(RankRefSerializer(allow_null=True))
    def get_paid_as_rank(self, obj):
        if not obj.paid_as_level:
            return None
        return {"level": obj.paid_as_level, "name": obj.paid_as_name}


class OrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    attribution = serializers.CharField()
    placed_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    qv = volume()
