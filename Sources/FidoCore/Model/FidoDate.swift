#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Dates as fido reads and writes them: milliseconds since the Unix epoch,
/// UTC, computed with integer civil-date arithmetic (no Foundation, no
/// floating point, negative epochs fine).
package enum FidoDate {
  package static let msPerDay: Int64 = 86_400_000

  /// Parses a DATE:
  /// - RFC 3339: `2023-08-18T15:30:00Z`, `2023-08-18T15:30:00.123456789+01:00`,
  ///   lower-case `t`/`z` accepted; fractions beyond milliseconds are truncated;
  /// - naive `2023-08-18T15:30:00[.fff]`, taken as UTC;
  /// - a day `2023-08-18`: the start of that UTC day, or with `endOfDay`
  ///   its last millisecond (23:59:59.999), for an inclusive `--until`;
  /// - `now`: the `now` passed in.
  /// Years 0001–9999; the calendar is checked (Feb 29 only in leap years,
  /// hour 24 and second 60 are refused).
  /// True for the spellings of `now`. A write keyed by an idempotency key
  /// treats `now` as no date given: it differs at each run, so a retry with
  /// `--date now` would otherwise never match its first run.
  package static func isNow(_ text: String) -> Bool {
    text == "now" || text == "NOW" || text == "Now"
  }

  package static func parse(_ text: String, now: Int64, endOfDay: Bool = false) throws(FidoError)
    -> Int64
  {
    if isNow(text) { return now }
    guard let ms = parseRFC3339(Array(text.utf8), endOfDay: endOfDay) else {
      throw .invalidData(
        "invalid date \(CoreText.quoted(text)): use RFC 3339 like 2023-08-18T15:30:00Z, a day like 2023-08-18, or now"
      )
    }
    return ms
  }

  /// `2023-08-18T15:30:00.000Z`: RFC 3339, UTC, milliseconds.
  package static func format(_ ms: Int64) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(24)
    appendRFC3339(ms, into: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// `2023-08-18`: the UTC calendar day.
  package static func day(_ ms: Int64) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(10)
    appendDay(split(ms).days, into: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// `format`'s text appended as UTF-8 (the JSON writer's dates: no String
  /// per field).
  static func appendRFC3339(_ ms: Int64, into out: inout [UInt8]) {
    let (days, msOfDay) = split(ms)
    appendDay(days, into: &out)
    out.append(UInt8(ascii: "T"))
    CoreText.appendDigits(UInt64(msOfDay / 3_600_000), width: 2, into: &out)
    out.append(UInt8(ascii: ":"))
    CoreText.appendDigits(UInt64(msOfDay / 60_000 % 60), width: 2, into: &out)
    out.append(UInt8(ascii: ":"))
    CoreText.appendDigits(UInt64(msOfDay / 1000 % 60), width: 2, into: &out)
    out.append(UInt8(ascii: "."))
    CoreText.appendDigits(UInt64(msOfDay % 1000), width: 3, into: &out)
    out.append(UInt8(ascii: "Z"))
  }

  /// `2023-08-18` (a negative year as `-0044`) for days since 1970-01-01.
  private static func appendDay(_ days: Int64, into out: inout [UInt8]) {
    let c = civil(fromDays: days)
    if c.year < 0 { out.append(UInt8(ascii: "-")) }
    CoreText.appendDigits(c.year.magnitude, width: 4, into: &out)
    out.append(UInt8(ascii: "-"))
    CoreText.appendDigits(UInt64(c.month), width: 2, into: &out)
    out.append(UInt8(ascii: "-"))
    CoreText.appendDigits(UInt64(c.day), width: 2, into: &out)
  }

  /// The first millisecond of the UTC day holding `ms` (clamped at Int64.min).
  package static func dayStart(_ ms: Int64) -> Int64 {
    let (r, o) = ms.subtractingReportingOverflow(split(ms).msOfDay)
    return o ? .min : r
  }

  /// Milliseconds since the epoch now, from the system's real-time clock.
  package static func currentMs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
  }

  /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
  /// days_from_civil). `month` 1–12, `day` 1–31; not range-checked.
  package static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  /// The proleptic Gregorian date of a day number (civil_from_days).
  package static func civil(fromDays z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let z = z0 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
  }

  package static func isLeapYear(_ y: Int64) -> Bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
  }

  package static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
    switch m {
    case 2: isLeapYear(y) ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }

  // MARK: - private

  private static func split(_ ms: Int64) -> (days: Int64, msOfDay: Int64) {
    var days = ms / msPerDay
    var rem = ms % msPerDay
    if rem < 0 {
      days -= 1
      rem += msPerDay
    }
    return (days, rem)
  }

  private static func parseRFC3339(_ b: [UInt8], endOfDay: Bool) -> Int64? {
    var i = 0
    func digits(_ n: Int) -> Int64? {
      guard i + n <= b.count else { return nil }
      var v: Int64 = 0
      for k in i..<(i + n) {
        guard b[k] >= 0x30 && b[k] <= 0x39 else { return nil }
        v = v * 10 + Int64(b[k] - 0x30)
      }
      i += n
      return v
    }
    func expect(_ c: UInt8) -> Bool {
      guard i < b.count, b[i] == c else { return false }
      i += 1
      return true
    }
    guard let y = digits(4), expect(UInt8(ascii: "-")), let mo = digits(2),
      expect(UInt8(ascii: "-")),
      let d = digits(2)
    else { return nil }
    guard y >= 1, (1...12).contains(mo), d >= 1, d <= daysInMonth(y, mo) else { return nil }
    let dayMs = days(fromCivil: y, mo, d) * msPerDay
    if i == b.count { return endOfDay ? dayMs + msPerDay - 1 : dayMs }

    guard i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") else { return nil }
    i += 1
    guard let h = digits(2), expect(UInt8(ascii: ":")), let mi = digits(2),
      expect(UInt8(ascii: ":")),
      let s = digits(2)
    else { return nil }
    guard h <= 23, mi <= 59, s <= 59 else { return nil }
    var frac: Int64 = 0
    if i < b.count, b[i] == UInt8(ascii: ".") {
      i += 1
      var n = 0
      while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
        if n < 3 { frac = frac * 10 + Int64(b[i] - 0x30) }
        n += 1
        i += 1
      }
      guard (1...9).contains(n) else { return nil }
      if n < 3 { for _ in n..<3 { frac *= 10 } }
    }
    var offset: Int64 = 0
    if i < b.count {
      if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
        i += 1
      } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
        let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
        i += 1
        guard let oh = digits(2), expect(UInt8(ascii: ":")), let om = digits(2), oh <= 23, om <= 59
        else {
          return nil
        }
        offset = sign * (oh * 3_600_000 + om * 60_000)
      } else {
        return nil
      }
    }
    guard i == b.count else { return nil }
    return dayMs + h * 3_600_000 + mi * 60_000 + s * 1000 + frac - offset
  }
}
