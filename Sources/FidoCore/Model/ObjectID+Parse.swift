/// Parses an id a person typed; `what` names it in the message, as every
/// caller writes it ("transaction id" → "invalid transaction id 'xyz':
/// expected 24 hex digits").
package func parseID(_ s: String, what: String) throws(FidoError) -> ObjectID {
  guard let id = ObjectID(hex: s) else {
    throw .invalidData("invalid \(what) \(CoreText.quoted(s)): expected 24 hex digits")
  }
  return id
}
