# fish completion for fido
# Generated from fido's command table by 'fido completion fish'; do not edit.

# The command path is written like "fido/user/create".
function __fido_child -a path word
    switch "$path/$word"
        case 'fido/user' 'fido/user/create' 'fido/user/list' 'fido/user/get' 'fido/user/update' 'fido/user/delete' 'fido/txn' 'fido/txn/add' 'fido/txn/list' 'fido/txn/get' 'fido/txn/update' 'fido/txn/delete' 'fido/txn/import' 'fido/analytics' 'fido/sms' 'fido/sms/list' 'fido/sms/retry' 'fido/sms/sync' 'fido/sms/worker' 'fido/audit' 'fido/audit/list' 'fido/audit/verify' 'fido/db' 'fido/db/init' 'fido/db/check' 'fido/db/migrate-legacy' 'fido/doctor' 'fido/whoami' 'fido/profile' 'fido/profile/list' 'fido/completion' 'fido/help' 'fido/version'
            echo "$path/$word"
    end
end

function __fido_takes_value -a path option
    switch "$path:$option"
        case '*:--uri' '*:--db' '*:-o' '*:--output' '*:--fields' '*:--env-file' '*:--profile' '*:--timeout' 'fido/user/create:--name' 'fido/user/create:--email' 'fido/user/create:--phone' 'fido/user/create:--balance' 'fido/user/create:--currency' 'fido/user/list:--email' 'fido/user/list:--name-contains' 'fido/user/list:--limit' 'fido/user/list:--after' 'fido/user/update:--name' 'fido/user/update:--email' 'fido/user/update:--phone' 'fido/txn/add:--user' 'fido/txn/add:--amount' 'fido/txn/add:--type' 'fido/txn/add:--date' 'fido/txn/add:--key' 'fido/txn/list:--user' 'fido/txn/list:--since' 'fido/txn/list:--until' 'fido/txn/list:--type' 'fido/txn/list:--limit' 'fido/txn/list:--after' 'fido/txn/update:--amount' 'fido/txn/update:--type' 'fido/txn/update:--date' 'fido/txn/import:--format' 'fido/txn/import:--batch-size' 'fido/txn/import:--workers' 'fido/analytics:--since' 'fido/analytics:--until' 'fido/sms/list:--status' 'fido/sms/list:--limit' 'fido/sms/retry:--limit' 'fido/sms/sync:--limit' 'fido/sms/worker:--interval' 'fido/audit/list:--user' 'fido/audit/list:--txn' 'fido/audit/list:--since' 'fido/audit/list:--until' 'fido/audit/list:--limit' 'fido/audit/list:--after' 'fido/audit/verify:--user' 'fido/db/migrate-legacy:--from-db' 'fido/db/migrate-legacy:--currency' 'fido/db/migrate-legacy:--balance-is' 'fido/db/migrate-legacy:--batch-size'
            return 0
    end
    return 1
end

function __fido_value_letters -a path
    switch $path
        case 'fido'
            echo o
        case 'fido/user'
            echo o
        case 'fido/user/create'
            echo o
        case 'fido/user/list'
            echo o
        case 'fido/user/get'
            echo o
        case 'fido/user/update'
            echo o
        case 'fido/user/delete'
            echo o
        case 'fido/txn'
            echo o
        case 'fido/txn/add'
            echo o
        case 'fido/txn/list'
            echo o
        case 'fido/txn/get'
            echo o
        case 'fido/txn/update'
            echo o
        case 'fido/txn/delete'
            echo o
        case 'fido/txn/import'
            echo o
        case 'fido/analytics'
            echo o
        case 'fido/sms'
            echo o
        case 'fido/sms/list'
            echo o
        case 'fido/sms/retry'
            echo o
        case 'fido/sms/sync'
            echo o
        case 'fido/sms/worker'
            echo o
        case 'fido/audit'
            echo o
        case 'fido/audit/list'
            echo o
        case 'fido/audit/verify'
            echo o
        case 'fido/db'
            echo o
        case 'fido/db/init'
            echo o
        case 'fido/db/check'
            echo o
        case 'fido/db/migrate-legacy'
            echo o
        case 'fido/doctor'
            echo o
        case 'fido/whoami'
            echo o
        case 'fido/profile'
            echo o
        case 'fido/profile/list'
            echo o
        case 'fido/completion'
            echo o
        case 'fido/help'
            echo o
        case 'fido/version'
            echo o
    end
