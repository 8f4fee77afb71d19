"""Client of the provincial API, and the contract it shares with the reference server."""

from central_api_client.client import (
    Ack,
    ApiError,
    AuthError,
    DeviceAuth,
    ProvincialApiClient,
    RejectedError,
    ServerError,
    ServerUnreachableError,
    UnexpectedResponseError,
)
from central_api_client.records import ReceivedRecord, SealedRecord

__all__ = [
    "Ack",
    "ApiError",
    "AuthError",
    "DeviceAuth",
    "ProvincialApiClient",
    "ReceivedRecord",
    "RejectedError",
    "ServerError",
    "SealedRecord",
    "ServerUnreachableError",
    "UnexpectedResponseError",
]
