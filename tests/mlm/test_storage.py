"""Media in an S3-compatible store keep the site's own /media/ addresses (the proxy
serves them from the store); private exports are never linked."""

import boto3
import pytest
from django.core.files.base import ContentFile
from moto import mock_aws

from mlm.storage import ProxiedMediaStorage


@pytest.fixture
def bucket(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        boto3.client("s3", region_name="eu-central-1").create_bucket(
            Bucket="shop", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
        )
        yield "shop"


def test_a_product_image_in_the_store_is_linked_under_the_sites_media_address(bucket):
    storage = ProxiedMediaStorage(bucket_name=bucket, location="media", region_name="eu-central-1")
    name = storage.save("products/seife.jpg", ContentFile(b"\xff\xd8jpeg"))
    assert storage.url(name) == f"/media/{name}"
    assert storage.exists(name)
    keys = [
        o["Key"]
        for o in boto3.client("s3", region_name="eu-central-1").list_objects(Bucket=bucket)[
            "Contents"
        ]
    ]
    assert keys == [f"media/{name}"]  # what the proxy's /media/ location reads
    with storage.open(name, "rb") as fh:
        assert fh.read() == b"\xff\xd8jpeg"