end

# Prints the command path, the number of arguments before the cursor
# ("-" when the cursor is on an option's value) and those arguments.
function __fido_state
    set -l words (commandline -opc)
    set -e words[1]
    set -l path fido
    set -l npos 0
    set -l skip 0
    set -l ended 0
    set -l args
    for w in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        if test $ended -eq 0
            switch $w
                case --
                    set ended 1
                    continue
                case '--*=*'
                    continue
                case '--*'
                    if __fido_takes_value $path $w
                        set skip 1
                    end
                    continue
                case '-?*'
                    set -l letters (__fido_value_letters $path)
                    set -l n (string length -- $w)
                    for i in (seq 2 $n)
                        set -l c (string sub -s $i -l 1 -- $w)
                        if test -n "$letters"; and string match -q -- "*$c*" $letters
                            if test $i -eq $n
                                set skip 1
                            end
                            break
                        end
                    end
                    continue
            end
        end
        set -l child (__fido_child $path $w)
        if test -n "$child"
            set path $child
        else
            set npos (math $npos + 1)
            set -a args $w
        end
    end
    if test $skip -eq 1
        set npos -
    end
    echo $path $npos $args
end

# True when the command path typed so far is $argv[1].
function __fido_at
    set -l state (string split ' ' -- (__fido_state))
    test "$state[1]" = "$argv[1]"
end

# True at argument number $argv[2] (from 0) of the command at $argv[1].
function __fido_arg
    set -l state (string split ' ' -- (__fido_state))
    test "$state[1]" = "$argv[1]"; and test "$state[2]" = "$argv[2]"
end

# Field names after what the current comma-separated word already holds.
function __fido_fields
    set -l head (string replace -r -- '[^,]*$' '' (commandline -ct))
    for f in $argv
        echo $head$f
    end
end

# The subcommands of the command path $argv[1], each with its abstract.
function __fido_subcommands -a path
    switch $path
        case 'fido'
            printf '%s\t%s\n' 'user' 'Create, list, show, update and delete users'
            printf '%s\t%s\n' 'txn' 'Record, list, correct and import transactions'
            printf '%s\t%s\n' 'analytics' 'Show a user\'s transaction analytics and credit score'
            printf '%s\t%s\n' 'sms' 'List, resend and track SMS alerts'
            printf '%s\t%s\n' 'audit' 'Show and verify the history of every change'
            printf '%s\t%s\n' 'db' 'Create indexes, check statistics, take over the old service\'s data'
            printf '%s\t%s\n' 'doctor' 'Check the connection, server version, topology, indexes and SMS settings'
            printf '%s\t%s\n' 'whoami' 'Show the profile, server, database and Twilio account in use'
            printf '%s\t%s\n' 'profile' 'List the profiles of the config file'
            printf '%s\t%s\n' 'completion' 'Print a shell completion script'
            printf '%s\t%s\n' 'help' 'Show help for a command'
            printf '%s\t%s\n' 'version' 'Print fido\'s version'
        case 'fido/user'
            printf '%s\t%s\n' 'create' 'Create a user'
            printf '%s\t%s\n' 'list' 'List users in creation order'
            printf '%s\t%s\n' 'get' 'Show one user'
            printf '%s\t%s\n' 'update' 'Change a user\'s name, email, phone or password'
            printf '%s\t%s\n' 'delete' 'Delete a user'
        case 'fido/txn'
            printf '%s\t%s\n' 'add' 'Record a credit or debit and send its SMS alert'
            printf '%s\t%s\n' 'list' 'List a user\'s transactions, newest first'
            printf '%s\t%s\n' 'get' 'Show one transaction with its SMS status'
            printf '%s\t%s\n' 'update' 'Correct a transaction\'s amount, type or date'
            printf '%s\t%s\n' 'delete' 'Delete a transaction and reverse its effect on the balance'
            printf '%s\t%s\n' 'import' 'Import transactions from NDJSON or CSV'
        case 'fido/sms'
            printf '%s\t%s\n' 'list' 'List SMS alerts'
            printf '%s\t%s\n' 'retry' 'Resend pending alerts whose next attempt is due'
            printf '%s\t%s\n' 'sync' 'Record delivery status from Twilio for sent alerts'
            printf '%s\t%s\n' 'worker' 'Send and sync alerts until stopped'
        case 'fido/audit'
            printf '%s\t%s\n' 'list' 'List history entries, newest first'
            printf '%s\t%s\n' 'verify' 'Check every history chain against the records'
        case 'fido/db'
            printf '%s\t%s\n' 'init' 'Create or update the indexes (idempotent)'
            printf '%s\t%s\n' 'check' 'Recompute balances and statistics from transactions'
            printf '%s\t%s\n' 'migrate-legacy' 'Copy the old FastAPI service\'s users and transactions into fido'
        case 'fido/profile'
            printf '%s\t%s\n' 'list' 'List the profiles, marking the active one'
    end
