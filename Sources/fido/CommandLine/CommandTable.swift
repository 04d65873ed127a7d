import FidoCore

/// Every command, option and argument fido accepts. The parser, `--help`,
/// `fido completion` and the man page are all rendered from this one tree;
/// read top to bottom it is the SYNOPSIS of DESIGN.md.
///
/// Keep the text ASCII, help strings one sentence without a final period,
/// and examples short enough for an 80-column terminal.
enum CommandTable {

  // MARK: - Shared option and argument specs

  private static let user = PositionalSpec(
    "USER", help: "The user's id (24 hex digits) or email address", completion: .emails)
  private static let txn = PositionalSpec("TXN", help: "The transaction's id (24 hex digits)")

  /// What `--limit` is when not given.
  static let defaultLimit: Int64 = 100

  private static func limit(_ what: String) -> OptionSpec {
    OptionSpec(
      "limit", value: "N", help: "Show at most N \(what); 0 means all",
      default: String(defaultLimit))
  }
  private static let after = OptionSpec(
    "after", value: "ID", help: "Continue after the item with this id, in the same order")
  private static let since = OptionSpec(
    "since", value: "DATE", help: "Only transactions on or after DATE (inclusive)")
  private static let until = OptionSpec(
    "until", value: "DATE",
    help: "Only transactions on or before DATE (inclusive; a day covers the whole UTC day)")
  private static let types = TxnType.allCases.map(\.rawValue)
  private static func yes(_ what: String) -> OptionSpec {
    OptionSpec(
      "yes", short: "y",
      help: "Delete \(what) without asking; required when stdin is not a terminal")
  }
  private static let passwordStdin = OptionSpec(
    "password-stdin",
    help:
      "Read the password from stdin (all of it, one trailing newline removed, 8-1024 characters); on a terminal, prompt twice without echo"
  )

  // MARK: - Global options

  /// Accepted before or after the command, at any depth.
  static let globalOptions: [OptionSpec] = [
    OptionSpec(
      "uri", value: "URI", help: "MongoDB connection string (mongodb:// or mongodb+srv://)",
      env: "MONGO_URI", default: Config.defaultURI),
    OptionSpec(
      "db", value: "NAME", help: "Database name", env: "MONGO_DB_NAME", default: Config.defaultDB),
    OptionSpec(
      "output", short: "o", value: "FMT",
      help: "Output format; table on a terminal, else tsv", env: "FIDO_OUTPUT",
      allowed: OutputFormat.allCases.map(\.rawValue)),
    OptionSpec("quiet", short: "q", help: "Print only ids, one per line"),
    OptionSpec(
      "fields", value: "LIST",
      help:
        "Comma-separated fields to print, in that order, in every format (nested: sms_status)",
      completion: .fields),
    OptionSpec(
      "no-color", help: "No ANSI colour (there is never colour when not a terminal)",
      env: "NO_COLOR"),
    OptionSpec(
      "env-file", value: "PATH", help: "Load KEY=VALUE settings from this file",
      env: "FIDO_ENV_FILE", completion: .file),
    OptionSpec(
      "profile", value: "NAME",
      help: "Settings from this section of the config file (see 'fido profile list')",
      env: "FIDO_PROFILE"),
    OptionSpec(
      "timeout", value: "SECONDS",
      help: "Server selection and per-operation time limit, also for each Twilio request",
      env: "FIDO_TIMEOUT", default: String(Config.defaultTimeoutMS / 1000)),
    OptionSpec(
      "verbose", short: "v",
      help: "Diagnostics on stderr: commands sent, round trips, timings; secrets redacted"),
    OptionSpec("help", short: "h", help: "Show help for the command and exit"),
    OptionSpec("version", help: "Print fido's version and exit"),
  ]

  // MARK: - user

