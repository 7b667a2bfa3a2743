from django.apps import AppConfig


class TripletexConfig(AppConfig):
    name = "tripletex"
    verbose_name = "Tripletex"

    def ready(self) -> None:
        from hr.integration import integration_register
        from tripletex import dispatch, tasks
        from tripletex.integration import TripletexIntegration

        integration_register(TripletexIntegration())
        # Registered in every process, not only in the worker (where Celery's autodiscovery runs):
        # tripletex.dispatch sends them by name, and an eager run (no broker) runs them in place.
        assert tasks.deliver_company_task.name in dispatch.TASK_NAMES
