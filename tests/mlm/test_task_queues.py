"""The worker's two queues: documents (an invoice e-mail's PDF, a data export) apart
from the quick tasks (volume, webhooks), so a burst of documents never holds a paid
order's volume back; a worker started without -Q takes both."""

from invoices.tasks import invoice_mail_send
from mlm.celery import app
from privacy.tasks import export_build
from qualification.tasks import apply_pending_volume
from webhooks.tasks import deliver_webhook


def queue_of(task) -> str:
    return app.amqp.router.route({}, task.name)["queue"].name


def test_documents_go_to_their_own_queue_and_quick_tasks_to_the_default():
    assert queue_of(invoice_mail_send) == queue_of(export_build) == "documents"
    assert queue_of(apply_pending_volume) == queue_of(deliver_webhook) == "celery"


def test_a_worker_without_queue_options_takes_both_one_task_at_a_time():
    assert set(app.amqp.queues) == {"celery", "documents"}
    assert app.conf.worker_prefetch_multiplier == 1
    # one routing key each: a task published to one queue is never delivered to the other too
    keys = [queue.routing_key for queue in app.amqp.queues.values()]
    assert sorted(keys) == ["celery", "documents"]