  static let userCommands = CommandSpec(
    "user", abstract: "Create, list, show, update and delete users",
    discussion: """
      A USER argument is a user's id (24 hex digits) or email address. Emails are \
      trimmed, lower-cased and unique.
      """,
    examples: [
      "fido user list",
      "fido user get ama@example.com",
    ],
    children: [
      CommandSpec(
        "create", abstract: "Create a user",
        discussion: """
          Prints the new user (-q: its id). Names are trimmed of surrounding spaces and \
          are 1-200 characters without control characters; emails are trimmed and \
          lower-cased, their domain letters, digits and inner hyphens between dots; \
          phones are E.164 (+ and 8-15 digits); the opening balance defaults \
          to 0, may be 0, and is at most 10^15 - 1 minor units (GHS 9999999999999.99). \
          Passwords are read only from stdin and stored as a salted scrypt hash, never \
          printed. A duplicate email is a conflict (exit 4).
          """,
        examples: [
          "fido user create --name 'Ama Mensah' --email ama@example.com",
          "fido user create --name Kofi --email kofi@example.com --phone +233201234567",
          "fido user create --name Ngozi --email ngozi@example.ng --currency NGN -q",
        ],
        options: [
          OptionSpec(
            "name", value: "NAME", help: "Full name, 1-200 characters", required: true),
          OptionSpec(
            "email", value: "EMAIL", help: "Email address, unique among users", required: true),
          OptionSpec(
            "phone", value: "E164", help: "Mobile number for SMS alerts, e.g. +233201234567"),
          OptionSpec(
            "balance", value: "AMOUNT",
            help: "Opening balance, e.g. 1000 or 21.50 (GHS: at most 9999999999999.99)",
            default: "0"),
          OptionSpec(
            "currency", value: "CODE", help: "ISO 4217 currency code of the account",
            env: "FIDO_CURRENCY", default: Currency.ghs.code),
          passwordStdin,
        ],
        id: .userCreate, schema: .user),
      CommandSpec(
        "list", abstract: "List users in creation order",
        discussion: """
          Use --after with the last id of one page to get the next page; on a terminal, \
          a list cut by --limit says so on stderr with that id.
          """,
        examples: [
          "fido user list --name-contains ama -o json",
          "fido user list --limit 0 -q",
          "fido user list --fields id,email,balance -o csv",
        ],
        options: [
          OptionSpec("email", value: "EMAIL", help: "Only the user with this email"),
          OptionSpec(
            "name-contains", value: "TEXT", help: "Only users whose name contains TEXT (any case)"),
          limit("users"),
          after,
        ],
        id: .userList, schema: .user),
      CommandSpec(
        "get", abstract: "Show one user",
        discussion: "An unknown user is not found (exit 3).",
        examples: ["fido user get ama@example.com -o json"],
        positionals: [user],
        id: .userGet, schema: .user),
      CommandSpec(
        "update", abstract: "Change a user's name, email, phone or password",
        discussion: "Prints the updated user (-q: its id). Only the options given change.",
        examples: [
          "fido user update ama@example.com --phone +233201234568",
          "fido user update 64df1c2a9b1e8a0012345678 --no-phone",
          "fido user update ama@example.com --password-stdin < pw.txt",
        ],
        positionals: [user],
        options: [
          OptionSpec("name", value: "NAME", help: "New full name"),
          OptionSpec("email", value: "EMAIL", help: "New email address"),
          OptionSpec("phone", value: "E164", help: "New mobile number"),
          OptionSpec("no-phone", help: "Remove the phone number (no more SMS alerts)"),
          passwordStdin,
        ],
        id: .userUpdate,
        mutuallyExclusive: [["phone", "no-phone"]], schema: .user),
      CommandSpec(
        "delete", abstract: "Delete a user",
        discussion: """
          Prints the removed user (-q: its id). A user with transactions is a conflict \
          (exit 4, before any prompt) unless --cascade deletes the transactions too. On a \
          terminal fido asks first; otherwise --yes is required (exit 2 without it).
          """,
        examples: [
          "fido user delete ama@example.com",
          "fido user delete ama@example.com --cascade --yes",
        ],
        positionals: [user],
        options: [
          OptionSpec("cascade", help: "Also delete the user's transactions"),
          yes("the user"),
        ],
        id: .userDelete, schema: .user),
    ])

  // MARK: - txn