end

# The subcommands of the command path the arguments before the cursor
# name (`fido help txn `: txn's).
function __fido_commands
    set -l state (string split ' ' -- (__fido_state))
    set -e state[1..2]
    set -l path fido
    for w in $state
        set path (__fido_child $path $w)
        test -n "$path"; or return
    end
    __fido_subcommands $path
end

function __fido_emails
    fido --timeout 2 __complete emails -- (commandline -ct) 2>/dev/null
end

complete -c fido -f

# Global options
complete -c fido -l 'uri' -x -d 'MongoDB connection string (mongodb:// or mongodb+srv://)'
complete -c fido -l 'db' -x -d 'Database name'
complete -c fido -s 'o' -l 'output' -x -a 'table json ndjson csv tsv' -d 'Output format; table on a terminal, else tsv'
complete -c fido -s 'q' -l 'quiet' -d 'Print only ids, one per line'
complete -c fido -l 'fields' -x -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'
complete -c fido -l 'no-color' -d 'No ANSI colour (there is never colour when not a terminal)'
complete -c fido -l 'env-file' -r -F -d 'Load KEY=VALUE settings from this file'
complete -c fido -l 'profile' -x -d 'Settings from this section of the config file (see \'fido profile list\')'
complete -c fido -l 'timeout' -x -d 'Server selection and per-operation time limit, also for each Twilio request'
complete -c fido -s 'v' -l 'verbose' -d 'Diagnostics on stderr: commands sent, round trips, timings; secrets redacted'
complete -c fido -s 'h' -l 'help' -d 'Show help for the command and exit'
complete -c fido -l 'version' -d 'Print fido\'s version and exit'

# fido
complete -c fido -n '__fido_at fido' -a 'user' -d 'Create, list, show, update and delete users'
complete -c fido -n '__fido_at fido' -a 'txn' -d 'Record, list, correct and import transactions'
complete -c fido -n '__fido_at fido' -a 'analytics' -d 'Show a user\'s transaction analytics and credit score'
complete -c fido -n '__fido_at fido' -a 'sms' -d 'List, resend and track SMS alerts'
complete -c fido -n '__fido_at fido' -a 'audit' -d 'Show and verify the history of every change'
complete -c fido -n '__fido_at fido' -a 'db' -d 'Create indexes, check statistics, take over the old service\'s data'
complete -c fido -n '__fido_at fido' -a 'doctor' -d 'Check the connection, server version, topology, indexes and SMS settings'
complete -c fido -n '__fido_at fido' -a 'whoami' -d 'Show the profile, server, database and Twilio account in use'
complete -c fido -n '__fido_at fido' -a 'profile' -d 'List the profiles of the config file'
complete -c fido -n '__fido_at fido' -a 'completion' -d 'Print a shell completion script'
complete -c fido -n '__fido_at fido' -a 'help' -d 'Show help for a command'
complete -c fido -n '__fido_at fido' -a 'version' -d 'Print fido\'s version'

