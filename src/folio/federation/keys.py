"""Each local actor's RSA key pair, made the first time it is needed.

The private key is stored encrypted with Fernet; the Fernet key is derived from
``FEDERATION_KEY_SECRET`` (or ``SECRET_KEY``), and the old secrets after a rotation still
decrypt (MultiFernet), so rotating the site's secret does not orphan every actor's key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from folio.federation.models import ActorKey

KEY_BITS = 2048


def fernet_for(secrets: Sequence[str]) -> MultiFernet:
    """A MultiFernet that encrypts with the first secret and decrypts with any."""
    if not secrets:
        raise ValueError("no secret to derive the key-encryption key from")
    return MultiFernet([Fernet(_derive(secret)) for secret in secrets])


def _derive(secret: str) -> bytes:
    digest = hmac.new(secret.encode(), b"folio.federation.keys", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest)


def generate_pair() -> tuple[str, rsa.RSAPrivateKey]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return public_pem, private


def private_pem(private: rsa.RSAPrivateKey) -> bytes:
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def ensure_key(session: Session, user_id: int, fernet: MultiFernet) -> ActorKey:
    """The actor's key pair, made (and flushed) now if it has none yet."""
    key = session.get(ActorKey, user_id)
    if key is not None:
        return key
    public_pem, private = generate_pair()
    made = ActorKey(
        user_id=user_id,
        public_pem=public_pem,
        private_encrypted=fernet.encrypt(private_pem(private)).decode(),
    )
    try:
        with session.begin_nested():
            session.add(made)
    except IntegrityError:
        # Another request made this actor's key at the same moment: use that one.
        found = session.get(ActorKey, user_id)
        if found is None:
            raise
        return found
    return made


def load_private(key: ActorKey, fernet: MultiFernet) -> rsa.RSAPrivateKey:
    loaded = serialization.load_pem_private_key(
        fernet.decrypt(key.private_encrypted.encode()), password=None
    )
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError("not an RSA key")
    return loaded