  static let txnCommands = CommandSpec(
    "txn", abstract: "Record, list, correct and import transactions",
    discussion: """
      A transaction credits or debits a user's balance and updates the user's statistics \
      atomically, then sends an SMS alert. AMOUNT is a positive decimal with at most the \
      currency's minor digits (21, 21.5, 21.50), at most 10^15 - 1 minor units \
      (GHS 9999999999999.99). A write that would take a balance, total or day counter \
      past what an Int64 holds is refused (exit 65) and writes nothing. DATE is RFC 3339 \
      (2023-08-18T15:30:00Z), a naive time taken as UTC, a day (2023-08-18) or now.
      """,
    examples: [
      "fido txn add --user ama@example.com --amount 21 --type credit",
      "fido txn list --user ama@example.com",
    ],
    children: [
      CommandSpec(
        "add", abstract: "Record a credit or debit and send its SMS alert",
        discussion: """
          The transaction, the new balance and the statistics are written atomically; \
          then the SMS is sent. An SMS failure leaves the alert pending for 'fido sms \
          retry', warns on stderr and still exits 0. With --key the command is \
          idempotent: the same key for the same user returns the existing transaction \
          without a second SMS, and the same key with other data is a conflict (exit 4); \
          --date now counts as no date for that comparison. If MongoDB does not confirm \
          the commit within --timeout, fido exits 75 naming 'fido txn get ID' to see \
          whether it was recorded; with --key, running the same command again is safe. \
          Debits are never refused for funds; balances may go negative.
          """,
        examples: [
          "fido txn add --user ama@example.com --amount 21.50 --type credit",
          "fido txn add --user ama@example.com --amount 100 --type debit --key order-1234",
          "fido txn add --user ama@example.com --amount 5 --type debit --no-sms",
        ],
        options: [
          OptionSpec(
            "user", value: "USER", help: "The user's id or email", completion: .emails,
            required: true),
          OptionSpec(
            "amount", value: "AMOUNT",
            help: "Positive amount, e.g. 21.50 (GHS: at most 9999999999999.99)",
            required: true),
          OptionSpec(
            "type", value: "TYPE", help: "Credit or debit the balance", allowed: types,
            required: true),
          OptionSpec("date", value: "DATE", help: "When it happened", default: "now"),
          OptionSpec(
            "key", value: "KEY",
            help: "Idempotency key, 1-128 printable characters, scoped to the user"),
          OptionSpec("no-sms", help: "Record the transaction without an SMS (status skipped)"),
        ],
        id: .txnAdd, schema: .transaction),
      CommandSpec(
        "list", abstract: "List a user's transactions, newest first",
        discussion:
          "Ordered by date, then id. Use --after with the last id of one page to get the next page.",
        examples: [
          "fido txn list --user ama@example.com --since 2023-08-01 --until 2023-08-31",
          "fido txn list --user ama@example.com --limit 0 -o csv",
        ],
        options: [
          OptionSpec(
            "user", value: "USER", help: "The user's id or email", completion: .emails,
            required: true),
          since,
          until,
          OptionSpec("type", value: "TYPE", help: "Only credits or only debits", allowed: types),
          limit("transactions"),
          after,
        ],
        id: .txnList, schema: .transaction),
      CommandSpec(
        "get", abstract: "Show one transaction with its SMS status",
        examples: ["fido txn get 64df1c2a9b1e8a0012345679 -o json"],
        positionals: [txn],
        id: .txnGet, schema: .transaction),
      CommandSpec(
        "update", abstract: "Correct a transaction's amount, type or date",
        discussion: """
          The balance and statistics are corrected atomically. Prints the updated \
          transaction (-q: its id). No new SMS is sent.
          """,
        examples: ["fido txn update 64df1c2a9b1e8a0012345679 --amount 12.50 --type debit"],
        positionals: [txn],
        options: [
          OptionSpec("amount", value: "AMOUNT", help: "New positive amount"),
          OptionSpec("type", value: "TYPE", help: "New type", allowed: types),
          OptionSpec("date", value: "DATE", help: "New date"),
        ],
        id: .txnUpdate, schema: .transaction),
      CommandSpec(
        "delete", abstract: "Delete a transaction and reverse its effect on the balance",
        discussion: """
          Prints the removed transaction (-q: its id). On a terminal fido asks first; \
          otherwise --yes is required (exit 2 without it).
          """,
        examples: ["fido txn delete 64df1c2a9b1e8a0012345679 --yes"],
        positionals: [txn],
        options: [yes("the transaction")],
        id: .txnDelete, schema: .transaction),
      CommandSpec(
        "import", abstract: "Import transactions from NDJSON or CSV",
        discussion: """
          Each NDJSON object or CSV row has user, amount, type and optionally date and \
          key (a CSV header names the columns). The format comes from --format, else the \
          file extension (.csv; .ndjson, .jsonl, .json), else the first non-blank byte \
          ({ is NDJSON). Every line is validated first, unknown users included; if any \
          line is bad, each is reported as 'line N: reason', nothing is written and fido \
          exits 65. Then it writes in batches (--batch-size lines), each atomic with \
          its balances and statistics, updating each user of a batch once. The default \
          batch keeps to MongoDB's advice of about 1,000 changed documents per \
          transaction; a batch whose transaction MongoDB ends as too large \
          (TransactionTooLargeForCache) or too long (its lifetime) is written in halves, \
          and the batches after it are no larger. \
          Lines whose key is already stored are skipped, so an \
          interrupted import of keyed lines can be run again. Ctrl-C or SIGTERM stops after the \
          current batch. An import that stops after writing some batches, for whatever \
          reason, says on stderr which ones ('written 2 of 3 batches: lines 1-20000'); a \
          batch whose user was deleted meanwhile is not written (exit 3). --workers N writes \
          with N connections at once, all of a user's lines by one of them; every line \
          then needs a key (a keyless line is exit 2, nothing written), and a stopped \
          import says how many transactions it wrote ('written 7312 of 10000 transactions \
          in 12 batches by 2 workers'): run the same import again to write the rest. Imported \
          transactions get SMS status skipped unless --sms queues them. The summary (read, \
          inserted, skipped, dry_run) goes to stdout, and a sentence saying the same to \
          stderr. FILE is a regular file, or a FIFO or device read \
          once as a stream like stdin; a directory, a missing or unreadable file, or a read \
          that fails is exit 66 naming the file (and line). A line longer than 1 MiB is a bad \
          line, and reading stops there.
          """,
        examples: [
          "fido txn import txns.ndjson",
          "fido txn import --format csv --dry-run - < august.csv",
        ],
        positionals: [
          PositionalSpec(
            "FILE", help: "The file to read; - or none reads stdin", optional: true,
            completion: .file)
        ],
        options: [
          OptionSpec(
            "format", value: "FMT", help: "Input format",
            allowed: ImportFormat.allCases.map(\.rawValue)),
          OptionSpec("dry-run", help: "Validate every line and write nothing"),
          OptionSpec("sms", help: "Queue SMS alerts as pending for 'fido sms retry'"),
          OptionSpec(
            "batch-size", value: "N",
            help:
              "Lines per transaction, 1-\(ImportOptions.maxBatchSize); halved when MongoDB ends one as too large",
            default: String(ImportOptions.defaultBatchSize)),
          OptionSpec(
            "workers", value: "N",
            help:
              "Batches written at once, 1-\(ImportOptions.maxWorkers), each user's by one worker; above 1 every line needs a key",
            default: "1"),
        ],
        id: .txnImport, schema: .importSummary),
    ])

