"""The contract every program shares (wire types, signing, log lines) and the httpx client of
the provincial API (`central_api_client.client`).

Deliberately empty: importing `central_api_client.logs` from a device adapter or a simulator
must not load httpx and the client (a tenth of a second at every start of every process).
"""