# fido user
complete -c fido -n '__fido_at fido/user' -a 'create' -d 'Create a user'
complete -c fido -n '__fido_at fido/user' -a 'list' -d 'List users in creation order'
complete -c fido -n '__fido_at fido/user' -a 'get' -d 'Show one user'
complete -c fido -n '__fido_at fido/user' -a 'update' -d 'Change a user\'s name, email, phone or password'
complete -c fido -n '__fido_at fido/user' -a 'delete' -d 'Delete a user'

# fido user create
complete -c fido -n '__fido_at fido/user/create' -l 'name' -x -d 'Full name, 1-200 characters'
complete -c fido -n '__fido_at fido/user/create' -l 'email' -x -d 'Email address, unique among users'
complete -c fido -n '__fido_at fido/user/create' -l 'phone' -x -d 'Mobile number for SMS alerts, e.g. +233201234567'
complete -c fido -n '__fido_at fido/user/create' -l 'balance' -x -d 'Opening balance, e.g. 1000 or 21.50 (GHS: at most 9999999999999.99)'
complete -c fido -n '__fido_at fido/user/create' -l 'currency' -x -d 'ISO 4217 currency code of the account'
complete -c fido -n '__fido_at fido/user/create' -l 'password-stdin' -d 'Read the password from stdin (all of it, one trailing newline removed, 8-1024 characters); on a terminal, prompt twice without echo'
complete -c fido -n '__fido_at fido/user/create' -l 'fields' -x -a '(__fido_fields id name email phone currency balance created_at updated_at)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido user list
complete -c fido -n '__fido_at fido/user/list' -l 'email' -x -d 'Only the user with this email'
complete -c fido -n '__fido_at fido/user/list' -l 'name-contains' -x -d 'Only users whose name contains TEXT (any case)'
complete -c fido -n '__fido_at fido/user/list' -l 'limit' -x -d 'Show at most N users; 0 means all'
complete -c fido -n '__fido_at fido/user/list' -l 'after' -x -d 'Continue after the item with this id, in the same order'
complete -c fido -n '__fido_at fido/user/list' -l 'fields' -x -a '(__fido_fields id name email phone currency balance created_at updated_at)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido user get
complete -c fido -n '__fido_at fido/user/get' -l 'fields' -x -a '(__fido_fields id name email phone currency balance created_at updated_at)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'
complete -c fido -n '__fido_arg fido/user/get 0' -a '(__fido_emails)' -d 'The user\'s id (24 hex digits) or email address'

# fido user update
complete -c fido -n '__fido_at fido/user/update' -l 'name' -x -d 'New full name'
complete -c fido -n '__fido_at fido/user/update' -l 'email' -x -d 'New email address'
complete -c fido -n '__fido_at fido/user/update' -l 'phone' -x -d 'New mobile number'
complete -c fido -n '__fido_at fido/user/update' -l 'no-phone' -d 'Remove the phone number (no more SMS alerts)'
complete -c fido -n '__fido_at fido/user/update' -l 'password-stdin' -d 'Read the password from stdin (all of it, one trailing newline removed, 8-1024 characters); on a terminal, prompt twice without echo'
complete -c fido -n '__fido_at fido/user/update' -l 'fields' -x -a '(__fido_fields id name email phone currency balance created_at updated_at)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'
complete -c fido -n '__fido_arg fido/user/update 0' -a '(__fido_emails)' -d 'The user\'s id (24 hex digits) or email address'

# fido user delete
complete -c fido -n '__fido_at fido/user/delete' -l 'cascade' -d 'Also delete the user\'s transactions'
complete -c fido -n '__fido_at fido/user/delete' -s 'y' -l 'yes' -d 'Delete the user without asking; required when stdin is not a terminal'
complete -c fido -n '__fido_at fido/user/delete' -l 'fields' -x -a '(__fido_fields id name email phone currency balance created_at updated_at)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'
complete -c fido -n '__fido_arg fido/user/delete 0' -a '(__fido_emails)' -d 'The user\'s id (24 hex digits) or email address'