  // MARK: - analytics, sms, db, doctor

  static let analyticsCommand = CommandSpec(
    "analytics", abstract: "Show a user's transaction analytics and credit score",
    discussion: """
      Counts, totals, the average transaction value, the busiest day (most \
      transactions), the day with the highest amount, and a 1-5 credit score with its \
      factors (see CREDIT SCORE in fido(1)). Without a window the answer comes from \
      maintained statistics; --since and --until aggregate on the server. The balance \
      is always the current one.
      """,
    examples: [
      "fido analytics ama@example.com",
      "fido analytics ama@example.com --since 2023-08-01 --until 2023-08-31 -o json",
    ],
    positionals: [user],
    options: [since, until],
    id: .analytics, schema: .analytics)

  static let smsCommands = CommandSpec(
    "sms", abstract: "List, resend and track SMS alerts",
    discussion: """
      Each transaction's alert is pending, sent (Twilio accepted it), delivered, \
      undelivered (with Twilio's error code), failed (a permanent Twilio error) or \
      skipped (--no-sms, no phone, a phone that replied STOP: opted_out, or SMS not \
      configured). Pending alerts are retried with a backoff from a few seconds, \
      doubling, capped at one hour. Every request asks Twilio to drop a message it \
      could not send within FIDO_SMS_VALIDITY seconds (default 3600). With \
      FIDO_SMS_MODE=queue, txn add leaves the alert pending for 'fido sms worker'.
      """,
    examples: ["fido sms list --status pending", "fido sms worker --interval 5"],
    children: [
      CommandSpec(
        "list", abstract: "List SMS alerts",
        discussion: "Without --status every status is listed.",
        examples: ["fido sms list --status failed -o json"],
        options: [
          OptionSpec(
            "status", value: "STATUS", help: "Only alerts with this status",
            allowed: ["pending", "failed", "sent", "skipped", "delivered", "undelivered"]),
          limit("alerts"),
        ],
        id: .smsList, schema: .sms),
      CommandSpec(
        "retry", abstract: "Resend pending alerts whose next attempt is due",
        discussion: """
          Safe to run from cron, and concurrently: no alert is sent twice. Each alert \
          goes to its user's phone as it is now; one whose user has no phone any more \
          (or was deleted) becomes skipped (no phone) and is not sent. Exits 0 when \
          it ran (whatever stays pending), 77 when Twilio refuses the credentials and \
          78 when SMS is not configured. The record (claimed, sent, failed, pending) \
          goes to stdout, a sentence saying the same to stderr.
          """,
        examples: ["fido sms retry --limit 500"],
        options: [
          OptionSpec(
            "limit", value: "N", help: "Resend at most N due alerts; 0 means all",
            default: String(defaultLimit))
        ],
        id: .smsRetry, schema: .retrySummary),
      CommandSpec(
        "sync", abstract: "Record delivery status from Twilio for sent alerts",
        discussion: """
          Fetches each sent alert's message from Twilio (one request per message, \
          oldest due first) and records delivered, or undelivered with Twilio's error \
          code and message (30003 unreachable, 30005 unknown number, 30006 landline, \
          30007 filtered, ...). A message still on its way stays sent and is fetched \
          again next time; an alert is synced for 72 hours after it was sent. A 429 \
          ends the run (that alert waits at least its Retry-After). The record \
          (checked, delivered, undelivered, in_flight, errors) goes to stdout, a \
          sentence saying the same to stderr. Exits 0 when it ran, 77 when Twilio \
          refuses the credentials and 78 when SMS is not configured.
          """,
        examples: ["fido sms sync", "fido sms sync --limit 1000 -o json"],
        options: [
          OptionSpec(
            "limit", value: "N", help: "Fetch at most N messages; 0 means all",
            default: String(defaultLimit))
        ],
        id: .smsSync, schema: .syncSummary),
      CommandSpec(
        "worker", abstract: "Send and sync alerts until stopped",
        discussion: """
          Sends due pending alerts as they appear (woken by a change stream on replica \
          sets and sharded clusters, else polling every --interval) and records their \
          delivery status as sms sync does. Several workers, sms retry and txn add may \
          run at once: no alert is sent twice. While MongoDB or Twilio is unreachable \
          it backs off (1 s doubling to a minute) and carries on. On SIGINT or SIGTERM \
          it finishes the send in hand and exits 0. Logs one line per action on \
          stderr (JSON lines with -o ndjson or -o json); prints nothing on stdout. \
          --once does one pass (every due send and sync) and exits, for cron.
          """,
        examples: [
          "fido sms worker", "fido sms worker --interval 2 -o ndjson",
          "fido sms worker --once",
        ],
        options: [
          OptionSpec(
            "interval", value: "SECONDS",
            help: "Seconds between passes without a change stream (0.1 to 3600)",
            default: "5"),
          OptionSpec("once", help: "Do one pass and exit"),
        ],
        id: .smsWorker),
    ])

