/// Why a `Document` could not become a `bson_t`: the BSON layer's own error,
/// so that it depends on no driver. A caller's error type adopts
/// `BSONFailure` to receive it from `withBSON` (the Mongo layer's
/// `MongoError` does).
struct BSONError: Error, Sendable, Equatable, CustomStringConvertible {
  enum Kind: Sendable, Equatable {
    /// A value libbson cannot encode (a NUL in a key, an invalid Decimal128,
    /// a document over 2 GB), or no memory for one.
    case encoding
    /// An argument of the wrong shape (an update that is neither a document
    /// nor a pipeline).
    case argument
  }

  var kind: Kind
  var message: String

  var description: String { message }
}

/// An error type that can carry a `BSONError`: the error a `withBSON` body
/// throws, so an encoding failure reaches the caller as its own type.
protocol BSONFailure: Error {
  init(_ error: BSONError)
}

extension BSONError: BSONFailure {
  init(_ error: BSONError) { self = error }
}
