"""The procurement case: the aggregate and the value objects of its parts."""

from domain.procurement.aggregate import Procurement

__all__ = ["Procurement"]