  static let auditCommands = CommandSpec(
    "audit", abstract: "Show and verify the history of every change",
    discussion: """
      Every change fido makes to a user or a transaction (create, update, delete, \
      import, repair) adds a history entry in the same MongoDB transaction: when, who \
      (OS user, host, fido version, profile), the action, the record, and the changed \
      fields before and after (a password only as changed, never its hash). Each \
      user's entries form a SHA-256 chain whose head is kept on the user; fido never \
      updates or deletes an entry.
      """,
    examples: ["fido audit list --user ama@example.com", "fido audit verify"],
    children: [
      CommandSpec(
        "list", abstract: "List history entries, newest first",
        discussion: """
          Ordered by time, then id. A deleted user's history is listed with --user and \
          the user's id. In csv, tsv and table output, before and after are compact \
          JSON. Use --after with the last id of one page to get the next page.
          """,
        examples: [
          "fido audit list --user ama@example.com --since 2023-08-01",
          "fido audit list --txn 64df1c2a9b1e8a0012345679 -o json",
        ],
        options: [
          OptionSpec(
            "user", value: "USER", help: "Only this user's entries (id or email)",
            completion: .emails),
          OptionSpec("txn", value: "TXN", help: "Only entries about this transaction"),
          OptionSpec(
            "since", value: "DATE", help: "Only entries made on or after DATE (inclusive)"),
          OptionSpec(
            "until", value: "DATE",
            help: "Only entries made on or before DATE (inclusive; a day covers the whole UTC day)"),
          limit("entries"),
          after,
        ],
        id: .auditList, schema: .auditEntry),
      CommandSpec(
        "verify", abstract: "Check every history chain against the records",
        discussion: """
          Recomputes each user's chain (every hash and link, and the head on the user) \
          and compares the state it records with the live records: the user's fields, \
          balance and counters, and each transaction. Prints one row per problem (user \
          id, problem, recorded, live) and exits 1 naming the users when there is one: \
          an entry edited or deleted, or a record changed outside fido. 'fido db check' \
          runs the same verification.
          """,
        examples: ["fido audit verify", "fido audit verify --user ama@example.com"],
        options: [
          OptionSpec(
            "user", value: "USER", help: "Only this user's chain (id or email)",
            completion: .emails)
        ],
        id: .auditVerify, schema: .auditProblem),
    ])

