from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "apps.search"
    label = "search"

    def ready(self):
        # every installed app's ``search.py`` registers its providers (apps/sims/search.py ...)
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("search")
