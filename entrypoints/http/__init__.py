"""The HTTP entrypoint: a Litestar app that drives the use cases."""

from entrypoints.http.app import create_app

__all__ = ["create_app"]
