import XCTest

@testable import FidoCore

/// `--fields`, schemas and tables that fit the terminal.
final class FieldsAndWidthTests: XCTestCase {
  let ghs = Currency.lookup("GHS")!

  func user(_ id: String, name: String, email: String, balance: Int64 = 100_000) -> OutObject {
    OutObject([
      ("id", .string(id)), ("name", .string(name)), ("email", .string(email)),
      ("phone", .string("+233201234567")), ("currency", .string("GHS")),
      ("balance", .money(Money(minor: balance, currency: ghs))),
      ("created_at", .date(1_692_372_600_000)), ("updated_at", .date(1_692_372_600_000)),
    ])
  }

  func txn(_ id: String) -> OutObject {
    OutObject([
      ("id", .string(id)), ("user_id", .string("u" + String(repeating: "1", count: 23))),
      ("full_name", .string("Ama Mensah")), ("amount", .money(Money(minor: 2150, currency: ghs))),
      ("currency", .string("GHS")), ("type", .string("credit")), ("date", .date(0)),
      ("key", .null), ("created_at", .date(0)), ("updated_at", .date(0)),
      (
        "sms",
        .object(
          OutObject([
            ("status", .string("sent")), ("sid", .null), ("attempts", .int(1)),
            ("last_error", .null),
          ]))
      ),
    ])
  }

  func list(
    _ objects: [OutObject], _ format: OutputFormat, schema: OutSchema?, fields: [String]? = nil,
    width: Int? = nil, omits: [String] = [], quiet: Bool = false
  ) -> String {
    let sink = CoreTestSink()
    let r = ListRenderer(
      options: RenderOptions(format: format, quiet: quiet, width: width, fields: fields),
      sink: sink, schema: schema, tableOmits: omits)
    for o in objects { r.write(o) }
    r.finish()
    return sink.text
  }

  // MARK: schemas

  /// Each schema's columns are exactly what the real objects flatten to.
  func testSchemasMatchTheObjects() {
    XCTAssertEqual(
      OutSchema.user.columns, Render.flatten(user("a", name: "n", email: "e")).map(\.key))
    XCTAssertEqual(OutSchema.transaction.columns, Render.flatten(txn("t")).map(\.key))
    XCTAssertEqual(
      OutSchema.transaction.selectors.prefix(11).last, "sms", "the nested object is a field too")
    XCTAssertTrue(OutSchema.transaction.selectors.contains("sms_last_error"))
    XCTAssertEqual(
      OutSchema.analytics.columns.filter { $0.hasPrefix("credit_score") },
      ["credit_score_value", "credit_score_scale", "credit_score_formula", "credit_score_factors"])
    // db migrate-legacy's record: --fields can choose among its keys.
    XCTAssertEqual(
      OutSchema.migrateSummary.columns,
      Render.flatten(MigrateReport(currency: ghs).out).map(\.key))
  }

  func testSelectChecksNamesAndKeepsTheOrder() throws {
    XCTAssertEqual(
      try OutSchema.transaction.select("sms_status,id,sms", command: "fido txn list"),
      ["sms_status", "id", "sms"])
    XCTAssertEqual(
      OutSchema.transaction.columns(of: ["id", "sms"]),
      ["id", "sms_status", "sms_sid", "sms_attempts", "sms_last_error"])
    for bad in ["id,nme", "id,", "", "id,id", "ID"] {
      XCTAssertThrowsError(try OutSchema.user.select(bad, command: "fido user list")) { error in
        let e = error as! FidoError
        XCTAssertEqual(e.exitCode, 2, bad)
        if bad == "id,nme" {
          XCTAssertEqual(
            e.message,
            "unknown field 'nme' for 'fido user list'; valid fields: id,name,email,phone,currency,balance,created_at,updated_at"
          )
        }
      }
    }
  }

  // MARK: --fields in every format

