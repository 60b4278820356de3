"""Doctest collection: every public class's examples run once, under the name users type.

A public class reports ``plexodose`` as its module, so the doctest finder takes its docstring
from the façade, and only once the façade has loaded it: every public name is loaded first. Its
methods' globals are still those of the private module that defines them, which the finder would
take as "defined elsewhere"; a method of a public class counts as the façade's own.
"""

import doctest
import inspect
from typing import Any

import plexodose

for _name in plexodose.__all__:
    getattr(plexodose, _name)

_from_module = doctest.DocTestFinder._from_module


def _public_method(module: Any, value: Any) -> bool:
    if getattr(module, "__name__", None) != "plexodose" or not inspect.isfunction(value):
        return False
    owner = plexodose._PUBLIC.get(value.__qualname__.split(".")[0], "")
    return "." in value.__qualname__ and owner.partition(":")[0] == value.__module__


def _from_module_or_public(self: doctest.DocTestFinder, module: Any, value: Any) -> bool:
    return _from_module(self, module, value) or _public_method(module, value)


doctest.DocTestFinder._from_module = _from_module_or_public  # type: ignore[method-assign]
