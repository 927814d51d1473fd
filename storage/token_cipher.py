"""Slack tokens encrypted at rest, under Fernet keys that can be rotated.

`ACCORD_ENCRYPTION_KEY` holds one or more Fernet keys, comma-separated, newest first. Tokens are encrypted with
the newest and decrypted with whichever one encrypted them, so rotating the key is: put the new key first,
run `rekey`, then drop the old key.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlmodel import select

from storage.database import Database
from storage.tables import InstallationRow


class UnknownTokenKey(ValueError):
    """A stored token was encrypted with a key the configured keys no longer include."""


class TokenCipher:
    """Encrypts with the newest key, decrypts with any. Neither keys nor tokens appear in its repr or errors."""

    def __init__(self, keys: str) -> None:
        texts = [key.strip() for key in keys.split(",") if key.strip()]
        if not texts:
            raise ValueError("ACCORD_ENCRYPTION_KEY holds no key")
        try:
            fernets = [Fernet(text) for text in texts]
        except ValueError:
            # Fernet's own message does not quote the key, but the chained error's arguments might: drop it.
            raise ValueError(
                "ACCORD_ENCRYPTION_KEY must be Fernet keys, comma-separated, newest first "
                "(make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')"
            ) from None
        self._fernet = MultiFernet(fernets)
        self._keys = len(fernets)

    def __repr__(self) -> str:
        return f"TokenCipher({self._keys} key{'s' if self._keys > 1 else ''})"

    def encrypt(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode()

    def decrypt(self, stored: str) -> str:
        try:
            return self._fernet.decrypt(stored.encode()).decode()
        except InvalidToken:
            raise UnknownTokenKey("a stored token was encrypted with a key ACCORD_ENCRYPTION_KEY lacks") from None

    def rekeyed(self, stored: str) -> str:
        """The same token, encrypted again with the newest key."""
        try:
            return self._fernet.rotate(stored.encode()).decode()
        except InvalidToken:
            raise UnknownTokenKey("a stored token was encrypted with a key ACCORD_ENCRYPTION_KEY lacks") from None


def rekey(database: Database, cipher: TokenCipher) -> int:
    """Encrypt every stored token again with the cipher's newest key; the number of installations rewritten.

    One transaction with the rows locked, so that a token refreshed meanwhile is neither lost nor left under the
    old key; if any token cannot be read with the given keys, nothing changes.
    """
    with database.sessions() as session:
        rows = session.exec(select(InstallationRow).with_for_update()).all()
        for row in rows:
            row.bot_token = cipher.rekeyed(row.bot_token)
            if row.bot_refresh_token is not None:
                row.bot_refresh_token = cipher.rekeyed(row.bot_refresh_token)
            session.add(row)
        session.commit()
        return len(rows)