  static let dbCommands = CommandSpec(
    "db", abstract: "Create indexes, check statistics, take over the old service's data",
    examples: ["fido db init"],
    children: [
      CommandSpec(
        "init", abstract: "Create or update the indexes (idempotent)",
        examples: ["fido db init --uri mongodb://db.internal:27017 --db fido"],
        id: .dbInit, schema: .index),
      CommandSpec(
        "check", abstract: "Recompute balances and statistics from transactions",
        discussion: """
          Prints each drift found (user id, figure, stored, expected) and exits 1 while \
          drift remains; --repair fixes it, marks each figure it repaired, and exits 0 \
          unless orphan transactions (whose user is missing) remain: those it reports as \
          not repaired and leaves (exit 1). Figures are recomputed exactly (128-bit sums); \
          one that does not fit what fido stores (Int64) is reported, never repaired, and \
          the command exits 65. Also verifies history as 'fido audit verify' does (figures \
          'history: ...'); --repair records a record changed outside fido with a repair \
          entry, and a damaged chain stays reported (exit 1).
          """,
        examples: ["fido db check", "fido db check --repair"],
        options: [OptionSpec("repair", help: "Fix the drift found")],
        id: .dbCheck, schema: .drift),
      CommandSpec(
        "migrate-legacy",
        abstract: "Copy the old FastAPI service's users and transactions into fido",
        discussion: """
          Reads the old service's 'user' and 'transaction' collections (in --from-db, \
          default the database fido uses) and writes fido's users and transactions, \
          keeping every ObjectId. Amounts are the shortest decimal of each stored \
          double, taken exactly; one with more decimals than the currency has is \
          invalid unless --round rounds it half-even (each rounding is listed). Emails \
          are normalised; plain-text passwords are hashed as 'user create' hashes \
          them. Everything is validated first: each invalid document or conflict is \
          reported as 'user ID: reason' or 'transaction ID: reason', nothing is \
          written, and fido exits 65 (4 for conflicts only), unless --skip-invalid \
          migrates the rest and lists what it left. Then it writes in batches, each \
          one transaction, with statistics recomputed from the migrated \
          transactions and their SMS alerts skipped (migrated). A run stopped at any \
          point can be run again: what is already in fido with the same data is \
          skipped, other data is a conflict. The result record goes to stdout and \
          ends with a reconciliation (legacy, migrated and skipped counts and sums), \
          a sentence saying the same to stderr; fido exits 1 if the sums do not \
          agree. Each user and each batch is recorded in history (user.migrate, \
          txn.migrate). The legacy collections are left as \
          they are, except that --scrub-legacy-passwords removes their passwords \
          once the migration is complete.
          """,
        examples: [
          "fido db migrate-legacy --dry-run --from-db fastapi",
          "fido db migrate-legacy --from-db fastapi --balance-is current --round",
          "fido db migrate-legacy --from-db fastapi --scrub-legacy-passwords",
        ],
        options: [
          OptionSpec(
            "from-db", value: "NAME",
            help: "Database holding the legacy collections (default: the --db database)"),
          OptionSpec(
            "currency", value: "CODE",
            help: "Currency of every migrated user (default: FIDO_CURRENCY, else GHS)"),
          OptionSpec(
            "balance-is", value: "WHICH",
            help:
              "Legacy balance is the opening balance, or the current one after its transactions",
            default: MigrateOptions.BalanceIs.opening.rawValue,
            allowed: MigrateOptions.BalanceIs.allCases.map(\.rawValue)),
          OptionSpec(
            "round", help: "Round amounts with more decimals than the currency half-even"),
          OptionSpec("skip-invalid", help: "Migrate the valid rest and list what was left"),
          OptionSpec("dry-run", help: "Validate and report, writing nothing"),
          OptionSpec(
            "scrub-legacy-passwords",
            help: "After a complete migration, remove the legacy users' plain-text passwords"),
          OptionSpec(
            "batch-size", value: "N",
            help: "Transactions per atomic batch, 1-\(ImportOptions.maxBatchSize)",
            default: String(ImportOptions.defaultBatchSize)),
        ],
        id: .dbMigrateLegacy, schema: .migrateSummary),
    ])

