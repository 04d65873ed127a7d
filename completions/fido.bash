# bash completion for fido
# Generated from fido's command table by 'fido completion bash'; do not edit.

# Words the walk below needs to know about, by command path ("" is the root).
_fido_children() {
    case $1 in
        "") echo 'user txn analytics sms audit db doctor whoami profile completion help version' ;;
        "user") echo 'create list get update delete' ;;
        "txn") echo 'add list get update delete import' ;;
        "sms") echo 'list retry sync worker' ;;
        "audit") echo 'list verify' ;;
        "db") echo 'init check migrate-legacy' ;;
        "profile") echo 'list' ;;
    esac
}

# Options of the command at path $1, global ones included.
_fido_options() {
    local globals='--uri --db -o --output -q --quiet --fields --no-color --env-file --profile --timeout -v --verbose -h --help --version'
    case $1 in
        "user create") echo "--name --email --phone --balance --currency --password-stdin $globals" ;;
        "user list") echo "--email --name-contains --limit --after $globals" ;;
        "user update") echo "--name --email --phone --no-phone --password-stdin $globals" ;;
        "user delete") echo "--cascade -y --yes $globals" ;;
        "txn add") echo "--user --amount --type --date --key --no-sms $globals" ;;
        "txn list") echo "--user --since --until --type --limit --after $globals" ;;
        "txn update") echo "--amount --type --date $globals" ;;
        "txn delete") echo "-y --yes $globals" ;;
        "txn import") echo "--format --dry-run --sms --batch-size --workers $globals" ;;
        "analytics") echo "--since --until $globals" ;;
        "sms list") echo "--status --limit $globals" ;;
        "sms retry") echo "--limit $globals" ;;
        "sms sync") echo "--limit $globals" ;;
        "sms worker") echo "--interval --once $globals" ;;
        "audit list") echo "--user --txn --since --until --limit --after $globals" ;;
        "audit verify") echo "--user $globals" ;;
        "db check") echo "--repair $globals" ;;
        "db migrate-legacy") echo "--from-db --currency --balance-is --round --skip-invalid --dry-run --scrub-legacy-passwords --batch-size $globals" ;;
        *) echo "$globals" ;;
    esac
}

# Succeeds when option $2 of the command at path $1 takes a value.
_fido_takes_value() {
    case "$1|$2" in
        *"|--uri"|*"|--db"|*"|-o"|*"|--output"|*"|--fields"|*"|--env-file"|*"|--profile"|*"|--timeout"|"user create|--name"|"user create|--email"|"user create|--phone"|"user create|--balance"|"user create|--currency"|"user list|--email"|"user list|--name-contains"|"user list|--limit"|"user list|--after"|"user update|--name"|"user update|--email"|"user update|--phone"|"txn add|--user"|"txn add|--amount"|"txn add|--type"|"txn add|--date"|"txn add|--key"|"txn list|--user"|"txn list|--since"|"txn list|--until"|"txn list|--type"|"txn list|--limit"|"txn list|--after"|"txn update|--amount"|"txn update|--type"|"txn update|--date"|"txn import|--format"|"txn import|--batch-size"|"txn import|--workers"|"analytics|--since"|"analytics|--until"|"sms list|--status"|"sms list|--limit"|"sms retry|--limit"|"sms sync|--limit"|"sms worker|--interval"|"audit list|--user"|"audit list|--txn"|"audit list|--since"|"audit list|--until"|"audit list|--limit"|"audit list|--after"|"audit verify|--user"|"db migrate-legacy|--from-db"|"db migrate-legacy|--currency"|"db migrate-legacy|--balance-is"|"db migrate-legacy|--batch-size") return 0 ;;
    esac
    return 1
}

# Short option letters that take a value at path $1 (for bundles like -qo).
_fido_value_letters() {
    case $1 in
        *) echo o ;;
    esac
}

_fido_words() {
    COMPREPLY=($(compgen -W "$1" -- "$2"))
}

