from PIL import Image
import acmetk.stock as stock
from attr import define


@define
class Item:
    sku: str

    def thumbnail(self):
        return Image.new("RGB", (1, 1)), stock.level(self.sku)
