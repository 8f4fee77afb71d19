"""The device key and sealed secrets: the Protocols, the errors, the factory choosing by URI
(`tpm:device:/dev/tpmrm0`, `tpm:swtpm:...`, or `file:` under --simulate only)."""

from hardware.tpm.factory import open_key_store, tcti_of
from hardware.tpm.filekeys import DEVICE_KEY_FILE, DEVICE_PUBLIC_KEY_FILE
from hardware.tpm.protocol import (
    ID_HASH_SECRET,
    TPM_PUBLIC_KEY_FILE,
    DeviceKey,
    KeyStore,
    SealedSecrets,
    TpmError,
)

__all__ = [
    "DEVICE_KEY_FILE", "DEVICE_PUBLIC_KEY_FILE", "ID_HASH_SECRET", "DeviceKey", "KeyStore",
    "SealedSecrets", "TPM_PUBLIC_KEY_FILE", "TpmError", "open_key_store", "tcti_of",
]
