import FidoCore

/// `man/fido.1`: the manual in man(7) macros, rendered from the command table
/// plus the prose of DESIGN.md that no table holds (environment, exit status,
/// output formats, the SMS outbox, the credit score). Version and date are
/// passed in, so the output is deterministic.
enum ManPage {
  static func render(
    _ root: CommandSpec, globals: [OptionSpec], version: String, date: String
  ) -> String {
    let program = root.name
    var out = """
      .\\" Generated from \(program)'s command table (Sources/fido/Docs/ManPage.swift); do not edit.
      .TH \(program.uppercased()) 1 \(date) "\(program) \(version)" "User Commands"
      .SH NAME
      \(program) \\- \(text(lowercasedFirst(root.abstract)))
      .SH SYNOPSIS
      .B \(program)
      .RI [ "global options" ]
      .I command
      .RI [ subcommand ]
      .RI [ options ]
      .RI [ arguments ]
      .SH DESCRIPTION
      \(text(root.discussion))
      .PP
      .I USER
      is a user's id (24 hex digits, an ObjectId) or email address.
      .I TXN
      is a transaction id.
      .I AMOUNT
      is a positive decimal string with at most the currency's minor digits
      (GHS: 2):
      .BR 21 ,
      .BR 21.5 ,
      .BR 21.50 ;
      zero, negative amounts, exponents, thousands separators and more decimals
      are invalid data, except that the opening balance
      .RB ( \\-\\-balance )
      may be 0.
      .I CODE
      is an active ISO 4217 currency code such as GHS, NGN, KES, USD or EUR (any
      case on input, stored upper-case).
      .I DATE
      is RFC 3339
      .RB ( 2023\\-08\\-18T15:30:00Z ,
      offsets allowed), a naive
      .B 2023\\-08\\-18T15:30:00
      (taken as UTC), a day
      .B 2023\\-08\\-18
      or
      .BR now .
      .B \\-\\-since
      and
      .B \\-\\-until
      are inclusive; a day given to
      .B \\-\\-until
      covers that whole UTC day.
      Enumerated values are lower-case; a value outside an option's allowed set
      is a usage error, and so is an option that takes a value given twice
      (flags may be repeated).
      .PP
      Options follow GNU conventions:
      .BI \\-\\-name " value" ,
      .BI \\-\\-name= value ,
      .BI \\-o " json" ,
      .BR \\-ojson ,
      bundled short flags
      .RB ( \\-qv ),
      and
      .B \\-\\-
      ends the options.
      Global options may appear before or after the command.
      .B fido help
      .RI [ command ...]
      and
      .B \\-\\-help
      show the options of any command; without a command, fido prints its usage
      on stderr and exits 2.
      Settings are taken from the flag, then the environment, then the env file,
      then the profile, then the default.
      .SH GLOBAL OPTIONS

      """
    for option in globals where !option.hidden {
      out += optionItem(option)
    }
    out += ".SH COMMANDS\n"
    out += commands(root, names: [program])
    out += ".SH ENVIRONMENT\n"
    out += environment(root, globals: globals)
    out += """
      .SH FILES
      .TP
      .I PATH
      The env file named by
      .B \\-\\-env\\-file
      or
      .BR FIDO_ENV_FILE :
      .I KEY=VALUE
      lines (the format of the service's
      .I .env
      file), an optional
      .B export
      prefix, values optionally in single or double quotes,
      .B #
      comments and blank lines.
      Any other line, or a named file that cannot be read or is not a regular
      file (a FIFO, a device), is a configuration error (exit 78) naming the
      file and line.
      .TP
      .I ~/.config/fido/config
      The config file of profiles
      .RB ( $FIDO_CONFIG ,
      else
      .IR $XDG_CONFIG_HOME/fido/config ):
      .I [NAME]
      sections of the env file's
      .I KEY=VALUE
      lines
      .RB ( MONGO_URI ,
      .BR MONGO_DB_NAME ,
      .BR TWILIO_* ,
      .BR FIDO_* )
      and
      .BR "protected = true" ,
      which makes a destructive prompt ask for the database name to be typed.
      .B \\-\\-profile
      or
      .B FIDO_PROFILE
      picks a section; settings come from the flag, then the environment, then
      the env file, then the profile, then the default.
      An unknown profile is a configuration error listing the known ones.
      A config or env file holding a secret (a password in
      .BR MONGO_URI ,
      .BR TWILIO_AUTH_TOKEN )
      that other users can read is refused (exit 78) with the
      .B chmod 600
      that fixes it.
      .SH EXIT STATUS
      \(exitStatus())
      .SH OUTPUT FORMATS
      Results go to stdout in the format chosen with
      .BR \\-o :
      .TP
      .B table
      Aligned columns for people, the default on a terminal; money as
      .B GHS 1,234.50
      (negative:
      .BR "GHS \\-1,234.50" );
      colour only on a terminal and without
      .BR \\-\\-no\\-color .
      .TP
      .B json
      One JSON value; an array for lists.
      .TP
      .B ndjson
      One JSON object per line, streamed with constant memory.
      .TP
      .B csv
      RFC 4180 with a header row, one record per line.
      A cell that a spreadsheet would run as a formula (starting with
      .BR = ,
      .BR + ,
      .BR \\- ,
      .BR @ ,
      tab or carriage return) gets a
      .B \\(aq
      in front, unless it is a decimal number as fido writes money and counts
      .RB ( \\-1234.50 ,
      .BR 42 ).
      .TP
      .B tsv
      The default when stdout is not a terminal: no header, one row per line,
      with
      .BR \\et ,
      .BR \\en ,
      .B \\er
      and
      .B \\e\\e
      escaping tab, newline, carriage return and backslash in values; the plain
      format for
      .BR cut (1)
      and
      .BR awk (1).
      .PP
      Table, CSV and TSV never carry a raw control character from the data:
      C0 and C1 controls, DEL, U+2028, U+2029 and the bidirectional controls
      U+202A\\(enU+202E and U+2066\\(enU+2069 are written as
      .BR \\en ,
      .BR \\er ,
      .B \\et
      or
      .B \\eu{1b}
      (the code point in hex).
      TSV reads back exactly; CSV leaves a backslash as it is, so there
      .B \\eu{1b}
      may also be the text itself.
      JSON and NDJSON carry every value exactly (RFC 8259 escapes).
      .PP
      In CSV and TSV a null is an empty field, columns follow the object's field
      order and nested fields flatten with
      .B _
      .RB ( sms_status ,
      .BR busiest_day_date ).
      Every object type has the same columns whatever is null: an absent nested
      object (a user without transactions has no
      .BR busiest_day )
      is one empty field per nested field, so rows from several commands line
      up.
      Money is a decimal string with the minor digits
      .RB ( \\(dq21.00\\(dq )
      plus
      .BR currency ;
      times are RFC 3339 UTC with milliseconds; ids are hex strings.
      .B \\-q
      prints only ids, one per line.
      .PP
      .B \\-\\-fields
      chooses the fields, in that order, in every format: a top-level field
      .RB ( sms ,
      the whole object) or a nested one
      .RB ( sms_status );
      each command lists its fields below.
      .B \\-q
      still prints only ids.
      .PP
      A table fits the terminal (the width of stdout's window, else
      .BR COLUMNS ):
      free text (names, emails, keys, errors) is cut with
      .BR \\[u2026] ,
      ids, money, dates and counts never are, and without
      .B \\-\\-fields
      the least important columns are left out until it fits (a single
      user's
      .B txn list
      leaves out
      .B user_id
      and
      .BR full_name ,
      which every row repeats).
      Tables show times to the second; the other formats carry milliseconds.
      .PP
      Errors go to stderr as
      .BR "fido: error: ..." ;
      with
      .B \\-o json
      or
      .B \\-o ndjson
      the error is also a JSON object on stderr:
      .PP
      .RS 4
      .EX
      {"error":{"code":"not_found","message":"...","exit":3}}
      .EE
      .RE
      .PP
      where
      .B code
      is one of usage, not_found, conflict, invalid_data, unavailable,
      unauthorized, config and failure.
      A message that quotes input shows it in single quotes, control characters
      escaped as above and cut to 80 characters with
      .BR \\[u2026] ;
      a connection string is shown without its userinfo's password, however
      malformed it is.
      .SH SMS OUTBOX
      Every transaction has an SMS alert whose text is fixed when the
      transaction is recorded, for example
      .RS
      .PP
      \\(lqHi Ama Mensah, your account has been credited with GHS 21.00.
      New balance: GHS 1,121.00.\\(rq
      .RE
      .PP
      Every resend sends that text.
      An alert is in one of four states:
      .TP
      .B pending
      Not sent yet: waiting for its next attempt, after a temporary error or
      when Twilio refused the credentials (fix the settings, then
      .BR "fido sms retry" ).
      .TP
      .B sent
      Twilio accepted it; its message SID is kept.
      .TP
      .B failed
      A permanent Twilio error (invalid number, unsubscribed, not a mobile
      number); never retried.
      .TP
      .B skipped
      Not sent, with the reason:
      .BR \\-\\-no\\-sms ,
      a user without a phone, SMS not configured
      .RB ( TWILIO_ACCOUNT_SID
      or
      .B TWILIO_AUTH_TOKEN
      unset), or an import without
      .BR \\-\\-sms .
      .PP
      .B fido txn add
      tries a bounded number of times within
      .BR \\-\\-timeout ;
      an SMS failure never fails the command: the alert stays pending, a
      warning goes to stderr and the exit status is 0.
      Retries back off from a few seconds, doubling each time, capped at one
      hour; a Retry-After from Twilio (429) is honoured up to that cap.
      After an ambiguous outcome (a timeout or dropped connection once the
      request went out, or a 5xx) fido looks the message up at Twilio before
      sending it again (same number and text, created after the attempt
      began, not already recorded for another alert); if the lookup fails
      the alert stays pending.
      Two
      .B sms retry
      runs at once never send the same alert twice.
      .PP
      .B fido sms retry
      exits 0 when it ran, whatever stays pending; 77 when Twilio refuses the
      credentials; 78 when SMS is not configured.
      .SH CREDIT SCORE
      .B fido analytics
      reports a credit score from 1 to 5 with its factors, their values and
      weights:
      .PP
      .RS 4
      .EX
      \(scoreFormula())
      .EE
      .RE
      .PP
      rounded half-even to one decimal.
      Each factor is in [0, 1], computed with integer arithmetic in basis
      points (rounded down):
      \(scoreFactors())
      .PP
      The score is null when there are no transactions.
      With
      .B \\-\\-since
      or
      .B \\-\\-until
      the flows, counts and tenure come from the window; the balance is always
      the current one.
      .SH EXAMPLES
      Create a user and record a credit (an SMS alert follows when the user has
      a phone and SMS is configured):
      .PP
      .RS 4
      .EX
      fido user create \\-\\-name \\(aqAma Mensah\\(aq \\-\\-email ama@example.com \\e
          \\-\\-phone +233201234567
      fido txn add \\-\\-user ama@example.com \\-\\-amount 21 \\-\\-type credit
      .EE
      .RE
      .PP
      Credit scores of every user, lowest first:
      .PP
      .RS 4
      .EX
      fido user list \\-q \\-\\-limit 0 | xargs \\-n1 fido analytics \\-o json |
          jq \\-sr \\(aqsort_by(.credit_score.value)[]
              | [.user_id, .credit_score.value] | @tsv\\(aq
      .EE
      .RE
      .PP
      All of a user's transactions as CSV:
      .PP
      .RS 4
      .EX
      fido txn list \\-\\-user ama@example.com \\-\\-limit 0 \\-o csv > ama.csv
      .EE
      .RE
      .PP
      Import transactions, checking them first:
      .PP
      .RS 4
      .EX
      fido txn import \\-\\-dry\\-run txns.ndjson && fido txn import txns.ndjson
      .EE
      .RE
      .PP
      Resend pending SMS alerts every five minutes from
      .BR cron (8):
      .PP
      .RS 4
      .EX
      */5 * * * * fido sms retry \\-\\-limit 500 >>/var/log/fido\\-sms.log 2>&1
      .EE
      .RE
      .PP
      Check statistics against the transactions, then repair any drift:
      .PP
      .RS 4
      .EX
      fido db check || fido db check \\-\\-repair
      .EE
      .RE
      .SH SEE ALSO
      .BR mongosh (1),
      .BR jq (1),
      .BR cron (8)

      """
    return out
  }

