from rest_framework.routers import DefaultRouter

from integrations.api.connections import ConnectionViewSet, IntegrationPairViewSet

router = DefaultRouter(trailing_slash=True)
router.register("connections", ConnectionViewSet, basename="api-connection")
router.register("pairs", IntegrationPairViewSet, basename="api-pair")

urlpatterns = router.urls
