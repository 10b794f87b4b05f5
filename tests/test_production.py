"""The production path: deploy checks, object storage, headers, health check."""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from unittest import mock

import pytest
from bs4 import BeautifulSoup
from csp.constants import NONE
from csp.decorators import csp, csp_update
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from core.security import ContentSecurityPolicyMiddleware

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "amorce.settings.production",
    "SECRET_KEY": "k8Jq2v7Lw4Zr9Tn1Xc6Bm3Hs5Pd0Yf8Ga2Ue7Ri4Oo1Ll9Kk3Jj",
    "ALLOWED_HOSTS": "candidatures.example.org",
    "AMORCE_CLAMD": "unix:///run/clamav/clamd.ctl",
    "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'site'}",
}
S3_ENV = {
    "AWS_STORAGE_BUCKET_NAME": "amorce-medias",
    "AWS_PRIVATE_STORAGE_BUCKET_NAME": "amorce-prive",
    "AWS_S3_REGION_NAME": "eu-west-3",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


def run_with_production_settings(args, **env):
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "DJANGO_", "REDIS_"))
        and key
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "AMORCE_ANTIVIRUS",
            "AMORCE_CLAMD",
        }
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args],
        env={**base, **PRODUCTION_ENV, **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


# --- manage.py check --deploy ------------------------------------------------


@pytest.mark.parametrize(
    "extra_env", [{}, S3_ENV], ids=["local-disk", "object-storage"]
)
def test_check_deploy_is_clean_with_production_settings(extra_env):
    """No warning nor error from Django's deployment checklist."""
    result = run_with_production_settings(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **extra_env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_settings_serve_static_files_with_whitenoise():
    script = textwrap.dedent(
        """
        import django; django.setup()
        from django.conf import settings
        m = settings.MIDDLEWARE
        assert m.index("whitenoise.middleware.WhiteNoiseMiddleware") == m.index(
            "django.middleware.security.SecurityMiddleware") + 1, m
        assert settings.STORAGES["staticfiles"]["BACKEND"] == (
            "whitenoise.storage.CompressedManifestStaticFilesStorage")
        assert settings.DSFR_USE_INTEGRITY_CHECKSUMS is False
        assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
        assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
        assert settings.SECURE_HSTS_SECONDS >= 31536000
        print("ok")
        """
    )
    result = run_with_production_settings(["-c", script])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_redis_url_gives_a_shared_redis_cache():
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])"
    )
    result = run_with_production_settings(
        ["-c", script], REDIS_URL="redis://cache.internal:6379/1"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache.internal:6379/1",
    ]


# --- Object storage ----------------------------------------------------------

S3_SCRIPT = """
import django
from moto import mock_aws

with mock_aws():
    django.setup()
    import boto3
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    s3 = boto3.client("s3", region_name="eu-west-3")
    for bucket in ("amorce-medias", "amorce-prive"):
        s3.create_bucket(
            Bucket=bucket,
            CreateBucketConfiguration={"LocationConstraint": "eu-west-3"},
        )

    private = storages["private"]
    name = private.save("candidatures/2026/piece.pdf", ContentFile(b"%PDF-1.4 secret"))
    acl = s3.get_object_acl(Bucket="amorce-prive", Key=name)
    print("private-grants", sorted(g["Grantee"].get("URI", "owner") for g in acl["Grants"]))
    print("private-read", private.open(name).read() == b"%PDF-1.4 secret")
    print("private-url", private.url(name))
    head = s3.head_object(Bucket="amorce-prive", Key=name)
    print("private-cache", head["CacheControl"])

    public = storages["default"]
    image = public.save("original_images/photo.png", ContentFile(b"png"))
    acl = s3.get_object_acl(Bucket="amorce-medias", Key="media/" + image)
    print("public-grants", sorted(g["Grantee"].get("URI", "owner") for g in acl["Grants"]))
    print("public-url", public.url(image))
"""


def test_uploads_go_to_object_storage_private_files_stay_private():
    """Attachments: private ACL, readable by the app, any URL signed and short-lived."""
    result = run_with_production_settings(["-c", S3_SCRIPT], **S3_ENV)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["private-grants"] == "['owner']"
    assert lines["private-read"] == "True"
    assert "X-Amz-Signature=" in lines["private-url"]
    assert "X-Amz-Expires=60" in lines["private-url"]
    assert lines["private-cache"] == "private, no-store"
    assert "http://acs.amazonaws.com/groups/global/AllUsers" in lines["public-grants"]
    assert "X-Amz-Signature" not in lines["public-url"]
    assert "/media/original_images/photo" in lines["public-url"]


# --- Content security policy -------------------------------------------------


def policy_of(response):
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:]
        for part in (p.strip() for p in header.split(";"))
        if part
    }