# fido txn
complete -c fido -n '__fido_at fido/txn' -a 'add' -d 'Record a credit or debit and send its SMS alert'
complete -c fido -n '__fido_at fido/txn' -a 'list' -d 'List a user\'s transactions, newest first'
complete -c fido -n '__fido_at fido/txn' -a 'get' -d 'Show one transaction with its SMS status'
complete -c fido -n '__fido_at fido/txn' -a 'update' -d 'Correct a transaction\'s amount, type or date'
complete -c fido -n '__fido_at fido/txn' -a 'delete' -d 'Delete a transaction and reverse its effect on the balance'
complete -c fido -n '__fido_at fido/txn' -a 'import' -d 'Import transactions from NDJSON or CSV'

# fido txn add
complete -c fido -n '__fido_at fido/txn/add' -l 'user' -x -a '(__fido_emails)' -d 'The user\'s id or email'
complete -c fido -n '__fido_at fido/txn/add' -l 'amount' -x -d 'Positive amount, e.g. 21.50 (GHS: at most 9999999999999.99)'
complete -c fido -n '__fido_at fido/txn/add' -l 'type' -x -a 'credit debit' -d 'Credit or debit the balance'
complete -c fido -n '__fido_at fido/txn/add' -l 'date' -x -d 'When it happened'
complete -c fido -n '__fido_at fido/txn/add' -l 'key' -x -d 'Idempotency key, 1-128 printable characters, scoped to the user'
complete -c fido -n '__fido_at fido/txn/add' -l 'no-sms' -d 'Record the transaction without an SMS (status skipped)'
complete -c fido -n '__fido_at fido/txn/add' -l 'fields' -x -a '(__fido_fields id user_id full_name amount currency type date key created_at updated_at sms sms_status sms_sid sms_attempts sms_last_error)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido txn list
complete -c fido -n '__fido_at fido/txn/list' -l 'user' -x -a '(__fido_emails)' -d 'The user\'s id or email'
complete -c fido -n '__fido_at fido/txn/list' -l 'since' -x -d 'Only transactions on or after DATE (inclusive)'
complete -c fido -n '__fido_at fido/txn/list' -l 'until' -x -d 'Only transactions on or before DATE (inclusive; a day covers the whole UTC day)'
complete -c fido -n '__fido_at fido/txn/list' -l 'type' -x -a 'credit debit' -d 'Only credits or only debits'
complete -c fido -n '__fido_at fido/txn/list' -l 'limit' -x -d 'Show at most N transactions; 0 means all'
complete -c fido -n '__fido_at fido/txn/list' -l 'after' -x -d 'Continue after the item with this id, in the same order'
complete -c fido -n '__fido_at fido/txn/list' -l 'fields' -x -a '(__fido_fields id user_id full_name amount currency type date key created_at updated_at sms sms_status sms_sid sms_attempts sms_last_error)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido txn get
complete -c fido -n '__fido_at fido/txn/get' -l 'fields' -x -a '(__fido_fields id user_id full_name amount currency type date key created_at updated_at sms sms_status sms_sid sms_attempts sms_last_error)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido txn update
complete -c fido -n '__fido_at fido/txn/update' -l 'amount' -x -d 'New positive amount'
complete -c fido -n '__fido_at fido/txn/update' -l 'type' -x -a 'credit debit' -d 'New type'
complete -c fido -n '__fido_at fido/txn/update' -l 'date' -x -d 'New date'
complete -c fido -n '__fido_at fido/txn/update' -l 'fields' -x -a '(__fido_fields id user_id full_name amount currency type date key created_at updated_at sms sms_status sms_sid sms_attempts sms_last_error)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido txn delete
complete -c fido -n '__fido_at fido/txn/delete' -s 'y' -l 'yes' -d 'Delete the transaction without asking; required when stdin is not a terminal'
complete -c fido -n '__fido_at fido/txn/delete' -l 'fields' -x -a '(__fido_fields id user_id full_name amount currency type date key created_at updated_at sms sms_status sms_sid sms_attempts sms_last_error)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido txn import
complete -c fido -n '__fido_at fido/txn/import' -l 'format' -x -a 'ndjson csv' -d 'Input format'
complete -c fido -n '__fido_at fido/txn/import' -l 'dry-run' -d 'Validate every line and write nothing'
complete -c fido -n '__fido_at fido/txn/import' -l 'sms' -d 'Queue SMS alerts as pending for \'fido sms retry\''
complete -c fido -n '__fido_at fido/txn/import' -l 'batch-size' -x -d 'Lines per transaction, 1-100000; halved when MongoDB ends one as too large'
complete -c fido -n '__fido_at fido/txn/import' -l 'workers' -x -d 'Batches written at once, 1-16, each user\'s by one worker; above 1 every line needs a key'
complete -c fido -n '__fido_at fido/txn/import' -l 'fields' -x -a '(__fido_fields read inserted skipped dry_run)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'
complete -c fido -n '__fido_arg fido/txn/import 0' -F -d 'The file to read; - or none reads stdin'