_fido_files() {
    compopt -o filenames 2>/dev/null
    local IFS=$'\n'
    COMPREPLY=($(compgen -f -- "$1"))
}

# Completes the last of comma-separated field names $2 from the words $1.
_fido_fields() {
    local head=${2%"${2##*,}"} f
    COMPREPLY=()
    for f in $1; do
        [[ $head$f == "$2"* ]] && COMPREPLY+=("$head$f")
    done
    compopt -o nospace 2>/dev/null
}

_fido_emails() {
    local line
    COMPREPLY=()
    while IFS= read -r line; do
        [[ -n $line ]] && COMPREPLY+=("$line")
    done < <(fido --timeout 2 __complete emails -- "$1" 2>/dev/null)
}

# Completes the value of option $2 of the command at path $1.
_fido_value() {
    case "$1|$2" in
        "user create|--fields") _fido_fields 'id name email phone currency balance created_at updated_at' "$3" ;;
        "user list|--fields") _fido_fields 'id name email phone currency balance created_at updated_at' "$3" ;;
        "user get|--fields") _fido_fields 'id name email phone currency balance created_at updated_at' "$3" ;;
        "user update|--fields") _fido_fields 'id name email phone currency balance created_at updated_at' "$3" ;;
        "user delete|--fields") _fido_fields 'id name email phone currency balance created_at updated_at' "$3" ;;
        "txn add|--fields") _fido_fields 'id user_id full_name amount currency type date key created_at updated_at sms sms_status sms_sid sms_attempts sms_last_error' "$3" ;;
        "txn list|--fields") _fido_fields 'id user_id full_name amount currency type date key created_at updated_at sms sms_status sms_sid sms_attempts sms_last_error' "$3" ;;
        "txn get|--fields") _fido_fields 'id user_id full_name amount currency type date key created_at updated_at sms sms_status sms_sid sms_attempts sms_last_error' "$3" ;;
        "txn update|--fields") _fido_fields 'id user_id full_name amount currency type date key created_at updated_at sms sms_status sms_sid sms_attempts sms_last_error' "$3" ;;
        "txn delete|--fields") _fido_fields 'id user_id full_name amount currency type date key created_at updated_at sms sms_status sms_sid sms_attempts sms_last_error' "$3" ;;
        "txn import|--fields") _fido_fields 'read inserted skipped dry_run' "$3" ;;
        "analytics|--fields") _fido_fields 'user_id name currency balance window window_since window_until transaction_count credit_count debit_count total_amount credit_total debit_total average_transaction_value busiest_day busiest_day_date busiest_day_count highest_amount_day highest_amount_day_date highest_amount_day_amount first_transaction_at last_transaction_at credit_score credit_score_value credit_score_scale credit_score_formula credit_score_factors' "$3" ;;
        "sms list|--fields") _fido_fields 'transaction_id user_id to status attempts last_error sid next_attempt_at updated_at' "$3" ;;
        "sms retry|--fields") _fido_fields 'claimed sent failed skipped pending' "$3" ;;
        "sms sync|--fields") _fido_fields 'checked delivered undelivered in_flight errors' "$3" ;;
        "audit list|--fields") _fido_fields 'id at user_id action target target_collection target_id actor actor_os_user actor_host actor_fido_version actor_profile before after seq prev hash' "$3" ;;
        "audit verify|--fields") _fido_fields 'user_id problem recorded live' "$3" ;;
        "db init|--fields") _fido_fields 'collection index unique' "$3" ;;
        "db check|--fields") _fido_fields 'user_id figure stored expected repaired' "$3" ;;
        "db migrate-legacy|--fields") _fido_fields 'dry_run currency users_read users_inserted users_existing users_skipped transactions_inserted transactions_existing rounded short_passwords legacy_count legacy_sum migrated_count migrated_sum skipped_count skipped_sum reconciled passwords_scrubbed' "$3" ;;
        "doctor|--fields") _fido_fields 'uri database connection server_version topology transactions indexes twilio_api_base sms twilio_account' "$3" ;;
        "whoami|--fields") _fido_fields 'profile config_file uri database server_version twilio_account' "$3" ;;
        "profile list|--fields") _fido_fields 'name active protected database uri' "$3" ;;
        *"|-o"|*"|--output") _fido_words 'table json ndjson csv tsv' "$3" ;;
        *"|--env-file") _fido_files "$3" ;;
        "txn add|--user") _fido_emails "$3" ;;
        "txn add|--type") _fido_words 'credit debit' "$3" ;;
        "txn list|--user") _fido_emails "$3" ;;
        "txn list|--type") _fido_words 'credit debit' "$3" ;;
        "txn update|--type") _fido_words 'credit debit' "$3" ;;
        "txn import|--format") _fido_words 'ndjson csv' "$3" ;;
        "sms list|--status") _fido_words 'pending failed sent skipped delivered undelivered' "$3" ;;
        "audit list|--user") _fido_emails "$3" ;;
        "audit verify|--user") _fido_emails "$3" ;;
        "db migrate-legacy|--balance-is") _fido_words 'opening current' "$3" ;;
    esac
}

