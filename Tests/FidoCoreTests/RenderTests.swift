import FidoCore
import Foundation
import XCTest

final class RenderTests: XCTestCase {
  let ghs = Currency.lookup("GHS")!
  let when: Int64 = 1_692_372_600_000  // 2023-08-18T15:30:00.000Z

  func render(
    _ o: OutObject, _ format: OutputFormat, quiet: Bool = false, color: Bool = false,
    width: Int? = nil
  )
    -> String
  {
    let sink = CoreTestSink()
    Render.object(
      o, options: RenderOptions(format: format, quiet: quiet, color: color, width: width),
      sink: sink)
    return sink.text
  }

  func renderList(
    _ objects: [OutObject], _ format: OutputFormat, quiet: Bool = false, columns: [String]? = nil,
    width: Int? = nil
  ) -> String {
    let sink = CoreTestSink()
    let r = ListRenderer(
      options: RenderOptions(format: format, quiet: quiet, width: width), sink: sink,
      columns: columns)
    for o in objects { r.write(o) }
    r.finish()
    return sink.text
  }

  var txn: OutObject {
    OutObject([
      ("id", .string("64df5a8e2f1b3c4d5e6f7a8b")),
      ("full_name", .string("Ama Mensah")),
      ("amount", .money(Money(minor: 123_450, currency: ghs))),
      ("date", .date(when)),
      ("key", .null),
      ("sms", .object(OutObject([("status", .string("sent")), ("attempts", .int(1))]))),
    ])
  }

  func testObjectJSONPretty() {
    XCTAssertEqual(
      render(txn, .json),
      """
      {
        "id": "64df5a8e2f1b3c4d5e6f7a8b",
        "full_name": "Ama Mensah",
        "amount": "1234.50",
        "date": "2023-08-18T15:30:00.000Z",
        "key": null,
        "sms": {
          "status": "sent",
          "attempts": 1
        }
      }

      """)
  }

  func testObjectNDJSONCompact() {
    XCTAssertEqual(
      render(txn, .ndjson),
      #"{"id":"64df5a8e2f1b3c4d5e6f7a8b","full_name":"Ama Mensah","amount":"1234.50","date":"2023-08-18T15:30:00.000Z","key":null,"sms":{"status":"sent","attempts":1}}"#
        + "\n")
  }

  func testObjectCSVAndTSVFlatten() {
    XCTAssertEqual(
      render(txn, .csv),
      "id,full_name,amount,date,key,sms_status,sms_attempts\r\n"
        + "64df5a8e2f1b3c4d5e6f7a8b,Ama Mensah,1234.50,2023-08-18T15:30:00.000Z,,sent,1\r\n")
    XCTAssertEqual(
      render(txn, .tsv),
      "64df5a8e2f1b3c4d5e6f7a8b\tAma Mensah\t1234.50\t2023-08-18T15:30:00.000Z\t\tsent\t1\n")
  }

  func testObjectTable() {
    XCTAssertEqual(
      render(txn, .table),
      """
      id            64df5a8e2f1b3c4d5e6f7a8b
      full_name     Ama Mensah
      amount        GHS 1,234.50
      date          2023-08-18T15:30:00Z
      key           -
      sms_status    sent
      sms_attempts  1

      """)
  }

