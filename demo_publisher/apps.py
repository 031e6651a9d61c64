from django.apps import AppConfig


class DemoPublisherConfig(AppConfig):
    name = "demo_publisher"
    verbose_name = "Demo-uitgever"
