/// A 1–5 credit score from a user's transaction history.
///
/// The old service took the average transaction amount and scaled it to
/// 1–5. That rewards whoever moves the biggest sums — one large debit scores
/// better than a year of steady, modest saving — and says nothing about
/// whether the customer can pay their way. This score looks instead at four
/// things a lender cares about, each reduced to a factor between 0 and 1:
///
/// | factor | weight | question | value |
/// |---|---|---|---|
/// | `net_flow` | 0.40 | does more money come in than goes out? | credit_total / (credit_total + debit_total) |
/// | `balance_cover` | 0.30 | would the balance cover the spending seen so far? | balance / debit_total, clamped to 0…1; 1 with no debits and a balance ≥ 0; 0 with a balance ≤ 0 |
/// | `activity` | 0.15 | is there enough history to judge? | min(count, 100) / 100 |
/// | `tenure` | 0.15 | over how long? | min(whole days from first to last transaction, 365) / 365 |
///
/// score = 1 + 4 × (0.40·net_flow + 0.30·balance_cover + 0.15·activity + 0.15·tenure)
///
/// Each factor is computed in basis points (1/10000) rounded down, exactly
/// for any totals (Int128 sums of Int64 figures, 256-bit products); the score is
/// rounded half-even to one decimal. Ratios rather than amounts make the
/// score independent of the currency and of how rich the customer is: a
/// customer who saves GHS 50 a week for a year scores as well as one who
/// saves GHS 5,000. The formula is deterministic; the same history always
/// gives the same score, and every factor is shown with its weight.
///
/// A score is a value; Render shows it as the analytics output's
/// `credit_score` object.
package struct CreditScore: Sendable, Equatable {
  package static let formula = "1 + 4 × Σ weight·factor"

  /// The score in tenths: 10 (1.0) to 50 (5.0).
  package var tenths: Int64
  /// The factors in `weights` order.
  package var factors: [Factor]

  /// One factor as scored: its weight, its value in basis points (0–10000)
  /// and what it saw, in words.
  package struct Factor: Sendable, Equatable {
    package var weight: Weight
    package var basisPoints: UInt64
    package var detail: String
  }

  /// One factor of the score: its name, its weight in hundredths, and its
  /// definition (for the man page). The weights add up to 100.
  package struct Weight: Sendable, Equatable {
    package let name: String
    package let hundredths: UInt64
    package let definition: String
    /// "0.40"
    package var text: String { "0.\(hundredths < 10 ? "0" : "")\(hundredths)" }
  }

  /// The factors in the order the output lists them: the one place their
  /// weights are written down (the score, its output and the man page read them).
  package static let weights: [Weight] = [
    Weight(
      name: "net_flow", hundredths: 40,
      definition: "credit_total / (credit_total + debit_total)."),
    Weight(
      name: "balance_cover", hundredths: 30,
      definition:
        "1 when debit_total is 0 and the balance is not negative, else balance / debit_total clamped to [0, 1]."
    ),
    Weight(
      name: "activity", hundredths: 15, definition: "min(transaction_count, 100) / 100."),
    Weight(
      name: "tenure", hundredths: 15,
      definition: "min(days from the first to the last transaction, 365) / 365."),
  ]
  /// The score of a user's figures, or nil when the user has no
  /// transactions. Amounts are in minor units; `firstMs` and `lastMs` are
  /// the dates of the first and last transactions.
  package static func compute(
    creditTotal: Int128, debitTotal: Int128, balance: Int64, count: Int128, firstMs: Int64?,
    lastMs: Int64?
  ) -> CreditScore? {
    guard count > 0 else { return nil }
    let credit = UInt128(max(creditTotal, 0))
    let debit = UInt128(max(debitTotal, 0))

    // net_flow: share of the money moved that came in.
    let moved = credit + debit  // ≤ 2·Int128.max < UInt128.max
    let netFlow: UInt64 = moved == 0 ? 5000 : ratioBP(credit, moved)
    let netDetail =
      moved == 0
      ? "no money moved in or out"
      : "credits are \(percent(netFlow)) of all money moved in and out"

    // balance_cover: how much of the spending the balance would cover.
    let cover: UInt64
    let coverDetail: String
    if debit == 0 && balance >= 0 {
      cover = 10000
      coverDetail = "no debits, and the balance is not negative"
    } else if balance <= 0 {
      cover = 0
      coverDetail = "the balance is zero or negative"
    } else {
      cover = ratioBP(min(UInt128(balance), debit), debit)
      coverDetail =
        cover == 10000
        ? "the balance covers all debits so far"
        : "the balance covers \(percent(cover)) of all debits so far"
    }

    // activity: enough transactions to judge; full marks at 100.
    let capped = Int64(min(count, 100))
    let activity = UInt64(capped) * 100
    let activityDetail = "\(count) transaction\(count == 1 ? "" : "s") (full marks at 100)"

    // tenure: time between first and last transaction; full marks at a year.
    var days: Int64 = 0
    if let f = firstMs, let l = lastMs, l > f {
      let (span, o) = l.subtractingReportingOverflow(f)
      days = o ? Int64.max / FidoDate.msPerDay : span / FidoDate.msPerDay
    }
    let tenure = UInt64(min(days, 365)) * 10000 / 365
    let tenureDetail =
      "\(days) whole day\(days == 1 ? "" : "s") between first and last transaction (full marks at 365)"

    // Weighted sum in units of 1/1_000_000 (weights in hundredths × basis points).
    let scored: [(bp: UInt64, detail: String)] = [
      (netFlow, netDetail), (cover, coverDetail), (activity, activityDetail),
      (tenure, tenureDetail),
    ]
    let sum = zip(weights, scored).reduce(UInt64(0)) { $0 + $1.0.hundredths * $1.1.bp }
    // value = 1 + 4·sum/1e6 → in tenths: 10 + sum/25_000, rounded half-even.
    let tenths = 10 + Int64(halfEven(sum, 25_000))
    return CreditScore(
      tenths: tenths,
      factors: zip(weights, scored).map {
        Factor(weight: $0, basisPoints: $1.bp, detail: $1.detail)
      }
    )
  }

  /// floor(a × 10000 / b) for a ≤ b, b > 0, exact over the full UInt128 range.
  static func ratioBP(_ a: UInt128, _ b: UInt128) -> UInt64 {
    let product = a.multipliedFullWidth(by: 10000)
    // a ≤ b ⇒ quotient ≤ 10000: no trap, and it fits UInt64.
    return UInt64(b.dividingFullWidth(product).quotient)
  }

  private static func halfEven(_ n: UInt64, _ d: UInt64) -> UInt64 {
    let q = n / d
    let r = n % d
    if r * 2 > d || (r * 2 == d && q % 2 == 1) { return q + 1 }
    return q
  }

  /// Basis points as a percentage: 8125 → "81.25%".
  private static func percent(_ bp: UInt64) -> String {
    let frac = String(bp % 100)
    return "\(bp / 100)." + (frac.count == 1 ? "0" : "") + frac + "%"
  }
}
