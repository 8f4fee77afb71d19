"""Client of the provincial API, and the contract it shares with the reference server."""

from central_api_client.client import (
    Ack,
    ApiError,
    AuthError,
    DeviceAuth,
    ProvincialApiClient,
    RecordMetadata,
    RejectedError,
    ServerError,
    ServerUnreachableError,
    UnexpectedResponseError,
)

__all__ = [
    "Ack",
    "ApiError",
    "AuthError",
    "DeviceAuth",
    "ProvincialApiClient",
    "RecordMetadata",
    "RejectedError",
    "ServerError",
    "ServerUnreachableError",
    "UnexpectedResponseError",
]
