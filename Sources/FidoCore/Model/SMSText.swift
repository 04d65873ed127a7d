/// The fixed text of a transaction's SMS alert. It is built once, when the
/// transaction is recorded, and every resend sends the same text.
package enum SMSText {
  /// `Hi Ama Mensah, your account has been credited with GHS 21.00. New balance: GHS 1,121.00.`
  /// `type` is `credit` or `debit` ("debited" for debit, "credited" otherwise).
  package static func make(name: String, type: String, amount: Money, balance: Money) -> String {
    let verb = type == "debit" ? "debited" : "credited"
    return
      "Hi \(name), your account has been \(verb) with \(amount.display). New balance: \(balance.display)."
  }

  /// The text for a transaction of `user`: amounts in minor units of the user's currency.
  static func make(user: User, type: TxnType, amount: Int64, balance: Int64) -> String {
    make(
      name: user.name, type: type.rawValue, amount: Money(minor: amount, currency: user.currency),
      balance: Money(minor: balance, currency: user.currency))
  }
}