  func testFieldsInEveryFormat() {
    let rows = [txn("t1"), txn("t2")]
    let fields = ["sms_status", "id", "amount"]
    XCTAssertEqual(
      list(rows, .csv, schema: .transaction, fields: fields),
      "sms_status,id,amount\r\nsent,t1,21.50\r\nsent,t2,21.50\r\n")
    XCTAssertEqual(
      list(rows, .tsv, schema: .transaction, fields: fields), "sent\tt1\t21.50\nsent\tt2\t21.50\n")
    XCTAssertEqual(
      list(rows, .ndjson, schema: .transaction, fields: fields),
      #"{"sms_status":"sent","id":"t1","amount":"21.50"}"# + "\n"
        + #"{"sms_status":"sent","id":"t2","amount":"21.50"}"# + "\n")
    XCTAssertEqual(
      list([rows[0]], .json, schema: .transaction, fields: ["id", "sms"]),
      """
      [
        {
          "id": "t1",
          "sms": {
            "status": "sent",
            "sid": null,
            "attempts": 1,
            "last_error": null
          }
        }
      ]

      """)
    XCTAssertEqual(
      list(rows, .table, schema: .transaction, fields: ["id", "type"]),
      "ID  TYPE\nt1  credit\nt2  credit\n")
    XCTAssertEqual(
      list(rows, .tsv, schema: .transaction, fields: fields, quiet: true), "t1\nt2\n",
      "-q prints ids whatever --fields says")
    // A single object.
    let sink = CoreTestSink()
    Render.object(
      txn("t1"), options: RenderOptions(format: .csv, fields: ["amount", "sms_attempts"]),
      sink: sink)
    XCTAssertEqual(sink.text, "amount,sms_attempts\r\n21.50,1\r\n")
  }

  func testEmptyCSVListHasItsHeader() {
    XCTAssertEqual(
      list([], .csv, schema: .user),
      "id,name,email,phone,currency,balance,created_at,updated_at\r\n")
    XCTAssertEqual(list([], .csv, schema: .user, fields: ["email", "id"]), "email,id\r\n")
    XCTAssertEqual(list([], .tsv, schema: .user), "")
    XCTAssertEqual(list([], .json, schema: .user), "[]\n")
  }

  // MARK: width

  func testListFitsEightyColumnsCuttingOnlyFreeText() {
    let long = String(repeating: "Nkrumah ", count: 25)
    let rows = [
      user("6b15d3c901ba8d5fda54daef", name: "Ama Mensah", email: "ama@example.com"),
      user(
        "6b15d3c902f585e17e48a662", name: long, email: "kwame.nkrumah@very-long-domain.example.com",
        balance: 123_456_789_00),
    ]
    let text = list(rows, .table, schema: .user, width: 80)
    let lines = text.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.count, 3)
    for line in lines { XCTAssertLessThanOrEqual(Render.displayWidth(line), 80, line) }
    XCTAssertTrue(lines[0].hasPrefix("ID "), lines[0])
    XCTAssertTrue(lines[2].contains("6b15d3c902f585e17e48a662"), "ids are never cut")
    XCTAssertTrue(lines[2].contains("GHS 123,456,789.00"), "money is never cut")
    XCTAssertTrue(lines[2].contains("Nkrum"), lines[2])
    XCTAssertTrue(lines[2].contains("…"), "the long name is cut")
    XCTAssertFalse(lines[0].contains("UPDATED_AT"), "the least important columns are left out")
    // Wide enough: every column, nothing cut.
    let wide = list(rows, .table, schema: .user, width: 400)
    XCTAssertTrue(wide.contains("UPDATED_AT"))
    XCTAssertTrue(wide.contains(long.trimmingCharacters(in: .whitespaces)))
    XCTAssertFalse(wide.contains("…"))
    // No width (not a terminal, no COLUMNS): nothing cut.
    XCTAssertFalse(list(rows, .table, schema: .user).contains("…"))
  }

  func testSingleUserListLeavesOutRepeatedColumns() {
    let text = list(
      [txn("t1")], .table, schema: .transaction, width: 300, omits: ["user_id", "full_name"])
    XCTAssertFalse(text.contains("USER_ID"))
    XCTAssertFalse(text.contains("FULL_NAME"))
    XCTAssertFalse(text.contains("Ama Mensah"))
    XCTAssertTrue(text.contains("SMS_STATUS"))
    // Asked for by --fields: shown.
    let asked = list(
      [txn("t1")], .table, schema: .transaction, fields: ["id", "full_name"], width: 300,
      omits: ["user_id", "full_name"])
    XCTAssertEqual(asked, "ID  FULL_NAME\nt1  Ama Mensah\n")
    // Other formats keep every column.
    XCTAssertTrue(
      list([txn("t1")], .csv, schema: .transaction, omits: ["user_id", "full_name"]).contains(
        "user_id,full_name"))
  }

