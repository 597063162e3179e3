from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _sims_changed(sender, **kwargs) -> None:
    from apps.core.cache import data_changed

    from .selectors import SIMS_DATA

    data_changed(SIMS_DATA)


class SimsConfig(AppConfig):
    name = "apps.sims"
    label = "sims"

    def ready(self) -> None:
        from .models import Sim

        # saves outside apps.sims.services (factories, the Django admin) also invalidate the cached counts
        post_save.connect(_sims_changed, sender=Sim, dispatch_uid="sims-data-changed")
        post_delete.connect(_sims_changed, sender=Sim, dispatch_uid="sims-data-changed-delete")
