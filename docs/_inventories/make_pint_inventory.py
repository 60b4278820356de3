"""Write ``pint.inv``, the intersphinx inventory of the pint objects these docs link to.

The build runs offline, so intersphinx cannot download pint's ``objects.inv``, and unlike
Python's (copied from Debian's ``python3.11-doc``, ``/usr/share/doc/python3.11/html/objects.inv``)
no distribution package ships it. The few entries below are the objects of pint's own
``docs/api/base.rst`` that plexodose mentions, at the anchors Sphinx autodoc gives them on
https://pint.readthedocs.io/en/stable/api/base.html. Run it again to add an entry::

    python docs/_inventories/make_pint_inventory.py
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pint

PAGE = "api/base.html#$"  # "$" stands for the object's name (the intersphinx convention)
OBJECTS = {  # name: (domain:role)
    "pint.UnitRegistry": "py:class",
    "pint.Quantity": "py:class",
    "pint.Unit": "py:class",
    "pint.Measurement": "py:class",
    "pint.PintError": "py:exception",
    "pint.DimensionalityError": "py:exception",
    "pint.UndefinedUnitError": "py:exception",
    "pint.get_application_registry": "py:function",
    "pint.set_application_registry": "py:function",
}


def inventory() -> bytes:
    header = (f"# Sphinx inventory version 2\n# Project: pint\n# Version: {pint.__version__}\n"
              "# The remainder of this file is compressed using zlib.\n")
    body = "".join(f"{name} {role} 1 {PAGE} -\n" for name, role in OBJECTS.items())
    return header.encode() + zlib.compress(body.encode())


if __name__ == "__main__":
    target = Path(__file__).with_name("pint.inv")
    target.write_bytes(inventory())
    print(target)