  // MARK: - Commands

  /// One `.SS` per command below `spec`, in table order, hidden ones left out.
  static func commands(_ spec: CommandSpec, names: [String]) -> String {
    var out = ""
    for child in spec.children where !child.hidden {
      let childNames = names + [child.name]
      out += ".SS \"\(code(childNames.joined(separator: " ")))\"\n"
      out += synopsis(child, names: childNames)
      out += ".PP\n" + text(sentence(child.abstract)) + "\n"
      if !child.discussion.isEmpty { out += text(child.discussion) + "\n" }
      for positional in child.positionals {
        out += ".TP\n\\fI\(code(positional.name))\\fR"
        if positional.variadic { out += "\\&..." }
        out += "\n" + text(sentence(positional.help))
        if let allowed = positional.allowed {
          out +=
            "\n" + "One of " + allowed.map { "\\fB\(code($0))\\fR" }.joined(separator: ", ")
            + "."
        }
        out += "\n"
      }
      for option in child.options where !option.hidden {
        out += optionItem(option)
      }
      if let schema = child.schema {
        let names = schema.fields.map { field in
          field.parts.isEmpty
            ? field.name : field.name + "{" + field.parts.joined(separator: ",") + "}"
        }
        out +=
          ".PP\nFields for\n.BR \\-\\-fields :\n" + names.map(code).joined(separator: ",\n") + ".\n"
      }
      if !child.examples.isEmpty {
        out += ".PP\n" + (child.examples.count == 1 ? "Example:" : "Examples:") + "\n"
        out +=
          ".PP\n.RS 4\n.EX\n" + child.examples.map(code).joined(separator: "\n") + "\n.EE\n.RE\n"
      }
      out += commands(child, names: childNames)
    }
    return out
  }

