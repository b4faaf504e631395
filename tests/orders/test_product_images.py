"""Product images: what an admin sees when uploading, and what the pages get."""

import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from orders.images import variant_name
from orders.models import Product


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def picture(width, height, fmt="PNG", name="photo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (180, 120, 90)).save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def post_product(admin_client, image, **extra):
    data = {
        "name": "Rosenwasser",
        "sku": "",
        "description": "",
        "price": "19.90",
        "tax_class": "standard",
        "qv": "16",
        "cv": "",
        "is_active": "on",
        "sort_order": "0",
        "image": image,
        **extra,
    }
    return admin_client.post("/admin/orders/product/add/", data, follow=False)


@pytest.fixture
def admin_client(client, db, django_user_model):
    admin = django_user_model.objects.create_superuser(
        email="admin@example.org", password="Admin-Test-2026"
    )
    client.force_login(admin)
    return client


def test_uploaded_photo_is_stored_with_webp_copies_in_three_widths(admin_client):
    response = post_product(admin_client, picture(2000, 1500))
    assert response.status_code == 302
    product = Product.objects.get(name="Rosenwasser")
    assert (product.image_width, product.image_height) == (1200, 900)
    assert product.image_widths == [320, 640, 1200]
    for width in (320, 640, 1200):
        name = variant_name(product.image.name, width)
        with default_storage.open(name, "rb") as fh, Image.open(fh) as copy:
            assert copy.format == "WEBP"
            assert copy.size[0] == width
    assert "-320w.webp 320w" in product.image_srcset
    assert product.image_src.endswith("-640w.webp")


def test_a_small_photo_gets_no_copy_larger_than_itself(admin_client):
    post_product(admin_client, picture(500, 500))
    assert Product.objects.get().image_widths == [320, 500]


def test_a_renamed_text_file_is_refused_with_what_to_upload(admin_client):
    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    response = post_product(admin_client, fake)
    assert response.status_code == 200
    assert not Product.objects.exists()
    assert "Please upload a JPEG, PNG or WebP image." in response.content.decode()


def test_a_tiny_photo_is_refused_with_its_size_and_the_minimum(admin_client):
    response = post_product(admin_client, picture(200, 150))
    assert not Product.objects.exists()
    text = response.content.decode()
    assert "only 200 × 150 pixels" in text
    assert "at least 320 × 320 pixels" in text


def test_a_file_over_15_mb_is_refused(admin_client, monkeypatch):
    upload = picture(400, 400)
    upload.size = 16 * 1024 * 1024
    from orders import images

    with pytest.raises(images.ValidationError, match="at most 15 MB"):
        images.image_prepare_for_web(upload)


def test_replacing_the_photo_deletes_the_old_copies(admin_client):
    post_product(admin_client, picture(800, 800, name="first.png"))
    product = Product.objects.get()
    old = variant_name(product.image.name, 320)
    assert default_storage.exists(old)
    admin_client.post(
        f"/admin/orders/product/{product.pk}/change/",
        {
            "name": "Rosenwasser",
            "price": "19.90",
            "tax_class": "standard",
            "qv": "16",
            "cv": "16.72",
            "is_active": "on",
            "sort_order": "0",
            "image": picture(900, 900, name="second.png"),
        },
    )
    product.refresh_from_db()
    assert "second" in product.image.name
    assert not default_storage.exists(old)
    assert default_storage.exists(variant_name(product.image.name, 320))


def test_pages_draw_the_picture_responsive_with_its_size(admin_client, client):
    post_product(admin_client, picture(1600, 1600))
    product = Product.objects.get()
    client.logout()
    for url in ("/shop/", f"/shop/p/{product.pk}/"):
        html = client.get(url).content.decode()
        assert 'srcset="' in html and "-1200w.webp 1200w" in html
        assert 'width="1200" height="1200"' in html
        assert "sizes=" in html
    assert 'loading="lazy"' in client.get("/shop/").content.decode()


def test_a_product_without_picture_shows_a_drawn_placeholder(db, client):
    Product.objects.create(name="Seife", price=Decimal("5.00"))
    html = client.get("/shop/").content.decode()
    assert "product-image--empty" in html
