"""`kiosk-admin`: the central admins' command, its groups (keys, repo, config) and `fleet`."""

from __future__ import annotations

import os

import click

from provisioning.admin.fleet import fleet
from provisioning.admin.keys import keys
from provisioning.admin.publish import config
from provisioning.admin.repo_cli import repo
from provisioning.admin.staff_cli import staff, staff_ca


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Central admins: signing keys, the configuration repository, publishing bundles, and
    the fleet's heartbeats, the staff CA and staff cards."""
    os.umask(0o022)  # the repository's metadata is served: readable; private keys set 0600


cli.add_command(keys)
cli.add_command(repo)
cli.add_command(config)
cli.add_command(fleet)
cli.add_command(staff_ca)
cli.add_command(staff)

if __name__ == "__main__":
    cli()
