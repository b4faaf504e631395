"""Admin of the orders app, one subject per module: products, orders,
customers (with the partner-code benefit), api_keys (the intake API's keys);
base.py holds what they share. Every change of an order or a binding goes
through orders.services; errors are reported per order. Importing the modules
registers their pages.
"""

from .api_keys import CompanyApiKeyAddForm, CompanyApiKeyAdmin
from .base import PartnerChoiceForm, ReadOnlyInline, partner_choice_action
from .customers import BindingChangeInline, CustomerAdmin, PartnerCodeBenefitAdmin
from .orders import (
    LATE_PAYMENT_FIELDS,
    AttributionChangeInline,
    NeedsAttentionFilter,
    OrderAdmin,
    OrderLineInline,
    OrderTransitionInline,
    PartialRefundForm,
    RefundInline,
)
from .products import ProductAdmin, ProductAdminForm

__all__ = [
    "AttributionChangeInline",
    "BindingChangeInline",
    "CompanyApiKeyAddForm",
    "CompanyApiKeyAdmin",
    "CustomerAdmin",
    "LATE_PAYMENT_FIELDS",
    "NeedsAttentionFilter",
    "OrderAdmin",
    "OrderLineInline",
    "OrderTransitionInline",
    "PartialRefundForm",
    "PartnerChoiceForm",
    "PartnerCodeBenefitAdmin",
    "ProductAdmin",
    "ProductAdminForm",
    "ReadOnlyInline",
    "RefundInline",
    "partner_choice_action",
]
