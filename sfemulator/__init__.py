"""A Salesforce emulator for crmbridge's tests: OAuth login hosts and REST instances."""

from sfemulator.consent import ConsentError
from sfemulator.server import EmulatorServer
from sfemulator.world import EmulatorError, World

__all__ = ["ConsentError", "EmulatorError", "EmulatorServer", "World"]
