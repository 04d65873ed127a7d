import FidoCore

/// The man page's prose, as values: sections of paragraphs, tagged items,
/// examples and quotes, with the places where generated parts go (the
/// command table, `ExitStatus.all`, `CreditScore.weights`,
/// `ConfigVariables.all`). `ManPage` only renders them; text here is plain
/// (`-`, `'`, `…` as themselves) and `ManPage` escapes it.
enum ManPageText {
  static let sections: [ManSection] = [
    ManSection(
      "DESCRIPTION",
      [
        .generated(.rootDiscussion),
        .paragraph([
          .i("USER"), "is a user's id (24 hex digits, an ObjectId) or email address.", .i("TXN"),
          "is a transaction id.", .i("AMOUNT"),
          "is a positive decimal string with at most the currency's minor digits", "(GHS: 2):",
          .br("21", ","), .br("21.5", ","), .br("21.50", ";"),
          "zero, negative amounts, exponents, thousands separators and more decimals",
          "are invalid data, except that the opening balance", .rb("(", "--balance", ")"),
          "may be 0.", .i("CODE"),
          "is an active ISO 4217 currency code such as GHS, NGN, KES, USD or EUR (any",
          "case on input, stored upper-case).", .i("DATE"), "is RFC 3339",
          .rb("(", "2023-08-18T15:30:00Z", ","), "offsets allowed), a naive",
          .b("2023-08-18T15:30:00"), "(taken as UTC), a day", .b("2023-08-18"), "or",
          .br("now", "."), .b("--since"), "and", .b("--until"), "are inclusive; a day given to",
          .b("--until"), "covers that whole UTC day.",
          "Enumerated values are lower-case; a value outside an option's allowed set",
          "is a usage error, and so is an option that takes a value given twice",
          "(flags may be repeated).",
        ]),
        .paragraph([
          "Options follow GNU conventions:", .bi("--name", " value", ","),
          .bi("--name=", "value", ","), .bi("-o", " json", ","), .br("-ojson", ","),
          "bundled short flags", .rb("(", "-qv", "),"), "and", .b("--"), "ends the options.",
          "Global options may appear before or after the command.", .b("fido help"),
          .ri("[", "command", "...]"), "and", .b("--help"),
          "show the options of any command; without a command, fido prints its usage",
          "on stderr and exits 2.",
          "Settings are taken from the flag, then the environment, then the env file,",
          "then the profile, then the default.",
        ]),
      ]),
    ManSection(
      "GLOBAL OPTIONS",
      [
        .generated(.globalOptions)
      ]),
    ManSection(
      "COMMANDS",
      [
        .generated(.commands)
      ]),
    ManSection(
      "ENVIRONMENT",
      [
        .generated(.environment)
      ]),
    ManSection(
      "FILES",
      [
        .items([
          (
            .i("PATH"),
            [
              "The env file named by", .b("--env-file"), "or", .br("FIDO_ENV_FILE", ":"),
              .i("KEY=VALUE"), "lines (the format of the service's", .i(".env"),
              "file), an optional", .b("export"),
              "prefix, values optionally in single or double quotes,", .b("#"),
              "comments and blank lines.",
              "Any other line, or a named file that cannot be read or is not a regular",
              "file (a FIFO, a device), is a configuration error (exit 78) naming the",
              "file and line.",
            ]
          ),
          (
            .i("~/.config/fido/config"),
            [
              "The config file of profiles", .rb("(", "$FIDO_CONFIG", ","), "else",
              .ir("$XDG_CONFIG_HOME/fido/config", "):"), .i("[NAME]"), "sections of the env file's",
              .i("KEY=VALUE"), "lines", .rb("(", "MONGO_URI", ","), .br("MONGO_DB_NAME", ","),
              .br("TWILIO_*", ","), .br("FIDO_*", ")"), "and", .br("protected = true", ","),
              "which makes a destructive prompt ask for the database name to be typed.",
              .b("--profile"), "or", .b("FIDO_PROFILE"),
              "picks a section; settings come from the flag, then the environment, then",
              "the env file, then the profile, then the default.",
              "An unknown profile is a configuration error listing the known ones.",
              "A config or env file holding a secret (a password in", .br("MONGO_URI", ","),
              .br("TWILIO_AUTH_TOKEN", ")"),
              "that other users can read is refused (exit 78) with the", .b("chmod 600"),
              "that fixes it.",
            ]
          ),
        ])
      ]),
    ManSection(
      "EXIT STATUS",
      [
        .generated(.exitStatus)
      ]),
    ManSection(
      "OUTPUT FORMATS",
      [
        .paragraph(["Results go to stdout in the format chosen with", .br("-o", ":")]),
        .items([
          (
            .b("table"),
            [
              "Aligned columns for people, the default on a terminal; money as", .b("GHS 1,234.50"),
              "(negative:", .br("GHS -1,234.50", ");"), "colour only on a terminal and without",
              .br("--no-color", "."),
            ]
          ), (.b("json"), ["One JSON value; an array for lists."]),
          (.b("ndjson"), ["One JSON object per line, streamed with constant memory."]),
          (
            .b("csv"),
            [
              "RFC 4180 with a header row, one record per line.",
              "A cell that a spreadsheet would run as a formula (starting with", .br("=", ","),
              .br("+", ","), .br("-", ","), .br("@", ","), "tab or carriage return) gets a",
              .b("'"), "in front, unless it is a decimal number as fido writes money and counts",
              .rb("(", "-1234.50", ","), .br("42", ")."),
            ]
          ),
          (
            .b("tsv"),
            [
              "The default when stdout is not a terminal: no header, one row per line,", "with",
              .br("\\t", ","), .br("\\n", ","), .b("\\r"), "and", .b("\\\\"),
              "escaping tab, newline, carriage return and backslash in values; the plain",
              "format for", .br("cut", "(1)"), "and", .br("awk", "(1)."),
            ]
          ),
        ]),
        .paragraph([
          "Table, CSV and TSV never carry a raw control character from the data:",
          "C0 and C1 controls, DEL, U+2028, U+2029 and the bidirectional controls",
          "U+202A–U+202E and U+2066–U+2069 are written as", .br("\\n", ","), .br("\\r", ","),
          .b("\\t"), "or", .b("\\u{1b}"), "(the code point in hex).",
          "TSV reads back exactly; CSV leaves a backslash as it is, so there", .b("\\u{1b}"),
          "may also be the text itself.",
          "JSON and NDJSON carry every value exactly (RFC 8259 escapes).",
        ]),
        .paragraph([
          "In CSV and TSV a null is an empty field, columns follow the object's field",
          "order and nested fields flatten with", .b("_"), .rb("(", "sms_status", ","),
          .br("busiest_day_date", ")."),
          "Every object type has the same columns whatever is null: an absent nested",
          "object (a user without transactions has no", .br("busiest_day", ")"),
          "is one empty field per nested field, so rows from several commands line", "up.",
          "Money is a decimal string with the minor digits", .rb("(", "\"21.00\"", ")"), "plus",
          .br("currency", ";"), "times are RFC 3339 UTC with milliseconds; ids are hex strings.",
          .b("-q"), "prints only ids, one per line.",
        ]),
        .paragraph([
          .b("--fields"), "chooses the fields, in that order, in every format: a top-level field",
          .rb("(", "sms", ","), "the whole object) or a nested one", .rb("(", "sms_status", ");"),
          "each command lists its fields below.", .b("-q"), "still prints only ids.",
        ]),
        .paragraph([
          "A table fits the terminal (the width of stdout's window, else", .br("COLUMNS", "):"),
          "free text (names, emails, keys, errors) is cut with", .br("…", ","),
          "ids, money, dates and counts never are, and without", .b("--fields"),
          "the least important columns are left out until it fits (a single", "user's",
          .b("txn list"), "leaves out", .b("user_id"), "and", .br("full_name", ","),
          "which every row repeats).",
          "Tables show times to the second; the other formats carry milliseconds.",
        ]),
        .paragraph([
          "Errors go to stderr as", .br("fido: error: ...", ";"), "with", .b("-o json"), "or",
          .b("-o ndjson"), "the error is also a JSON object on stderr:",
        ]),
        .example(["{\"error\":{\"code\":\"not_found\",\"message\":\"...\",\"exit\":3}}"]),
        .paragraph([
          "where", .b("code"), "is one of usage, not_found, conflict, invalid_data, unavailable,",
          "unauthorized, config and failure.",
          "A message that quotes input shows it in single quotes, control characters",
          "escaped as above and cut to 80 characters with", .br("…", ";"),
          "a connection string is shown without its userinfo's password, however",
          "malformed it is.",
        ]),
      ]),
    ManSection(
      "SMS OUTBOX",
      [
        .paragraph([
          "Every transaction has an SMS alert whose text is fixed when the",
          "transaction is recorded, for example",
        ]),
        .quote([
          "“Hi Ama Mensah, your account has been credited with GHS 21.00.",
          "New balance: GHS 1,121.00.”",
        ]),
        .paragraph(["Every resend sends that text.", "An alert is in one of four states:"]),
        .items([
          (
            .b("pending"),
            [
              "Not sent yet: waiting for its next attempt, after a temporary error or",
              "when Twilio refused the credentials (fix the settings, then",
              .br("fido sms retry", ")."),
            ]
          ), (.b("sent"), ["Twilio accepted it; its message SID is kept."]),
          (
            .b("failed"),
            [
              "A permanent Twilio error (invalid number, unsubscribed, not a mobile",
              "number); never retried.",
            ]
          ),
          (
            .b("skipped"),
            [
              "Not sent, with the reason:", .br("--no-sms", ","),
              "a user without a phone, SMS not configured", .rb("(", "TWILIO_ACCOUNT_SID"), "or",
              .b("TWILIO_AUTH_TOKEN"), "unset), or an import without", .br("--sms", "."),
            ]
          ),
        ]),
        .paragraph([
          .b("fido txn add"), "tries a bounded number of times within", .br("--timeout", ";"),
          "an SMS failure never fails the command: the alert stays pending, a",
          "warning goes to stderr and the exit status is 0.",
          "Retries back off from a few seconds, doubling each time, capped at one",
          "hour; a Retry-After from Twilio (429) is honoured up to that cap.",
          "After an ambiguous outcome (a timeout or dropped connection once the",
          "request went out, or a 5xx) fido looks the message up at Twilio before",
          "sending it again (same number and text, created after the attempt",
          "began, not already recorded for another alert); if the lookup fails",
          "the alert stays pending.", "Two", .b("sms retry"),
          "runs at once never send the same alert twice.",
        ]),
        .paragraph([
          .b("fido sms retry"),
          "exits 0 when it ran, whatever stays pending; 77 when Twilio refuses the",
          "credentials; 78 when SMS is not configured; 65 when an alert's",
          "transaction cannot be read (another tool wrote it): that alert is not",
          "sent but put off by an hour, with the reason in its last error, and the",
          "others are sent.",
        ]),
      ]),
    ManSection(
      "CREDIT SCORE",
      [
        .paragraph([
          .b("fido analytics"),
          "reports a credit score from 1 to 5 with its factors, their values and", "weights:",
        ]),
        .generated(.scoreFormula),
        .paragraph([
          "rounded half-even to one decimal.",
          "Each factor is in [0, 1], computed with integer arithmetic in basis",
          "points (rounded down):",
        ]),
        .generated(.scoreFactors),
        .paragraph([
          "The score is null when there are no transactions.", "With", .b("--since"), "or",
          .b("--until"), "the flows, counts and tenure come from the window; the balance is always",
          "the current one.",
        ]),
      ]),
    ManSection(
      "EXAMPLES",
      [
        .paragraph([
          "Create a user and record a credit (an SMS alert follows when the user has",
          "a phone and SMS is configured):",
        ]),
        .example([
          "fido user create --name 'Ama Mensah' --email ama@example.com \\",
          "    --phone +233201234567",
          "fido txn add --user ama@example.com --amount 21 --type credit",
        ]),
        .paragraph(["Credit scores of every user, lowest first:"]),
        .example([
          "fido user list -q --limit 0 | xargs -n1 fido analytics -o json |",
          "    jq -sr 'sort_by(.credit_score.value)[]",
          "        | [.user_id, .credit_score.value] | @tsv'",
        ]),
        .paragraph(["All of a user's transactions as CSV:"]),
        .example(["fido txn list --user ama@example.com --limit 0 -o csv > ama.csv"]),
        .paragraph(["Import transactions, checking them first:"]),
        .example(["fido txn import --dry-run txns.ndjson && fido txn import txns.ndjson"]),
        .paragraph(["Resend pending SMS alerts every five minutes from", .br("cron", "(8):")]),
        .example(["*/5 * * * * fido sms retry --limit 500 >>/var/log/fido-sms.log 2>&1"]),
        .paragraph(["Check statistics against the transactions, then repair any drift:"]),
        .example(["fido db check || fido db check --repair"]),
      ]),
    ManSection(
      "SEE ALSO",
      [
        .paragraph([.br("mongosh", "(1),"), .br("jq", "(1),"), .br("cron", "(8)")])
      ]),
  ]