def assert_strict_public_page(response):
    """Scripts only from us or with this response's nonce; no inline style."""
    assert response.status_code in (200, 404)
    policy = policy_of(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    nonces = [s for s in policy["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    soup = BeautifulSoup(response.content, "html.parser")
    for script in soup.find_all("script"):
        kind = (script.get("type") or "text/javascript").lower()
        if script.get("src") or kind not in ("text/javascript", "module"):
            continue  # external, or data (JSON, JSON-LD): not run, not checked
        assert script.get("nonce") == nonce, (
            f"inline script without the nonce: {script}"
        )
    styled = [str(tag)[:120] for tag in soup.find_all(style=True)]
    assert not styled, f"style attributes the policy blocks: {styled}"
    assert not soup.find_all("style"), "a <style> element the policy blocks"
    assert not re.search(r"\son[a-z]+=", response.content.decode()), (
        "inline event handler"
    )
    return nonce


def test_public_pages_are_served_under_a_strict_policy(
    client, home, programme, call, faq, form_page, article
):
    """Every public page family works without 'unsafe-inline'."""
    for url in [
        home.url,
        programme.url,
        call.url,
        faq.url,
        form_page.url,
        article.url,
        "/donnees-personnelles/",
        "/page-qui-n-existe-pas/",
    ]:
        response = client.get(url)
        assert_strict_public_page(response)


def test_the_dsfr_script_carries_the_nonce(client, home):
    response = client.get(home.url)
    nonce = assert_strict_public_page(response)
    soup = BeautifulSoup(response.content, "html.parser")
    dsfr = [s for s in soup.find_all("script") if "dsfr" in (s.get("src") or "")]
    if dsfr:  # the neutral theme has no DSFR script
        assert all(s.get("nonce") == nonce for s in dsfr)


def test_each_response_has_its_own_nonce(client, home):
    first = policy_of(client.get(home.url))["script-src"]
    second = policy_of(client.get(home.url))["script-src"]
    assert first != second


def test_the_admin_has_its_own_looser_policy(admin_client):
    """Wagtail's admin keeps inline scripts and styles, can frame its own previews."""
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    policy = policy_of(response)
    assert "'unsafe-inline'" in policy["script-src"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert "Permissions-Policy" in response


def test_the_login_page_is_under_the_admin_policy(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "'unsafe-inline'" in policy_of(response)["script-src"]


def test_a_preview_keeps_the_public_policy_and_may_be_framed_by_the_admin(home):
    """Wagtail's preview panel frames the page: same strict policy, framed by us only."""
    response = home.make_preview_request()
    assert response.status_code == 200
    policy = policy_of(response)
    assert policy["frame-ancestors"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    soup = BeautifulSoup(response.content, "html.parser")
    nonce = next(s for s in policy["script-src"] if s.startswith("'nonce-"))[7:-1]
    assert all(
        script.get("nonce") == nonce
        for script in soup.find_all("script")
        if not script.get("src") and not script.get("type")
    )


def test_a_response_with_its_own_policy_keeps_it():
    """Served files keep their sandbox policy."""
    response = HttpResponse()
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    middleware = ContentSecurityPolicyMiddleware(lambda request: response)
    result = middleware(RequestFactory().get("/fichier/"))
    assert result["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_view_may_set_or_extend_its_policy_with_django_csp():
    """django-csp's decorators: a policy of the view's own wins, even under the admin;
    an extension keeps the public policy and its nonce."""
    own = csp({"default-src": [NONE], "sandbox": True})(lambda request: HttpResponse())
    middleware = ContentSecurityPolicyMiddleware(own)
    for path in ("/fichier/", "/admin/fichier/"):
        assert policy_of(middleware(RequestFactory().get(path))) == {
            "default-src": ["'none'"],
            "sandbox": [],
        }
    extended = csp_update({"img-src": ["https://tuiles.example.org"]})(
        lambda request: HttpResponse()
    )
    policy = policy_of(
        ContentSecurityPolicyMiddleware(extended)(RequestFactory().get("/"))
    )
    assert "https://tuiles.example.org" in policy["img-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert any(source.startswith("'nonce-") for source in policy["script-src"])


def test_the_nonce_is_there_before_any_template_reads_it():
    """Templates that test it (django-dsfr's ``{% if self.nonce %}``) find it true."""
    seen = []

    def view(request):
        seen.append(bool(request.csp_nonce))
        seen.append(str(request.csp_nonce))
        return HttpResponse()

    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/"))
    assert seen[0] is True
    assert f"'nonce-{seen[1]}'" in policy_of(response)["script-src"]


def test_the_former_setting_name_is_refused_not_ignored(settings):
    """A policy left in AMORCE_CSP would silently not apply: the server does not start."""
    settings.AMORCE_CSP = {"default-src": ["'self'"]}
    with pytest.raises(ImproperlyConfigured, match="CONTENT_SECURITY_POLICY"):
        ContentSecurityPolicyMiddleware(lambda request: HttpResponse())


def test_the_api_docs_come_from_our_own_static_files(client, db):
    """No CDN: the Swagger UI is served locally, without inline script."""
    response = client.get("/api/v3/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "cdn.jsdelivr.net" not in body
    assert_strict_public_page(response)


def test_remote_media_origin_is_allowed_for_images():
    storage = mock.Mock()
    storage.url.return_value = "https://amorce-medias.s3.example.net/media/csp"
    with mock.patch.dict("core.security.storages._storages", {"default": storage}):
        middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())
        response = middleware(RequestFactory().get("/"))
    policy = policy_of(response)
    assert "https://amorce-medias.s3.example.net" in policy["img-src"]
    assert "https://amorce-medias.s3.example.net" not in policy["script-src"]


# --- Health check ------------------------------------------------------------


def test_health_answers_json_for_any_host_without_redirect(client, db, settings):
    """A load balancer probes over HTTP by internal address: 200 JSON, no 301 nor 400."""
    settings.ALLOWED_HOSTS = ["candidatures.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/sante/", HTTP_HOST="10.0.3.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    # Everything else still redirects to HTTPS and checks the host.
    assert client.get("/", HTTP_HOST="candidatures.example.org").status_code == 301
    assert client.get("/", HTTP_HOST="10.0.3.7:8000").status_code == 400


def test_health_says_503_when_the_database_does_not_answer(client, db):
    with mock.patch(
        "core.security.connection.cursor", side_effect=OperationalError("down")
    ):
        response = client.get("/sante/")
    assert response.status_code == 503
    assert response.json() == {"status": "error"}
