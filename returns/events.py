"""What returns announce to apps above them (notifications).

`return_received` is sent inside the transaction of a receipt, with
sender=Return, ret=<Return> and refund=<orders.Refund> (what that receipt
refunded); a receiver schedules its work with on_commit."""

from django.dispatch import Signal

return_received = Signal()