  /// ENVIRONMENT entries read by the commands rather than the configuration.
  static let commandVariables: [ConfigVariables.Entry] = [
    ConfigVariables.Entry(
      name: "TMPDIR",
      meaning:
        "Where `txn import` spools stdin or a FIFO (default `/tmp`). The file is unlinked as soon as it is created, so no exit leaves it behind."
    )
  ]
}

/// A section: its title and its blocks.
struct ManSection: Sendable {
  let title: String
  let blocks: [ManBlock]

  init(_ title: String, _ blocks: [ManBlock]) {
    self.title = title
    self.blocks = blocks
  }
}

enum ManBlock: Sendable {
  /// A paragraph of lines (a new one unless it opens the section).
  case paragraph([ManLine])
  /// Tagged paragraphs: a term and its body.
  case items([(term: ManLine, body: [ManLine])])
  /// Literal lines (commands), indented.
  case example([String])
  /// An indented paragraph (a quoted message).
  case quote([ManLine])
  /// A part rendered from the code's own data.
  case generated(ManGenerated)
}

enum ManGenerated: Sendable {
  /// The root command's discussion.
  case rootDiscussion
  case globalOptions
  case commands
  /// The options' environment variables, `ConfigVariables.all`, `commandVariables`.
  case environment
  case exitStatus
  /// `CreditScore.weights` as a formula (an example).
  case scoreFormula
  /// `CreditScore.weights` as tagged paragraphs.
  case scoreFactors
}

