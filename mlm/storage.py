"""The S3-compatible store for media, addressed through the site's own /media/."""

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage


class ProxiedMediaStorage(S3Storage):
    """Product images and partner photos in the store, linked as MEDIA_URL + name.

    The reverse proxy answers /media/ from the store (deploy/nginx/mlm.conf.template),
    so the addresses in pages, srcsets and og:image are the site's own, cacheable by
    the proxy, and unchanged when the store moves. Nothing here is private."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        return settings.MEDIA_URL + filepath_to_uri(name).lstrip("/")