  /// The synopsis in bold and italics (right after `.SS`, which starts a paragraph).
  static func synopsis(_ spec: CommandSpec, names: [String]) -> String {
    var units: [String] = []
    for unit in HelpRenderer.synopsisUnits(spec, names: names) {
      units.append(styledUnit(unit, isName: units.count < names.count))
    }
    return fill(units.joined(separator: " ")) + "\n"
  }

  /// `--name NAME` → `\fB\-\-name\fR \fINAME\fR`; brackets and bars stay roman.
  static func styledUnit(_ unit: String, isName: Bool) -> String {
    if isName { return "\\fB\(code(unit))\\fR" }
    var out = ""
    var word = ""
    func flush() {
      guard !word.isEmpty else { return }
      if word.hasPrefix("-") {
        out += "\\fB\(code(word))\\fR"
      } else if word.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" || $0 == "." }) {
        out += "\\fI\(code(word))\\fR"
      } else {
        out += "\\fB\(code(word))\\fR"
      }
      word = ""
    }
    for character in unit {
      if "[]| ".contains(character) {
        flush()
        out.append(character)
      } else {
        word.append(character)
      }
    }
    flush()
    return out
  }

  /// A `.TP` item: the option's names in bold, its value in italics, then its
  /// help, allowed values, default and environment variable.
  static func optionItem(_ option: OptionSpec) -> String {
    var tag = ""
    if let short = option.short { tag += "\\fB\\-\(code(String(short)))\\fR, " }
    tag += "\\fB\\-\\-\(code(option.long))\\fR"
    if option.kind == .value { tag += " \\fI\(code(option.valueName ?? "VALUE"))\\fR" }
    var body = text(sentence(option.help))
    if option.required { body += "\nRequired." }
    if let allowed = option.allowed {
      body +=
        "\n" + fill("One of " + allowed.map { "\\fB\(code($0))\\fR" }.joined(separator: ", ") + ".")
    }
    if let value = option.defaultValue { body += "\nDefault: \\fB\(code(value))\\fR." }
    if let env = option.env { body += "\nEnvironment: \\fB\(code(env))\\fR." }
    return ".TP\n\(tag)\n\(body)\n"
  }

  // MARK: - Environment

  static func environment(_ root: CommandSpec, globals: [OptionSpec]) -> String {
    var out = ""
    var seen: Set<String> = []
    func add(_ name: String, _ body: String) {
      guard seen.insert(name).inserted else { return }
      out += ".TP\n.B \(code(name))\n\(fill(body))\n"
    }
    func visit(_ options: [OptionSpec], command: String?) {
      for option in options where !option.hidden {
        guard let env = option.env else { continue }
        var body = "Default for \\fB\\-\\-\(code(option.long))\\fR"
        if let command { body += " of \\fB\(code(command))\\fR" }
        body += ": " + text(lowercasedFirst(sentence(option.help)))
        if env == "NO_COLOR" {
          body = "When set to any non-empty value, as \\fB\\-\\-no\\-color\\fR."
        }
        add(env, fill(body))
      }
    }
    visit(globals, command: nil)
    func walk(_ spec: CommandSpec, _ names: [String]) {
      for child in spec.children where !child.hidden {
        visit(child.options, command: (names + [child.name]).joined(separator: " "))
        walk(child, names + [child.name])
      }
    }
    walk(root, [root.name])
    add(
      "TWILIO_ACCOUNT_SID",
      "The Twilio account SID. SMS is off (alerts are skipped) when it or the token is unset.")
    add(
      "TWILIO_AUTH_TOKEN",
      "The Twilio auth token. It is never printed or logged, also not with \\fB\\-v\\fR.")
    add(
      "TWILIO_FROM",
      "The sender number (E.164), unless \\fBTWILIO_MESSAGING_SERVICE_SID\\fR is set.")
    add("TWILIO_MESSAGING_SERVICE_SID", "A Twilio messaging service to send from instead.")
    add(
      "TWILIO_API_BASE",
      "The Twilio API endpoint. Default: \\fBhttps://api.twilio.com\\fR.")
    add(
      "TMPDIR",
      "Where \\fBtxn import\\fR spools stdin or a FIFO (default \\fB/tmp\\fR). The file is unlinked as soon as it is created, so no exit leaves it behind."
    )
    add(
      "FIDO_SMS_VALIDITY",
      "Seconds Twilio may hold an alert before it gives up on it (its ValidityPeriod), 1 to 36000. Default: 3600."
    )
    add(
      "FIDO_SMS_MODE",
      "\\fBsend\\fR (default): \\fBtxn add\\fR sends the alert itself. \\fBqueue\\fR: it records the alert as pending for \\fBfido sms worker\\fR."
    )
    return out
  }

  /// The credit score's formula from `CreditScore.weights`, as an example line.
  static func scoreFormula() -> String {
    let terms = CreditScore.weights.map { "\($0.text)\\(md\($0.name)" }
    // Two lines, as a person would wrap it.
    let half = terms.count / 2
    return "value = 1 + 4 \\(mu (" + terms[..<half].joined(separator: " + ") + "\n             + "
      + terms[half...].joined(separator: " + ") + ")"
  }

  /// One tagged paragraph per factor of `CreditScore.weights`.
  static func scoreFactors() -> String {
    CreditScore.weights.map { ".TP\n.B \($0.name)\n\(text($0.definition))" }.joined(
      separator: "\n")
  }

  /// EXIT STATUS: one tagged paragraph per entry of `ExitStatus.all`.
  static func exitStatus() -> String {
    ExitStatus.all.map { ".TP\n.B \($0.codes)\n\(text($0.meaning))" }.joined(separator: "\n")
  }

  // MARK: - Escaping

  /// Table prose as roff text: backslashes escaped, hyphens of option names
  /// and minus signs as `\-`, no line starting with a control character.
  static func text(_ prose: String) -> String {
    prose.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      let words = line.split(separator: " ", omittingEmptySubsequences: false).map { raw in
        var word = String(raw).replacing("\\", with: "\\e")
        let trimmed = word.drop { "('\"[".contains($0) }
        if trimmed.hasPrefix("-") || word.contains("--") {
          word = word.replacing("-", with: "\\-")
        }
        return word
      }
      return fill(words.joined(separator: " "))
    }.joined(separator: "\n")
  }

  /// Breaks a text line into input lines of at most 80 bytes (mandoc's style
  /// limit), starting a new line after each sentence, as roff prefers; no line
  /// starts with a control character.
  static func fill(_ line: String) -> String {
    let words = line.split(separator: " ").map(String.init)
    var lines: [String] = []
    var current = ""
    for (index, word) in words.enumerated() {
      if !current.isEmpty && current.utf8.count + 1 + word.utf8.count > 80 {
        lines.append(current)
        current = ""
      }
      current += (current.isEmpty ? "" : " ") + word
      let next = index + 1 < words.count ? words[index + 1] : ""
      if endsSentence(word), let first = next.first, first.isUppercase {
        lines.append(current)
        current = ""
      }
    }
    if !current.isEmpty { lines.append(current) }
    return lines.map(guardLineStart).joined(separator: "\n")
  }

  static func endsSentence(_ word: String) -> Bool {
    guard word.hasSuffix(".") || word.hasSuffix("?") || word.hasSuffix("!") else { return false }
    return !["e.g.", "i.e.", "etc.", "vs."].contains(word.lowercased())
  }

  /// Literal text (commands, names, examples): every hyphen is a minus, quotes
  /// stay straight, and backslashes print.
  static func code(_ literal: String) -> String {
    var out = ""
    for character in literal {
      switch character {
      case "\\": out += "\\e"
      case "-": out += "\\-"
      case "'": out += "\\(aq"
      case "`": out += "\\(ga"
      case "~": out += "\\(ti"
      case "^": out += "\\(ha"
      default: out.append(character)
      }
    }
    return guardLineStart(out)
  }

  static func guardLineStart(_ line: String) -> String {
    line.hasPrefix(".") || line.hasPrefix("'") ? "\\&" + line : line
  }

  /// `Create a user` → `Create a user.`
  static func sentence(_ text: String) -> String {
    guard let last = text.last, !".!?".contains(last) else { return text }
    return text + "."
  }

  static func lowercasedFirst(_ text: String) -> String {
    guard let first = text.first else { return text }
    // Keep acronyms and proper names ("MongoDB", "ISO 4217") as they are.
    let firstWord = text.prefix { $0 != " " }
    if firstWord.dropFirst().contains(where: \.isUppercase) { return text }
    return first.lowercased() + text.dropFirst()
  }
}
