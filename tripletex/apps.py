from django.apps import AppConfig


class TripletexConfig(AppConfig):
    name = "tripletex"
    verbose_name = "Tripletex"

    def ready(self) -> None:
        from hr.integration import integration_register
        from tripletex.integration import TripletexIntegration

        integration_register(TripletexIntegration())
