"""A subset of SOQL: parse, check against the schema, filter, sort and render."""

from sfemulator.soql.engine import Plan
from sfemulator.soql.errors import SoqlError
from sfemulator.soql.parser import parse

__all__ = ["Plan", "SoqlError", "parse"]