  static let doctorCommand = CommandSpec(
    "doctor", abstract: "Check the connection, server version, topology, indexes and SMS settings",
    discussion: """
      Reports every section, even when MongoDB cannot be reached, and checks the \
      Twilio credentials with one authenticated request for the account. Exits 0 \
      when all is well; else with the first problem's status: 69 or 77 when MongoDB \
      is unreachable or refuses the login, 1 when indexes are missing (run 'fido db \
      init'), 78 when the SMS settings are malformed, 77 when Twilio refuses the \
      credentials, 69 when Twilio cannot be reached.
      """,
    examples: ["fido doctor --env-file .env"],
    id: .doctor, schema: .doctor)

  static let whoamiCommand = CommandSpec(
    "whoami", abstract: "Show the profile, server, database and Twilio account in use",
    discussion: """
      Prints the profile, the config file, the URI without its password, the \
      database, the server's version (asked of the server) and the Twilio account \
      (masked). Exits 0 only when the server answers (69 when it cannot be reached, \
      77 when it refuses the login), after printing what it knows.
      """,
    examples: ["fido whoami", "fido --profile prod whoami"],
    id: .whoami, schema: .whoami)

  static let profileCommands = CommandSpec(
    "profile", abstract: "List the profiles of the config file",
    discussion: """
      The config file is $FIDO_CONFIG, else $XDG_CONFIG_HOME/fido/config, else \
      ~/.config/fido/config: [NAME] sections of KEY=VALUE lines (MONGO_URI, \
      MONGO_DB_NAME, TWILIO_*, FIDO_*) and 'protected = true', which makes \
      destructive prompts ask for the database name. --profile NAME or FIDO_PROFILE \
      picks one; flags, the environment and the env file override it. A config or \
      env file holding a secret must not be readable by other users (exit 78; \
      chmod 600 FILE).
      """,
    examples: ["fido profile list"],
    children: [
      CommandSpec(
        "list", abstract: "List the profiles, marking the active one",
        examples: ["fido profile list -o json"],
        id: .profileList, schema: .profile)
    ])

