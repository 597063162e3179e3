from celery import shared_task

from .jobs import jobs_resume_stalled, run_chunk


@shared_task(acks_late=True, name="core.job_run_chunk")
def job_run_chunk(job_id: int, first_seq: int, last_seq: int) -> dict:
    """Thin: process one chunk of a job (idempotent: items are claimed with a lease)."""
    from apps.supersim.errors import SuperSimError

    try:
        return run_chunk(job_id=job_id, first_seq=first_seq, last_seq=last_seq)
    except SuperSimError as exc:
        if getattr(exc, "retryable", False):
            raise job_run_chunk.retry(exc=exc, countdown=30, max_retries=10) from exc
        raise


@shared_task(acks_late=True, name="core.jobs_resume_stalled")
def jobs_resume_stalled_task() -> list[int]:
    return jobs_resume_stalled()