# fido analytics
complete -c fido -n '__fido_at fido/analytics' -l 'since' -x -d 'Only transactions on or after DATE (inclusive)'
complete -c fido -n '__fido_at fido/analytics' -l 'until' -x -d 'Only transactions on or before DATE (inclusive; a day covers the whole UTC day)'
complete -c fido -n '__fido_at fido/analytics' -l 'fields' -x -a '(__fido_fields user_id name currency balance window window_since window_until transaction_count credit_count debit_count total_amount credit_total debit_total average_transaction_value busiest_day busiest_day_date busiest_day_count highest_amount_day highest_amount_day_date highest_amount_day_amount first_transaction_at last_transaction_at credit_score credit_score_value credit_score_scale credit_score_formula credit_score_factors)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'
complete -c fido -n '__fido_arg fido/analytics 0' -a '(__fido_emails)' -d 'The user\'s id (24 hex digits) or email address'

# fido sms
complete -c fido -n '__fido_at fido/sms' -a 'list' -d 'List SMS alerts'
complete -c fido -n '__fido_at fido/sms' -a 'retry' -d 'Resend pending alerts whose next attempt is due'
complete -c fido -n '__fido_at fido/sms' -a 'sync' -d 'Record delivery status from Twilio for sent alerts'
complete -c fido -n '__fido_at fido/sms' -a 'worker' -d 'Send and sync alerts until stopped'

# fido sms list
complete -c fido -n '__fido_at fido/sms/list' -l 'status' -x -a 'pending failed sent skipped delivered undelivered' -d 'Only alerts with this status'
complete -c fido -n '__fido_at fido/sms/list' -l 'limit' -x -d 'Show at most N alerts; 0 means all'
complete -c fido -n '__fido_at fido/sms/list' -l 'fields' -x -a '(__fido_fields transaction_id user_id to status attempts last_error sid next_attempt_at updated_at)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido sms retry
complete -c fido -n '__fido_at fido/sms/retry' -l 'limit' -x -d 'Resend at most N due alerts; 0 means all'
complete -c fido -n '__fido_at fido/sms/retry' -l 'fields' -x -a '(__fido_fields claimed sent failed skipped pending)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido sms sync
complete -c fido -n '__fido_at fido/sms/sync' -l 'limit' -x -d 'Fetch at most N messages; 0 means all'
complete -c fido -n '__fido_at fido/sms/sync' -l 'fields' -x -a '(__fido_fields checked delivered undelivered in_flight errors)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido sms worker
complete -c fido -n '__fido_at fido/sms/worker' -l 'interval' -x -d 'Seconds between passes without a change stream (0.1 to 3600)'
complete -c fido -n '__fido_at fido/sms/worker' -l 'once' -d 'Do one pass and exit'

# fido audit
complete -c fido -n '__fido_at fido/audit' -a 'list' -d 'List history entries, newest first'
complete -c fido -n '__fido_at fido/audit' -a 'verify' -d 'Check every history chain against the records'

