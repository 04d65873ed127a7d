/// Phone numbers in E.164: `+`, a first digit 1–9, 8 to 15 digits in all.
package enum Phone {
  package static func validate(_ text: String) throws(FidoError) -> String {
    let bytes = Array(text.utf8)
    let ok =
      bytes.count >= 9 && bytes.count <= 16 && bytes[0] == UInt8(ascii: "+")
      && (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[1])
      && bytes.dropFirst().allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    if !ok {
      throw .invalidData(
        "invalid phone \(CoreText.quoted(text)): use E.164, '+' then the country code and number, 8–15 digits, no spaces (e.g. +233241234567)"
      )
    }
    return text
  }
}
