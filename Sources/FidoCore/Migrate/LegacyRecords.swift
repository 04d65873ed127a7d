/// The old FastAPI service's documents (its pydantic `User` and
/// `Transaction` models, as pymongo stored them) read into what fido
/// migrates. Pure: no database, so each rule is unit-tested.
///
/// `user`: `name`, `email`, `phone_number`, `password` (plain text),
/// `balance` (double), and statistics fido drops (`transactions`,
/// `credit_score`, `average_transaction_value`,
/// `total_number_of_transactions`, `total_amount_transacted`,
/// `date_with_highest_transaction`).
/// `transaction`: `user_id` (the user's id as a hex string), `full_name`,
/// `transaction_date` (date), `transaction_amount` (double),
/// `transaction_type` (`credit`/`debit`).
package enum Legacy {
  package static let userCollection = "user"
  package static let transactionCollection = "transaction"

  /// Why a migrated transaction's alert is `skipped`.
  package static let smsSkipReason = "migrated"

  /// Only what the migration reads of a legacy user (the statistics stay behind).
  static let userProjection: Document = [
    "name": 1, "email": 1, "phone_number": 1, "password": 1, "balance": 1,
  ]
  static let transactionProjection: Document = [
    "user_id": 1, "transaction_date": 1, "transaction_amount": 1, "transaction_type": 1,
  ]

  /// How a legacy document is named in messages: `user 64ab…` or, for an
  /// `_id` that is not an ObjectId, its value quoted.
  static func label(_ kind: String, _ id: BSONValue?) -> String {
    switch id {
    case .objectID(let o)?: "\(kind) \(o.hex)"
    case .string(let s)?: "\(kind) \(CoreText.quoted(s))"
    case .int32(let v)?: "\(kind) \(v)"
    case .int64(let v)?: "\(kind) \(v)"
    case nil: "\(kind) without _id"
    default: "\(kind) with a non-ObjectId _id"
    }
  }

  enum MoneyField {
    case success(LegacyAmount.Converted)
    /// Why the field is not money fido can take.
    case failure(String)

    var converted: LegacyAmount.Converted? {
      if case .success(let c) = self { c } else { nil }
    }
  }

  /// A legacy money figure in minor units: a double through its shortest
  /// decimal, an integer as whole units; anything else is not money.
  static func money(
    _ value: BSONValue?, field: String, currency: Currency, round: Bool
  ) -> MoneyField {
    let converted: Result<LegacyAmount.Converted, LegacyAmount.Failure>
    switch value {
    case .double(let d)?:
      converted = LegacyAmount.minorUnits(of: d, digits: currency.minorDigits, round: round)
    case .int32(let v)?:
      converted = LegacyAmount.minorUnits(ofWhole: Int64(v), digits: currency.minorDigits)
    case .int64(let v)?:
      converted = LegacyAmount.minorUnits(ofWhole: v, digits: currency.minorDigits)
    case nil, .null?:
      return .failure("\(field) is missing")
    default:
      return .failure("\(field) is \(typeName(value!)), not a number")
    }
    switch converted {
    case .success(let c): return .success(c)
    case .failure(.notFinite(let t)): return .failure("\(field) \(t) is not a finite number")
    case .failure(.tooLarge(let t)):
      return .failure(
        "\(field) \(t) is past the money limit (\(Money(minor: Money.maxMinor, currency: currency).display))"
      )
    case .failure(.tooPrecise(let t, let digits)):
      return .failure(
        "\(field) \(t) has more than \(digits) decimal place\(digits == 1 ? "" : "s") for \(currency.code); run with --round to round it half-even"
      )
    }
  }

  static func typeName(_ v: BSONValue) -> String {
    switch v {
    case .double: "a double"
    case .string: "a string"
    case .document: "an object"
    case .array: "an array"
    case .binary: "binary data"
    case .objectID: "an ObjectId"
    case .bool: "a boolean"
    case .date: "a date"
    case .null: "null"
    case .regex: "a regular expression"
    case .int32, .int64: "an integer"
    case .timestamp: "a timestamp"
    case .decimal128: "a decimal128"
    case .minKey, .maxKey: "a min/max key"
    }
  }
}