# Completes positional argument number $2 (from 0) of the command at path $1;
# $4 holds the positional arguments before it.
_fido_argument() {
    case "$1|$2" in
        "user get|0") _fido_emails "$3" ;;
        "user update|0") _fido_emails "$3" ;;
        "user delete|0") _fido_emails "$3" ;;
        "txn import|0") _fido_files "$3" ;;
        "analytics|0") _fido_emails "$3" ;;
        "completion|0") _fido_words 'bash zsh fish' "$3" ;;
        "help|"*) _fido_words "$(_fido_children "$4")" "$3" ;;
    esac
}

_fido() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    local path="" npos=0 skip=0 ended=0 w i j letters children
    local -a args=()
    COMPREPLY=()
    # Walk the words before the cursor: command names, options, their values.
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if ((skip > 0)); then
            ((skip--))
            continue
        fi
        if ((!ended)); then
            case $w in
                --)
                    ended=1
                    continue
                    ;;
                --*)
                    # bash splits --opt=value into --opt, =, value.
                    if [[ ${COMP_WORDS[i + 1]} == "=" ]]; then
                        skip=2
                    elif _fido_takes_value "$path" "$w"; then
                        skip=1
                    fi
                    continue
                    ;;
                -?*)
                    letters=$(_fido_value_letters "$path")
                    for ((j = 1; j < ${#w}; j++)); do
                        if [[ -n $letters && $letters == *"${w:j:1}"* ]]; then
                            ((j == ${#w} - 1)) && skip=1
                            break
                        fi
                    done
                    continue
                    ;;
            esac
        fi
        children=" $(_fido_children "$path") "
        if [[ $children == *" $w "* ]]; then
            path=${path:+$path }$w
        else
            npos=$((npos + 1))
            args+=("$w")
        fi
    done
    if ((skip > 0)); then
        # The cursor is on an option's value: find the option.
        w=${COMP_WORDS[COMP_CWORD - 1]}
        [[ $w == "=" ]] && w=${COMP_WORDS[COMP_CWORD - 2]}
        [[ $w == -[!-]* ]] && w=-${w: -1}
        [[ $cur == "=" ]] && cur=""
        _fido_value "$path" "$w" "$cur"
        return 0
    fi
    if ((!ended)) && [[ $cur == -* ]]; then
        _fido_words "$(_fido_options "$path")" "$cur"
        return 0
    fi
    children=$(_fido_children "$path")
    if [[ -n $children ]]; then
        _fido_words "$children" "$cur"
        return 0
    fi
    _fido_argument "$path" "$npos" "$cur" "${args[*]}"
    return 0
}

complete -F _fido fido