  /// On an 80-column terminal the credit score factors' explanations wrap
  /// under their column instead of being cut: every word is still there.
  func testFactorExplanationsWrapToFit() throws {
    let score = CreditScore.out(
      CreditScore.compute(
        creditTotal: 132_175, debitTotal: 500, balance: 241_675, count: 4, firstMs: 0, lastMs: 0))
    let o = OutObject([("user_id", .string("6b15df1302946262ce6456e0")), ("credit_score", score)])
    let wide = CoreTestSink()
    Render.object(o, options: RenderOptions(format: .table), sink: wide, schema: .analytics)
    let narrow = CoreTestSink()
    Render.object(
      o, options: RenderOptions(format: .table, width: 80), sink: narrow, schema: .analytics)
    let lines = narrow.text.split(separator: "\n").map(String.init)
    for line in lines { XCTAssertLessThanOrEqual(Render.displayWidth(line), 80, line) }
    XCTAssertFalse(narrow.text.contains("…"), narrow.text)
    XCTAssertGreaterThan(lines.count, wide.text.split(separator: "\n").count, "some wrapped")
    func words(_ t: String) -> [Substring] { t.split(whereSeparator: { $0 == " " || $0 == "\n" }) }
    XCTAssertEqual(words(narrow.text), words(wide.text), "the same words, in the same order")
    // A continuation line starts at the explanation's column.
    let first = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("credit_score_factors") })
    let column = lines[first].range(of: "credits are")!.lowerBound.utf16Offset(in: lines[first])
    XCTAssertEqual(lines[first + 1].prefix { $0 == " " }.count, column, lines[first + 1])
  }

  /// A long value that is not free text (doctor's connection error) wraps
  /// under the value column: nothing cut, nothing past the edge.
  func testLongRecordValuesWrapUnderTheirColumn() {
    let error =
      "failed: cannot reach MongoDB at mongodb://127.0.0.1:1: No suitable servers found; check MONGO_URI"
    let o = OutObject([("database", .string("fido")), ("connection", .string(error))])
    let sink = CoreTestSink()
    Render.object(o, options: RenderOptions(format: .table, width: 50), sink: sink, schema: .doctor)
    XCTAssertEqual(
      sink.text,
      """
      database    fido
      connection  failed: cannot reach MongoDB at
                  mongodb://127.0.0.1:1: No suitable
                  servers found; check MONGO_URI

      """)
    let wide = CoreTestSink()
    Render.object(o, options: RenderOptions(format: .table), sink: wide, schema: .doctor)
    XCTAssertEqual(wide.text, "database    fido\nconnection  \(error)\n")
  }

  func testWrapBreaksAtSpacesAndSplitsLongWords() {
    XCTAssertEqual(Render.wrap("aa bb cc", width: 5), ["aa bb", "cc"])
    XCTAssertEqual(Render.wrap("abcdefghij k", width: 4), ["abcd", "efgh", "ij k"])
    XCTAssertEqual(Render.wrap("", width: 4), [""])
  }

  /// A narrow sms list keeps the reason (last_error) before the next attempt time.
  func testSMSListKeepsTheReasonAtEightyColumns() {
    let row = OutObject([
      ("transaction_id", .string("6b15df1602ef0057664684a3")), ("user_id", .string("u")),
      ("to", .string("+233241234567")), ("status", .string("skipped")), ("attempts", .int(0)),
      ("last_error", .string("SMS not configured")), ("sid", .null),
      ("next_attempt_at", .null), ("updated_at", .date(0)),
    ])
    let text = list([row], .table, schema: .sms, width: 80)
    XCTAssertTrue(text.hasPrefix("TRANSACTION_ID  "), text)
    XCTAssertTrue(text.contains("LAST_ERROR"), text)
    XCTAssertTrue(text.contains("SMS not configured"), text)
  }

  func testObjectTableCutsOnlyTextValues() {
    let o = user(
      "6b15d3c901ba8d5fda54daef", name: String(repeating: "x", count: 100), email: "a@b.co")
    let sink = CoreTestSink()
    Render.object(o, options: RenderOptions(format: .table, width: 40), sink: sink, schema: .user)
    for line in sink.text.split(separator: "\n") {
      XCTAssertLessThanOrEqual(Render.displayWidth(String(line)), 40, String(line))
    }
    XCTAssertTrue(sink.text.contains("id          6b15d3c901ba8d5fda54daef\n"))
    XCTAssertTrue(sink.text.contains("name        xxxx"))
    XCTAssertTrue(sink.text.contains("…"))
  }
}
