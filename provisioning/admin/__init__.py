"""`kiosk-admin`: what central admins run on their own machines (keys, the TUF repository of
the kiosks' configuration, publishing a bundle); one module per command group."""
