from dataclasses import dataclass


@dataclass
class Item:
    sku: str
    name: str
    stock: int
    reorder_level: int


def needs_reorder(item: Item) -> bool:
    """Whether the stock has fallen to the reorder level."""
    return item.stock <= item.reorder_level


def reorder_list(items: list[Item]) -> list[str]:
    """The SKUs of the items to reorder, sorted."""
    
