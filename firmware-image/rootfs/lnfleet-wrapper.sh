#!/bin/sh
# /usr/local/bin/lnfleet on the board: the command keepalived's notify hooks and operators call.
exec /usr/bin/node /opt/lnfleet/dist/src/cli/main.js "$@"
