"""Product images: the WebP copies written and the old ones deleted when an
image is stored, replaced or cleared.
"""

from ..images import image_variants_delete, image_variants_write
from ..models import Product


def product_image_refresh(
    *, product: Product, previous_name: str = "", previous_widths=()
) -> Product:
    """After a product's image was stored, replaced or cleared: write the WebP
    copies of the new image, delete those of the previous one, and record sizes
    and widths on the product (the pages read them, not the files)."""
    if previous_name and previous_name != product.image.name:
        image_variants_delete(master_name=previous_name, widths=previous_widths)
    if product.image:
        width, height, widths = image_variants_write(master_name=product.image.name)
    else:
        width, height, widths = None, None, []
    product.image_width, product.image_height, product.image_widths = width, height, widths
    Product.objects.filter(pk=product.pk).update(
        image_width=width, image_height=height, image_widths=widths
    )
    return product
