"""Cross-origin access to the API for the front ends a setting names."""

from django.conf import settings
from django.http import HttpResponse

ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Content-Type, Idempotency-Key, Authorization, Accept-Language"


class ApiCorsMiddleware:
    """Adds CORS headers to ``/api/`` responses for origins in AMORCE_API_ALLOWED_ORIGINS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        origin = request.headers.get("Origin")
        allowed = origin and (
            origin in settings.AMORCE_API_ALLOWED_ORIGINS
            or "*" in settings.AMORCE_API_ALLOWED_ORIGINS
        )
        if request.method == "OPTIONS" and request.headers.get(
            "Access-Control-Request-Method"
        ):
            response = HttpResponse(status=204 if allowed else 403)
        else:
            response = self.get_response(request)
        if allowed:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = "3600"
        response["Vary"] = ", ".join(filter(None, [response.get("Vary"), "Origin"]))
        return response