  // MARK: - completion, help, version, __complete

  static let completionCommand = CommandSpec(
    "completion", abstract: "Print a shell completion script",
    discussion: """
      Load it in the current shell or install it where the shell looks for completions.
      """,
    examples: [
      "fido completion bash > /etc/bash_completion.d/fido",
      "fido completion zsh > \"${fpath[1]}/_fido\"",
      "fido completion fish > ~/.config/fish/completions/fido.fish",
    ],
    positionals: [
      PositionalSpec("SHELL", help: "The shell", allowed: ["bash", "zsh", "fish"])
    ],
    id: .completion)

  static let helpCommand = CommandSpec(
    "help", abstract: "Show help for a command",
    examples: ["fido help txn add"],
    positionals: [
      PositionalSpec(
        "COMMAND", help: "The command, e.g. user create", optional: true,
        completion: .commands, variadic: true)
    ],
    id: .help)

  static let versionCommand = CommandSpec(
    "version", abstract: "Print fido's version", examples: ["fido version"], id: .version)

  /// Used by the completion scripts: `fido __complete emails PREFIX` prints
  /// matching user emails, one per line, within a short timeout.
  static let completeCommand = CommandSpec(
    "__complete", abstract: "Print completion candidates (used by the completion scripts)",
    positionals: [
      PositionalSpec("KIND", help: "What to complete", allowed: ["emails"]),
      PositionalSpec("PREFIX", help: "The word typed so far", optional: true),
    ],
    id: .complete, hidden: true)

  // MARK: - Root

  static let root = CommandSpec(
    "fido", abstract: "Administer FIDO Credit's customer records in MongoDB",
    discussion: """
      Users, their credit and debit transactions, the SMS alert each transaction \
      triggers, and per-user analytics with a credit score. Results go to stdout in \
      the format chosen with -o; errors go to stderr as 'fido: error: ...' and set the \
      exit status (\(ExitStatus.summary)).
      """,
    examples: [
      "fido user create --name 'Ama Mensah' --email ama@example.com",
      "fido txn add --user ama@example.com --amount 21 --type credit",
      "fido analytics ama@example.com -o json",
    ],
    children: [
      userCommands, txnCommands, analyticsCommand, smsCommands, auditCommands, dbCommands,
      doctorCommand, whoamiCommand, profileCommands, completionCommand, helpCommand,
      versionCommand, completeCommand,
    ])

  // MARK: - Lookup

  /// The command at `path` (names below the root), or nil if there is none.
  static func find(path: [String], in root: CommandSpec = root) -> CommandSpec? {
    var node = root
    for name in path {
      guard let child = node.children.first(where: { $0.name == name }) else { return nil }
      node = child
    }
    return node
  }

  /// Like `find(path:)`, but an unknown name is a usage error with a
  /// suggestion, for `fido help usr`.
  static func resolve(path: [String], in root: CommandSpec = root) throws(FidoError) -> CommandSpec
  {
    var node = root
    var walked = [root.name]
    for name in path {
      guard let child = node.children.first(where: { $0.name == name }) else {
        throw FidoError.usage(
          Parser.unknownCommandMessage(name, in: node, path: walked))
      }
      node = child
      walked.append(name)
    }
    return node
  }
}