/// One input line of prose: roman text, or runs in alternating fonts as
/// man(7)'s `.B`, `.I`, `.BR`, `.RB`, `.BI`, `.IR` and `.RI` write them (a
/// term in bold, the punctuation after it in roman).
struct ManLine: Sendable, ExpressibleByStringLiteral {
  enum Font: String, Sendable {
    case roman = "R"
    case bold = "B"
    case italic = "I"
  }

  let runs: [(font: Font, text: String)]

  init(stringLiteral text: String) { runs = [(.roman, text)] }

  init(_ runs: [(font: Font, text: String)]) { self.runs = runs }

  /// `parts` in `first`, `second`, `first`, … fonts.
  static func alternating(_ first: Font, _ second: Font, _ parts: [String]) -> ManLine {
    ManLine(parts.enumerated().map { ($0.offset % 2 == 0 ? first : second, $0.element) })
  }

  static func b(_ text: String) -> ManLine { ManLine([(.bold, text)]) }
  static func i(_ text: String) -> ManLine { ManLine([(.italic, text)]) }
  static func br(_ parts: String...) -> ManLine { alternating(.bold, .roman, parts) }
  static func rb(_ parts: String...) -> ManLine { alternating(.roman, .bold, parts) }
  static func bi(_ parts: String...) -> ManLine { alternating(.bold, .italic, parts) }
  static func ir(_ parts: String...) -> ManLine { alternating(.italic, .roman, parts) }
  static func ri(_ parts: String...) -> ManLine { alternating(.roman, .italic, parts) }
}
