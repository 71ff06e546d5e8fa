"""Secrets as stored: msgspec JSON bound to its row's key, then encrypted.

Binding the row's key inside the ciphertext means a blob copied onto another
row is refused on read instead of handing one workspace another's tokens.
"""

from __future__ import annotations

import hashlib

import msgspec

from adapters.encryption import FernetTokenCipher
from adapters.persistence.errors import MisplacedSecret
from domain.tokens import TokenSet


class _SealedTokens(msgspec.Struct, frozen=True, kw_only=True):
    workspace_id: str
    tokens: TokenSet


class _SealedVerifier(msgspec.Struct, frozen=True, kw_only=True):
    state_hash: str
    code_verifier: str


def state_hash(state: str) -> str:
    """The key a pending authorization is stored under: never the state itself."""
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


def seal_tokens(cipher: FernetTokenCipher, workspace_id: str, tokens: TokenSet) -> str:
    sealed = _SealedTokens(workspace_id=workspace_id, tokens=tokens)
    return cipher.encrypt(msgspec.json.encode(sealed).decode("utf-8"))


def open_tokens(cipher: FernetTokenCipher, workspace_id: str, blob: str) -> TokenSet:
    sealed = msgspec.json.decode(cipher.decrypt(blob), type=_SealedTokens)
    if sealed.workspace_id != workspace_id:
        raise MisplacedSecret("stored tokens were sealed for another workspace")
    return sealed.tokens


def seal_verifier(cipher: FernetTokenCipher, key: str, code_verifier: str) -> str:
    sealed = _SealedVerifier(state_hash=key, code_verifier=code_verifier)
    return cipher.encrypt(msgspec.json.encode(sealed).decode("utf-8"))


def open_verifier(cipher: FernetTokenCipher, key: str, blob: str) -> str:
    sealed = msgspec.json.decode(cipher.decrypt(blob), type=_SealedVerifier)
    if sealed.state_hash != key:
        raise MisplacedSecret("stored verifier was sealed for another state")
    return sealed.code_verifier
