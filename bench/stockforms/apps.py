from django.apps import AppConfig


class StockFormsConfig(AppConfig):
    """Wagtail's stock form page, installed only for the benchmarks (AMORCE_BENCH=1).

    It has no migrations: ``migrate --run-syncdb`` creates its tables in the
    benchmark's throwaway database.
    """

    name = "bench.stockforms"
    label = "stockforms"
    default_auto_field = "django.db.models.BigAutoField"