/// A legacy user that can be migrated.
package struct LegacyUser: Sendable, Equatable {
  package var id: ObjectID
  package var name: String
  package var email: String
  /// The email as the service stored it (for the conflict message).
  package var rawEmail: String
  package var phone: String?
  /// The legacy `balance` in minor units.
  package var balance: Int64
  /// Its shortest decimal when `--round` rounded it.
  package var balanceRoundedFrom: String?
  /// A non-empty password is stored (and will be hashed).
  package var hasPassword: Bool
  /// Shorter than fido's minimum: hashed all the same, and the user is listed.
  package var shortPassword: Bool

  /// Reads one `user` document; every problem it has, or the user.
  package static func parse(_ doc: Document, currency: Currency, round: Bool) -> Result<
    LegacyUser, LegacyProblems
  > {
    var problems: [String] = []
    guard let id = doc["_id"]?.objectIDValue else {
      return .failure(
        LegacyProblems(
          label: Legacy.label("user", doc["_id"]),
          reasons: ["_id is not an ObjectId, so fido cannot keep it"]))
    }
    var name = ""
    switch doc["name"] {
    case .string(let s)? where CoreText.trim(s).isEmpty:
      problems.append("name \(CoreText.quoted(s)) is blank")
    case .string(let s)?:
      // Names are trimmed of surrounding white space, as fido stores them.
      do {
        name = try PersonName.validate(String(CoreText.trim(s)))
      } catch {
        problems.append(error.message)
      }
    case nil, .null?: problems.append("name is missing")
    case let v?: problems.append("name is \(Legacy.typeName(v)), not text")
    }
    var email = ""
    var rawEmail = ""
    switch doc["email"] {
    case .string(let s)?:
      rawEmail = s
      do { email = try Email.normalize(s) } catch { problems.append(error.message) }
    case nil, .null?: problems.append("email is missing")
    case let v?: problems.append("email is \(Legacy.typeName(v)), not text")
    }
    var phone: String? = nil
    switch doc["phone_number"] {
    case .string(let s)? where s.isEmpty: break  // the service's "no phone"
    case .string(let s)?:
      do { phone = try Phone.validate(s) } catch {
        problems.append("phone_number: \(error.message); correct it in the legacy data")
      }
    case nil, .null?: break
    case let v?: problems.append("phone_number is \(Legacy.typeName(v)), not text")
    }
    var hasPassword = false
    var shortPassword = false
    switch doc["password"] {
    case .string(let s)?:
      hasPassword = !s.isEmpty
      shortPassword = hasPassword && s.unicodeScalars.count < PasswordInput.minLength
    case nil, .null?: break
    case let v?: problems.append("password is \(Legacy.typeName(v)), not text")
    }
    var balance: Int64 = 0
    var roundedFrom: String? = nil
    switch Legacy.money(doc["balance"], field: "balance", currency: currency, round: round) {
    case .success(let c):
      balance = c.minor
      roundedFrom = c.roundedFrom
    case .failure(let why): problems.append(why)
    }
    if !problems.isEmpty {
      return .failure(LegacyProblems(label: "user \(id.hex)", reasons: problems))
    }
    return .success(
      LegacyUser(
        id: id, name: name, email: email, rawEmail: rawEmail, phone: phone, balance: balance,
        balanceRoundedFrom: roundedFrom, hasPassword: hasPassword, shortPassword: shortPassword))
  }
}

/// A legacy transaction that can be migrated.
package struct LegacyTransaction: Sendable, Equatable {
  package var id: ObjectID
  package var user: ObjectID
  package var amount: Int64
  package var amountRoundedFrom: String?
  package var type: TxnType
  package var date: Int64

  /// Reads one `transaction` document; every problem it has, or the transaction.
  /// Whether its user exists is the caller's to check.
  package static func parse(_ doc: Document, currency: Currency, round: Bool) -> Result<
    LegacyTransaction, LegacyProblems
  > {
    guard let id = doc["_id"]?.objectIDValue else {
      return .failure(
        LegacyProblems(
          label: Legacy.label("transaction", doc["_id"]),
          reasons: ["_id is not an ObjectId, so fido cannot keep it"]))
    }
    var problems: [String] = []
    var user: ObjectID? = nil
    switch doc["user_id"] {
    case .string(let s)?:
      user = ObjectID(hex: s)
      if user == nil {
        problems.append("user_id \(CoreText.quoted(s)) is not a user id (24 hex digits)")
      }
    case .objectID(let o)?: user = o
    case nil, .null?: problems.append("user_id is missing")
    case let v?: problems.append("user_id is \(Legacy.typeName(v)), not a user id")
    }
    var amount: Int64 = 0
    var roundedFrom: String? = nil
    switch Legacy.money(
      doc["transaction_amount"], field: "transaction_amount", currency: currency, round: round)
    {
    case .success(let c):
      amount = c.minor
      roundedFrom = c.roundedFrom
      if amount <= 0 {
        let shown = c.roundedFrom.map {
          "\($0) (rounded to \(Money(minor: amount, currency: currency).plain))"
        }
        problems.append(
          "transaction_amount \(shown ?? Money(minor: amount, currency: currency).plain) is not positive"
        )
      }
    case .failure(let why): problems.append(why)
    }
    var type: TxnType = .credit
    switch doc["transaction_type"] {
    case .string(let s)?:
      if let t = TxnType(rawValue: s) {
        type = t
      } else {
        problems.append("transaction_type \(CoreText.quoted(s)) is neither credit nor debit")
      }
    case nil, .null?: problems.append("transaction_type is missing")
    case let v?: problems.append("transaction_type is \(Legacy.typeName(v)), not credit or debit")
    }
    var date: Int64 = 0
    switch doc["transaction_date"] {
    case .date(let d)?: date = d
    case nil, .null?: problems.append("transaction_date is missing")
    case let v?: problems.append("transaction_date is \(Legacy.typeName(v)), not a date")
    }
    if !problems.isEmpty {
      return .failure(LegacyProblems(label: "transaction \(id.hex)", reasons: problems))
    }
    return .success(
      LegacyTransaction(
        id: id, user: user!, amount: amount, amountRoundedFrom: roundedFrom, type: type,
        date: date))
  }
}

/// What is wrong with one legacy document: `user 64ab…: reason; reason`.
package struct LegacyProblems: Error, Sendable, Equatable, CustomStringConvertible {
  package var label: String
  package var reasons: [String]
  package var description: String { "\(label): \(reasons.joined(separator: "; "))" }
}
