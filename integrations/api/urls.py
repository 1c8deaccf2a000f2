from rest_framework.routers import DefaultRouter

from integrations.api.connections import ConnectionViewSet, IntegrationPairViewSet
from integrations.api.flows import FlowViewSet, SyncRunViewSet

router = DefaultRouter(trailing_slash=True)
router.register("connections", ConnectionViewSet, basename="api-connection")
router.register("pairs", IntegrationPairViewSet, basename="api-pair")
router.register("flows", FlowViewSet, basename="api-flow")
router.register("sync-runs", SyncRunViewSet, basename="api-sync-run")

urlpatterns = router.urls