# fido audit list
complete -c fido -n '__fido_at fido/audit/list' -l 'user' -x -a '(__fido_emails)' -d 'Only this user\'s entries (id or email)'
complete -c fido -n '__fido_at fido/audit/list' -l 'txn' -x -d 'Only entries about this transaction'
complete -c fido -n '__fido_at fido/audit/list' -l 'since' -x -d 'Only entries made on or after DATE (inclusive)'
complete -c fido -n '__fido_at fido/audit/list' -l 'until' -x -d 'Only entries made on or before DATE (inclusive; a day covers the whole UTC day)'
complete -c fido -n '__fido_at fido/audit/list' -l 'limit' -x -d 'Show at most N entries; 0 means all'
complete -c fido -n '__fido_at fido/audit/list' -l 'after' -x -d 'Continue after the item with this id, in the same order'
complete -c fido -n '__fido_at fido/audit/list' -l 'fields' -x -a '(__fido_fields id at user_id action target target_collection target_id actor actor_os_user actor_host actor_fido_version actor_profile before after seq prev hash)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido audit verify
complete -c fido -n '__fido_at fido/audit/verify' -l 'user' -x -a '(__fido_emails)' -d 'Only this user\'s chain (id or email)'
complete -c fido -n '__fido_at fido/audit/verify' -l 'fields' -x -a '(__fido_fields user_id problem recorded live)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido db
complete -c fido -n '__fido_at fido/db' -a 'init' -d 'Create or update the indexes (idempotent)'
complete -c fido -n '__fido_at fido/db' -a 'check' -d 'Recompute balances and statistics from transactions'
complete -c fido -n '__fido_at fido/db' -a 'migrate-legacy' -d 'Copy the old FastAPI service\'s users and transactions into fido'

# fido db init
complete -c fido -n '__fido_at fido/db/init' -l 'fields' -x -a '(__fido_fields collection index unique)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido db check
complete -c fido -n '__fido_at fido/db/check' -l 'repair' -d 'Fix the drift found'
complete -c fido -n '__fido_at fido/db/check' -l 'fields' -x -a '(__fido_fields user_id figure stored expected repaired)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido db migrate-legacy
complete -c fido -n '__fido_at fido/db/migrate-legacy' -l 'from-db' -x -d 'Database holding the legacy collections (default: the --db database)'
complete -c fido -n '__fido_at fido/db/migrate-legacy' -l 'currency' -x -d 'Currency of every migrated user (default: FIDO_CURRENCY, else GHS)'
complete -c fido -n '__fido_at fido/db/migrate-legacy' -l 'balance-is' -x -a 'opening current' -d 'Legacy balance is the opening balance, or the current one after its transactions'
complete -c fido -n '__fido_at fido/db/migrate-legacy' -l 'round' -d 'Round amounts with more decimals than the currency half-even'
complete -c fido -n '__fido_at fido/db/migrate-legacy' -l 'skip-invalid' -d 'Migrate the valid rest and list what was left'
complete -c fido -n '__fido_at fido/db/migrate-legacy' -l 'dry-run' -d 'Validate and report, writing nothing'
complete -c fido -n '__fido_at fido/db/migrate-legacy' -l 'scrub-legacy-passwords' -d 'After a complete migration, remove the legacy users\' plain-text passwords'
complete -c fido -n '__fido_at fido/db/migrate-legacy' -l 'batch-size' -x -d 'Transactions per atomic batch, 1-100000'
complete -c fido -n '__fido_at fido/db/migrate-legacy' -l 'fields' -x -a '(__fido_fields dry_run currency users_read users_inserted users_existing users_skipped transactions_inserted transactions_existing rounded short_passwords legacy_count legacy_sum migrated_count migrated_sum skipped_count skipped_sum reconciled passwords_scrubbed)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido doctor
complete -c fido -n '__fido_at fido/doctor' -l 'fields' -x -a '(__fido_fields uri database connection server_version topology transactions indexes twilio_api_base sms twilio_account)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido whoami
complete -c fido -n '__fido_at fido/whoami' -l 'fields' -x -a '(__fido_fields profile config_file uri database server_version twilio_account)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido profile
complete -c fido -n '__fido_at fido/profile' -a 'list' -d 'List the profiles, marking the active one'

# fido profile list
complete -c fido -n '__fido_at fido/profile/list' -l 'fields' -x -a '(__fido_fields name active protected database uri)' -d 'Comma-separated fields to print, in that order, in every format (nested: sms_status)'

# fido completion
complete -c fido -n '__fido_arg fido/completion 0' -a 'bash zsh fish' -d 'The shell'

# fido help
complete -c fido -n '__fido_at fido/help' -a '(__fido_commands)'

# fido version
