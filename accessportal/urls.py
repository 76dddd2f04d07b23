from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from two_factor.urls import urlpatterns as two_factor_urls

from accessportal.api import TokenRequestThrottle
from accessportal.api_token_views import ApiTokenRevokeView, ApiTokenView
from accessportal.health import healthz, healthz_live
from accessportal.second_factor import AccountSecurityView, SecondFactorDisableView
from accessportal.stored_files import stored_file
from recognition.kiosks.views import kiosk_page, kiosk_pair_page
from recognition.status.views import dashboard

admin.site.site_header = "AccessPortal"
admin.site.site_title = "AccessPortal"
admin.site.index_title = _("Administration")


@csrf_exempt  # it changes nothing; without this a PUT to a bad path would get an HTML 403
def api_not_found(request: HttpRequest, rest: str) -> JsonResponse:
    """Unmatched API paths answer in JSON, as the rest of the API does, not Django's HTML."""
    return JsonResponse({"detail": "Not found."}, status=404)


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico whatever the page says (static() only once it is asked:
    the manifest exists after collectstatic)."""
    return HttpResponseRedirect(static("accessportal/favicon.svg"))


urlpatterns = [
    path("", dashboard, name="home"),
    path("admin/", admin.site.urls),
    # Sign-in with a second factor: /account/login/, /account/two_factor/ (set up, backup codes).
    path("account/two_factor/", AccountSecurityView.as_view(), name="account-security"),
    path("account/two_factor/disable/", SecondFactorDisableView.as_view()),
    path("", include(two_factor_urls)),
    path("account/passkeys/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the header's language menu
    # The pages' scripts' words (static/*/*.js call gettext), from locale/<lang>/djangojs.po.
    path(
        "jsi18n/",
        # With the admin's own words: its widgets' scripts read the same global catalogue.
        JavaScriptCatalog.as_view(packages=["django.contrib.admin"]),
        name="javascript-catalog",
    ),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("files/<path:name>", stored_file, name="stored-file"),
    path("healthz/live", healthz_live, name="healthz-live"),
    path("api/", include("people.api.urls")),
    path("api/", include("gates.api.urls")),
    path("api/", include("recognition.api.urls")),
    path(
        "api/auth/token/",
        ApiTokenView.as_view(throttle_classes=[TokenRequestThrottle]),
        name="api-token",
    ),
    path("api/auth/token/revoke/", ApiTokenRevokeView.as_view(), name="api-token-revoke"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("people/", include("people.urls")),
    path("gates/", include("gates.urls")),
    path("recognition/", include("recognition.urls")),
    path("kiosk/", kiosk_page, name="kiosk"),
    path("kiosk/pair/", kiosk_pair_page, name="kiosk-pair"),
]

handler403 = "accessportal.error_pages.permission_denied"
handler404 = "accessportal.error_pages.page_not_found"
