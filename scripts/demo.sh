#!/usr/bin/env bash
# A short walkthrough of fido against the local server `make demo` started.
# Needs FIDO (the binary) and MONGO_URI.
set -euo pipefail
: "${FIDO:?set FIDO to the fido binary}" "${MONGO_URI:?set MONGO_URI}"
export MONGO_DB_NAME=fido_demo FIDO_TIMEOUT=5
here=$(cd "$(dirname "$0")" && pwd)

# SMS goes to the local Twilio double (scripts/twilio_double.py), never to Twilio:
# it checks each request as the real API would and stores the message.
sid=AC00000000000000000000000000000000
token=demo-token-not-a-secret
fifo=$(mktemp -u)
mkfifo "$fifo"
python3 "$here/twilio_double.py" --port 0 --account-sid "$sid" --auth-token "$token" <"$fifo" >"$fifo.out" &
exec 9>"$fifo"  # the double lives until this script closes its stdin
trap 'exec 9>&-; rm -f "$fifo" "$fifo.out"' EXIT
for _ in $(seq 1 50); do grep -q PORT "$fifo.out" 2>/dev/null && break; sleep 0.1; done
export TWILIO_ACCOUNT_SID=$sid TWILIO_FROM=+15005550006
export TWILIO_API_BASE="http://127.0.0.1:$(awk '/PORT/ {print $2}' "$fifo.out")"
# The token comes from a file, as a deployment's env file would hold it.
envfile=$(mktemp)
printf 'TWILIO_AUTH_TOKEN=%s\n' "$token" >"$envfile"
export FIDO_ENV_FILE=$envfile

step() {
  printf '\n\033[1m$ fido %s\033[0m\n' "$*"
  "$FIDO" "$@"
}

echo "fido demo against $MONGO_URI (database $MONGO_DB_NAME)"
step db init -o table
step user create --name "Ama Mensah" --email ama@example.com --phone +233241234567 --balance 1100 -o table
step user create --name "Kofi Boateng" --email kofi@example.com --balance 250.50 -o table
printf '\n\033[1m$ printf "%%s" "********" | fido user create --name "Esi Owusu" --email esi@example.com --password-stdin\033[0m\n'
printf '%s' "demo-password-1" | "$FIDO" user create --name "Esi Owusu" --email esi@example.com --password-stdin -o table
step user list -o table
step user get ama@example.com -o json
step txn add --user ama@example.com --amount 21 --type credit --date 2023-08-18T15:30:00Z -o table
step txn add --user ama@example.com --amount 60 --type debit --date 2023-08-18T17:00:00Z --key demo-1 -o table
step txn add --user ama@example.com --amount 60 --type debit --date 2023-08-18T17:00:00Z --key demo-1 -q
step txn add --user ama@example.com --amount 150 --type credit --date 2023-08-20 -q
step txn list --user ama@example.com -o table
step analytics ama@example.com -o json
step analytics ama@example.com --since 2023-08-19 -o table
step user update kofi@example.com --name "Kofi A. Boateng" --phone +233201234567 -o table
step user list -o csv
step sms list -o table
step doctor -o table
step db check -o table
echo "(no output: no drift)"
echo
echo "Messages the Twilio double received:"
python3 -c 'import json, sys, urllib.request
for m in json.load(urllib.request.urlopen(sys.argv[1] + "/_double/messages")): print(" ", m["to"], m["body"])' "$TWILIO_API_BASE"
echo
echo "\$ fido user delete kofi@example.com --yes"
"$FIDO" user delete kofi@example.com --yes -o table
printf '\n$ fido user delete ama@example.com --yes   # has transactions: exit 4\n'
set +e
"$FIDO" user delete ama@example.com --yes
echo "exit status $?"
set -e
step user delete ama@example.com --cascade --yes -q
step user list -o table
cat <<EOF

Done; the demo's own server stops now. To keep going:

  make server        # a local SecantusDB that stays up, on 127.0.0.1:27017 (fido's default)
  make install PREFIX=\$HOME/.local   # fido in ~/.local/bin; or run it where it is: $FIDO
  fido user create --name "Ama Mensah" --email ama@example.com --phone +233241234567
  fido txn add --user ama@example.com --amount 21.50 --type credit
  fido user list
  make server-stop   # stops that server; its data stays for the next 'make server'

'fido help' lists every command, 'fido help txn add' explains one.
EOF