  func testCreditScoreInEveryFormat() {
    let score = CreditScore.out(
      CreditScore.compute(
        creditTotal: 25000, debitTotal: 6000, balance: 12100, count: 7, firstMs: 0,
        lastMs: 2 * 86_400_000))
    let o = OutObject([("user_id", .string("u1")), ("credit_score", score)])
    let json = render(o, .ndjson)
    XCTAssertTrue(json.contains(#""credit_score":{"value":3.5,"scale":"1-5""#), json)
    XCTAssertTrue(json.contains(#"{"name":"net_flow","value":0.8064,"weight":0.40,"#), json)
    let csv = render(o, .csv)
    let lines = csv.components(separatedBy: "\r\n")
    XCTAssertEqual(
      lines[0],
      "user_id,credit_score_value,credit_score_scale,credit_score_formula,credit_score_factors")
    XCTAssertTrue(
      lines[1].hasPrefix(
        #"u1,3.5,1-5,1 + 4 × Σ weight·factor,"[{""name"":""net_flow"",""value"":0.8064,"#))
    let table = render(o, .table)
    XCTAssertTrue(table.contains("credit_score_value    3.5\n"), table)
    XCTAssertTrue(
      table.contains("credit_score_factors  net_flow       0.8064  0.40  credits are 80.64%"), table
    )
    XCTAssertTrue(table.contains("\n                      balance_cover  1.0000  0.30  "), table)
    XCTAssertNil(render(o, .tsv).dropLast().firstIndex(of: "\n"))
  }

  func testCSVQuoting() {
    let o = OutObject([
      ("plain", .string("abc")), ("comma", .string("a,b")), ("quote", .string("say \"hi\"")),
      ("newline", .string("line1\nline2")), ("cr", .string("a\rb")), ("space", .string(" x ")),
      ("empty", .string("")), ("null", .null), ("bool", .bool(true)),
    ])
    XCTAssertEqual(
      render(o, .csv),
      "plain,comma,quote,newline,cr,space,empty,null,bool\r\n"
        + "abc,\"a,b\",\"say \"\"hi\"\"\",line1\\nline2,a\\rb, x ,,,true\r\n")
  }

  /// Stored ESC/BEL and bidi overrides reached csv and tsv raw. Every control
  /// character (C0, DEL, C1, U+2028/9, U+202A–E, U+2066–9) is written
  /// visibly in every text format; tsv also doubles the backslash so it
  /// reads back exactly.
  func testCSVAndTSVNeverCarryRawControlCharacters() {
    var controls: [Unicode.Scalar] = (0..<0x20).map { Unicode.Scalar(UInt8($0)) }
    controls += (0x7F...0x9F).map { Unicode.Scalar(UInt8($0)) }
    controls += [
      0x2028, 0x2029, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069,
    ]
    .map { Unicode.Scalar($0)! }
    for c in controls {
      var name = "Ama"
      name.unicodeScalars.append(c)
      name += "x\\"
      let o = OutObject([("id", .string("u1")), ("name", .string(name))])
      for format in [OutputFormat.csv, .tsv, .table] {
        let text = render(o, format) + renderList([o, o], format)
        // Only the format's own separators and line ends are left raw.
        let body = text.replacingOccurrences(of: format == .csv ? "\r\n" : "\n", with: "")
          .replacingOccurrences(of: "\t", with: format == .tsv ? "" : "\t")
        XCTAssertFalse(
          body.unicodeScalars.contains(where: CoreText.isControlLike),
          "\(format) U+\(String(c.value, radix: 16)): \(text.debugDescription)")
      }
      let hex = String(c.value, radix: 16)
      let shown = c == "\t" ? "\\t" : c == "\n" ? "\\n" : c == "\r" ? "\\r" : "\\u{\(hex)}"
      XCTAssertEqual(render(o, .tsv), "u1\tAma\(shown)x\\\\\n")
      XCTAssertEqual(render(o, .csv), "id,name\r\nu1,Ama\(shown)x\\\r\n")
    }
    XCTAssertEqual(
      render(OutObject([("a", .string("\u{1B}]0;pwned\u{07}"))]), .csv),
      "a\r\n\\u{1b}]0;pwned\\u{7}\r\n")
  }

  /// DESIGN.md: a CSV cell a spreadsheet would run as a formula gets a `'`,
  /// unless it is a decimal number as fido writes money and counts.
  func testCSVDefusesFormulas() {
    let o = OutObject([
      ("eq", .string("=HYPERLINK(\"x\")")), ("plus", .string("+1 ")), ("minus", .string("-x")),
      ("at", .string("@SUM(A1)")), ("tab", .string("\t=1")), ("cr", .string("\r=1")),
      ("money", .money(Money(minor: -123_450, currency: ghs))), ("count", .int(-42)),
      ("dash", .string("-")), ("plain", .string("a=b")), ("neg", .string("-3.5")),
    ])
    XCTAssertEqual(
      render(o, .csv).components(separatedBy: "\r\n")[1],
      #""'=HYPERLINK(""x"")",'+1 ,'-x,'@SUM(A1),'\t=1,'\r=1,-1234.50,-42,'-,a=b,-3.5"#)
    XCTAssertEqual(render(o, .tsv).split(separator: "\t")[0], "=HYPERLINK(\"x\")", "tsv as it is")
  }

  /// `analytics -o tsv` had 23 columns for a user with transactions and 18
  /// for one without: an absent nested object was one empty field. A
  /// `.nullObject` is JSON null but flattens to its keys, so both have the
  /// same columns (header too) in csv, tsv and table.
  func testAbsentObjectsKeepTheirColumns() {
    func analytics(_ day: OutValue) -> OutObject {
      OutObject([("user_id", .string("u")), ("busiest_day", day), ("n", .int(1))])
    }
    let present = analytics(
      .object(OutObject([("date", .string("2023-08-18")), ("count", .int(2))])))
    let absent = analytics(.nullObject(keys: ["date", "count"]))
    XCTAssertEqual(render(absent, .ndjson), #"{"user_id":"u","busiest_day":null,"n":1}"# + "\n")
    XCTAssertEqual(
      render(present, .csv), "user_id,busiest_day_date,busiest_day_count,n\r\nu,2023-08-18,2,1\r\n")
    XCTAssertEqual(
      render(absent, .csv), "user_id,busiest_day_date,busiest_day_count,n\r\nu,,,1\r\n")
    XCTAssertEqual(render(absent, .tsv), "u\t\t\t1\n")
    XCTAssertEqual(renderList([absent, present], .tsv), "u\t\t\t1\nu\t2023-08-18\t2\t1\n")
    XCTAssertEqual(
      renderList([absent, present], .csv).components(separatedBy: "\r\n")[0],
      "user_id,busiest_day_date,busiest_day_count,n")
    XCTAssertTrue(render(absent, .table).contains("busiest_day_count  -\n"), render(absent, .table))
  }

  func testQuotedEscapesAndShortens() {
    XCTAssertEqual(
      CoreText.quoted("a\u{1B}[2J\u{202E}b\u{2066}\u{9B}"),
      "'a\\u{1b}[2J\\u{202e}b\\u{2066}\\u{9b}'")
    let long = CoreText.quoted(String(repeating: "x", count: 130_000))
    XCTAssertEqual(long, "'" + String(repeating: "x", count: 80) + "…'")
    // A pile of combining marks is one character: cut all the same.
    let marks = CoreText.quoted("a" + String(repeating: "\u{301}", count: 100_000))
    XCTAssertLessThan(marks.unicodeScalars.count, 20)
    XCTAssertTrue(marks.hasSuffix("…'"))
    XCTAssertEqual(CoreText.quoted("Ọ̀ṣun 李"), "'Ọ̀ṣun 李'")
  }

  func testTSVEscaping() {
    let o = OutObject([
      ("tab", .string("a\tb")), ("nl", .string("l1\nl2")), ("cr", .string("a\rb")),
      ("bs", .string("back\\slash")),
      ("mixed", .string("\\t is not a tab")), ("null", .null), ("unicode", .string("Ọ̀ṣun 李")),
    ])
    XCTAssertEqual(
      render(o, .tsv), "a\\tb\tl1\\nl2\ta\\rb\tback\\\\slash\t\\\\t is not a tab\t\tỌ̀ṣun 李\n")
  }

  func testJSONEscaping() {
    XCTAssertEqual(Render.json(.string("\u{01}\u{1F}\u{0}")), #""\u0001\u001f\u0000""#)
    XCTAssertEqual(Render.json(.string("a\nb\rc\td\u{08}\u{0C}")), #""a\nb\rc\td\b\f""#)
    XCTAssertEqual(Render.json(.string("quote \" back \\ slash /")), #""quote \" back \\ slash /""#)
    XCTAssertEqual(Render.json(.string("é€😀 李 \u{7F}")), "\"é€😀 李 \u{7F}\"")
    XCTAssertEqual(
      Render.json(.array([.int(-5), .bool(false), .null, .number("3.4")])), "[-5,false,null,3.4]")
    XCTAssertEqual(Render.json(.object(OutObject())), "{}")
    XCTAssertEqual(Render.prettyJSON(.object(OutObject([("a", .array([]))]))), "{\n  \"a\": []\n}")
    XCTAssertEqual(
      Render.jsonError(code: "not_found", message: "user 'x' not found", exit: 3),
      #"{"error":{"code":"not_found","message":"user 'x' not found","exit":3}}"#)
  }

  func testJSONWritesDatesIntegersAndEveryControlByteAsTheTextFunctionsDo() {
    var rng = CoreTestRNG(seed: 42)
    var dates: [Int64] = [
      0, -1, 1, .min, .max, -62_135_596_800_000, 253_402_300_799_999, 1_692_372_600_000,
    ]
    for _ in 0..<2000 {
      dates.append(Int64.random(in: -400_000_000_000_000...400_000_000_000_000, using: &rng))
    }
    for ms in dates {
      XCTAssertEqual(Render.json(.date(ms)), "\"" + FidoDate.format(ms) + "\"", "\(ms)")
    }
    for i: Int64 in [0, 7, -7, 1_000_000, .min, .max] {
      XCTAssertEqual(Render.json(.int(i)), String(i))
    }
    for b in UInt8(0)..<0x80 {
      let s = "a" + String(UnicodeScalar(b)) + "é"
      let expected: String
      switch b {
      case 0x22: expected = "\\\""
      case 0x5C: expected = "\\\\"
      case 0x0A: expected = "\\n"
      case 0x0D: expected = "\\r"
      case 0x09: expected = "\\t"
      case 0x08: expected = "\\b"
      case 0x0C: expected = "\\f"
      case 0..<0x20: expected = "\\u00" + (b < 0x10 ? "0" : "") + String(b, radix: 16)
      default: expected = String(UnicodeScalar(b))
      }
      XCTAssertEqual(Render.json(.string(s)), "\"a" + expected + "é\"", "byte \(b)")
    }
  }

  func testMoneyNullAndDatesInEveryFormat() {
    let o = OutObject([
      ("id", .string("a")), ("balance", .money(Money(minor: -123_450, currency: ghs))),
      ("at", .date(when)),
      ("none", .null),
    ])
    XCTAssertEqual(
      render(o, .ndjson),
      #"{"id":"a","balance":"-1234.50","at":"2023-08-18T15:30:00.000Z","none":null}"# + "\n")
    XCTAssertEqual(
      render(o, .csv), "id,balance,at,none\r\na,-1234.50,2023-08-18T15:30:00.000Z,\r\n")
    XCTAssertEqual(render(o, .tsv), "a\t-1234.50\t2023-08-18T15:30:00.000Z\t\n")
    let table = render(o, .table)
    XCTAssertTrue(table.contains("balance  GHS -1,234.50\n"))
    XCTAssertTrue(table.contains("at       2023-08-18T15:30:00Z\n"), "tables show seconds")
    XCTAssertTrue(table.contains("none     -\n"))
  }

  func item(_ i: Int) -> OutObject {
    OutObject([
      ("id", .string("id\(i)")), ("amount", .money(Money(minor: Int64(i) * 1000, currency: ghs))),
    ])
  }

  func testJSONArrays() {
    XCTAssertEqual(renderList([], .json), "[]\n")
    XCTAssertEqual(
      renderList([item(1)], .json),
      "[\n  {\n    \"id\": \"id1\",\n    \"amount\": \"10.00\"\n  }\n]\n")
    XCTAssertEqual(
      renderList([item(1), item(2), item(3)], .json),
      """
      [
        {
          "id": "id1",
          "amount": "10.00"
        },
        {
          "id": "id2",
          "amount": "20.00"
        },
        {
          "id": "id3",
          "amount": "30.00"
        }
      ]

      """)
  }

  func testNDJSONStreamsOneLinePerObject() {
    let sink = CoreTestSink()
    let r = ListRenderer(options: RenderOptions(format: .ndjson), sink: sink)
    r.write(item(1))
    XCTAssertEqual(sink.text, #"{"id":"id1","amount":"10.00"}"# + "\n", "written as it arrives")
    r.write(item(2))
    r.write(item(3))
    r.finish()
    XCTAssertEqual(
      sink.text.split(separator: "\n", omittingEmptySubsequences: false),
      [
        #"{"id":"id1","amount":"10.00"}"#, #"{"id":"id2","amount":"20.00"}"#,
        #"{"id":"id3","amount":"30.00"}"#, "",
      ])
    XCTAssertEqual(renderList([], .ndjson), "")
  }

  func testCSVAndTSVLists() {
    let a = OutObject([
      ("id", .string("t1")), ("sms", .object(OutObject([("status", .string("sent"))]))),
    ])
    let b = OutObject([("id", .string("t2")), ("sms", .null), ("extra", .int(1))])
    XCTAssertEqual(renderList([a, b], .csv), "id,sms_status\r\nt1,sent\r\nt2,\r\n")
    XCTAssertEqual(renderList([a, b], .tsv), "t1\tsent\nt2\t\n")
    XCTAssertEqual(renderList([], .csv), "")
    XCTAssertEqual(renderList([], .csv, columns: ["id", "sms_status"]), "id,sms_status\r\n")
    XCTAssertEqual(
      renderList([a], .csv, columns: ["sms_status", "id"]), "sms_status,id\r\nsent,t1\r\n")
    XCTAssertEqual(renderList([], .tsv), "")
  }

  func testQuiet() {
    XCTAssertEqual(renderList([item(1), item(2)], .json, quiet: true), "id1\nid2\n")
    XCTAssertEqual(renderList([item(1)], .table, quiet: true), "id1\n")
    XCTAssertEqual(render(item(7), .csv, quiet: true), "id7\n")
    let sms = OutObject([("transaction_id", .string("t9")), ("status", .string("pending"))])
    XCTAssertEqual(render(sms, .table, quiet: true), "t9\n")
    XCTAssertEqual(renderList([sms], .tsv, quiet: true), "t9\n")
  }

  func testTableList() {
    let rows = [
      OutObject([
        ("id", .string("a1")), ("name", .string("Ama Mensah")),
        ("balance", .money(Money(minor: 112_100, currency: ghs))), ("phone", .null),
      ]),
      OutObject([
        ("id", .string("b22")), ("name", .string("李小龍")),
        ("balance", .money(Money(minor: -500, currency: ghs))), ("phone", .string("+233241234567")),
      ]),
    ]
    XCTAssertEqual(
      renderList(rows, .table),
      """
      ID   NAME             BALANCE  PHONE
      a1   Ama Mensah  GHS 1,121.00  -
      b22  李小龍         GHS -5.00  +233241234567

      """)
    XCTAssertEqual(renderList([], .table), "")
    XCTAssertEqual(renderList([], .table, columns: ["id", "name"]), "", "no lone header")
  }

  func testTableWidthAndColor() {
    let long = OutObject([
      ("id", .string("a1")), ("note", .string(String(repeating: "x", count: 80))),
    ])
    let text = renderList([long], .table, width: 30)
    for line in text.split(separator: "\n") {
      XCTAssertLessThanOrEqual(Render.displayWidth(String(line)), 30)
    }
    XCTAssertTrue(text.contains("…"))
    let sink = CoreTestSink()
    Render.list([item(1)], options: RenderOptions(format: .table, color: true), sink: sink)
    XCTAssertTrue(sink.text.hasPrefix("\u{1B}[1mID \u{1B}[0m"), sink.text.debugDescription)
    XCTAssertFalse(renderList([item(1)], .table).contains("\u{1B}"))
  }

  func testTableEscapesControlCharacters() {
    let o = OutObject([("id", .string("a")), ("err", .string("bad\n\u{1B}[2Jthing"))])
    XCTAssertEqual(render(o, .table), "id   a\nerr  bad\\n\\u{1b}[2Jthing\n")
  }

  func testDisplayWidth() {
    XCTAssertEqual(Render.displayWidth("abc"), 3)
    XCTAssertEqual(Render.displayWidth("李小龍"), 6)
    XCTAssertEqual(Render.displayWidth("e\u{301}"), 1)
    XCTAssertEqual(Render.displayWidth("😀"), 2)
    XCTAssertEqual(Render.displayWidth(""), 0)
  }

  func testOutputFormatNames() {
    XCTAssertEqual(
      OutputFormat.allCases.map(\.rawValue), ["table", "json", "ndjson", "csv", "tsv"])
    XCTAssertNil(OutputFormat(rawValue: "JSON"))
  }
}
