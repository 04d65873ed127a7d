import FidoCore
import Foundation
import XCTest

final class PasswordTests: XCTestCase {
  func testPHCFormatAndVerify() throws {
    let pw = Array("correct horse battery".utf8)
    let phc = try PasswordHasher.hash(pw)
    let shape = try Regex(#"^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$"#)
    XCTAssertNotNil(phc.wholeMatch(of: shape), phc)
    XCTAssertTrue(try PasswordHasher.verify(pw, phc: phc))
    XCTAssertFalse(try PasswordHasher.verify(Array("correct horse battery!".utf8), phc: phc))
    XCTAssertFalse(try PasswordHasher.verify([], phc: phc))

    let again = try PasswordHasher.hash(pw)
    XCTAssertNotEqual(phc, again, "fresh salt every time")
    XCTAssertTrue(try PasswordHasher.verify(pw, phc: again))
  }

  /// RFC 7914 §12 test vector, wrapped in a PHC string built with Foundation's
  /// base64 (independent of fido's encoder).
  func testRFC7914Vector() throws {
    let hex =
      "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
    var key = [UInt8]()
    var i = hex.startIndex
    while i < hex.endIndex {
      let j = hex.index(i, offsetBy: 2)
      key.append(UInt8(hex[i..<j], radix: 16)!)
      i = j
    }
    func b64(_ b: [UInt8]) -> String {
      Data(b).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }
    let phc = "$scrypt$ln=10,r=8,p=16$\(b64(Array("NaCl".utf8)))$\(b64(key))"
    XCTAssertTrue(try PasswordHasher.verify(Array("password".utf8), phc: phc))
    XCTAssertFalse(try PasswordHasher.verify(Array("Password".utf8), phc: phc))
  }

  func testMalformedPHCIsFalse() throws {
    let pw = Array("password1".utf8)
    let good = try PasswordHasher.hash(pw)
    let parts = good.split(separator: "$").map(String.init)
    let cases = [
      "", "plain-text-password", "$scrypt$",
      "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
      "$scrypt$ln=15,r=8$\(parts[2])$\(parts[3])",
      "$scrypt$ln=15,r=8,p=1,p=1$\(parts[2])$\(parts[3])",
      "$scrypt$ln=40,r=8,p=1$\(parts[2])$\(parts[3])", "$scrypt$ln=15,r=8,p=1$!!!$\(parts[3])",
      "$scrypt$ln=15,r=8,p=1$\(parts[2])$\(parts[3])=",
      // The key with its first character changed (so its first byte is
      // other): a hash of the right shape that does not match. (A hash cut
      // short is a shorter key, which scrypt's output verifies by prefix.)
      "$scrypt$ln=15,r=8,p=1$\(parts[2])$\(parts[3].first == "A" ? "B" : "A")\(parts[3].dropFirst())",
      good + "$extra",
    ]
    for phc in cases { XCTAssertFalse(try PasswordHasher.verify(pw, phc: phc), phc) }
  }

  func testPasswordInput() throws {
    XCTAssertEqual(try PasswordInput.fromStdin(Array("secret12\n".utf8)), Array("secret12".utf8))
    XCTAssertEqual(try PasswordInput.fromStdin(Array("secret12\r\n".utf8)), Array("secret12".utf8))
    XCTAssertEqual(try PasswordInput.fromStdin(Array("secret12".utf8)), Array("secret12".utf8))
    XCTAssertEqual(
      try PasswordInput.fromStdin(Array("secret12\n\n".utf8)), Array("secret12\n".utf8))
    XCTAssertEqual(
      try PasswordInput.fromStdin(Array("  spaced  \n".utf8)), Array("  spaced  ".utf8))
    XCTAssertEqual(
      try PasswordInput.fromStdin(Array(String(repeating: "é", count: 8).utf8)).count, 16)
    XCTAssertEqual(try PasswordInput.fromStdin(Array(repeating: 0x61, count: 1024)).count, 1024)
    let bad: [[UInt8]] = [
      [], Array("\n".utf8), Array("short\n".utf8), Array("1234567\n".utf8),
      Array(String(repeating: "é", count: 7).utf8),
      Array(repeating: 0x61, count: 1025), [0xFF, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61],
      Array("password".utf8) + [0xC0, 0x80], Array("password".utf8) + [0xED, 0xA0, 0x80],
      Array("password".utf8) + [0xE2, 0x82],
    ]
    for b in bad {
      let e = coreError { try PasswordInput.fromStdin(b) }
      XCTAssertEqual(e?.code, "invalid_data", "\(b.prefix(12))")
      XCTAssertTrue(e?.message.contains("; use 8–1024 characters") ?? false)
      XCTAssertFalse(e?.message.contains("password must") ?? true, "said once, not twice")
    }
    XCTAssertEqual(
      coreError { try PasswordInput.fromStdin(Array("short\n".utf8)) }?.message,
      "the password is too short (5 characters); use 8–1024 characters (one trailing newline is removed)"
    )
  }

  func testWipe() {
    var b = Array("secret".utf8)
    PasswordHasher.wipe(&b)
    XCTAssertEqual(b, [0, 0, 0, 0, 0, 0])
  }
}
