from rest_framework.routers import DefaultRouter

from mappings.api.views import MappingSetViewSet

router = DefaultRouter(trailing_slash=True)
router.register("mapping-sets", MappingSetViewSet, basename="mapping-set")

urlpatterns = router.urls
