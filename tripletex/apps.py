from django.apps import AppConfig


class TripletexConfig(AppConfig):
    name = "tripletex"
    verbose_name = "Tripletex"
