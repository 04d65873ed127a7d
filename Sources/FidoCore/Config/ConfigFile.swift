#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The config file of profiles: `$FIDO_CONFIG`, else
/// `$XDG_CONFIG_HOME/fido/config`, else `~/.config/fido/config`.
///
/// ```
/// [prod]
/// MONGO_URI=mongodb+srv://admin:…@cluster0.example.net
/// MONGO_DB_NAME=fido
/// protected = true
/// ```
///
/// `[NAME]` starts a profile (letters, digits, `_`, `-`, `.`); inside, the
/// env file's `KEY=VALUE` lines with fido's keys (`MONGO_URI`,
/// `MONGO_DB_NAME`, `TWILIO_*`, `FIDO_*`) and `protected = true|false`.
/// Blank lines and `#` comments anywhere. Any other line, a key outside a
/// section or a name given twice is a configuration error naming the line
/// (never its text: it may hold a secret).
package struct ConfigFile: Sendable, Equatable {
  package struct Profile: Sendable, Equatable {
    package var name: String
    package var values: [String: String]
    /// Destructive prompts ask for the database name to be typed.
    package var protected: Bool
  }

  package var path: String
  package var profiles: [Profile]

  package func profile(_ name: String) -> Profile? { profiles.first { $0.name == name } }

  /// Where the config file is, from the environment; nil without HOME.
  package static func path(environment: [String: String]) -> String? {
    if let p = environment["FIDO_CONFIG"], !p.isEmpty { return p }
    if let x = environment["XDG_CONFIG_HOME"], x.hasPrefix("/") { return x + "/fido/config" }
    if let home = environment["HOME"], !home.isEmpty { return home + "/.config/fido/config" }
    return nil
  }

  package static func parse(_ text: String, path: String) throws(FidoError) -> ConfigFile {
    var profiles: [Profile] = []
    var number = 0
    func bad(_ reason: String) -> FidoError {
      .config("config file \(CoreText.quoted(path)) line \(number): \(reason)")
    }
    for raw in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
      number += 1
      var line = Array(raw)
      if line.last == 0x0D { line.removeLast() }
      let trimmed = String(decoding: line, as: UTF8.self).trimmingASCIISpaces()
      if trimmed.hasPrefix("[") {
        guard trimmed.hasSuffix("]"), trimmed.count > 2 else {
          throw bad("expected [NAME] to start a profile")
        }
        let name = String(trimmed.dropFirst().dropLast())
        guard isProfileName(name) else {
          throw bad("a profile name is letters, digits, _, - and .")
        }
        guard !profiles.contains(where: { $0.name == name }) else {
          throw bad("profile \(CoreText.quoted(name)) is defined twice")
        }
        profiles.append(Profile(name: name, values: [:], protected: false))
        continue
      }
      guard
        let (key, value) = try EnvFile.parseLine(
          line, path: path, number: number, what: "config file")
      else { continue }
      guard !profiles.isEmpty else { throw bad("a setting before the first [NAME]") }
      if key == "protected" {
        guard value == "true" || value == "false" else {
          throw bad("protected is true or false")
        }
        profiles[profiles.count - 1].protected = value == "true"
      } else if isSettingKey(key) {
        profiles[profiles.count - 1].values[key] = value
      } else {
        throw bad(
          "unknown key \(CoreText.quoted(key)): use MONGO_URI, MONGO_DB_NAME, TWILIO_*, FIDO_* or protected"
        )
      }
    }
    return ConfigFile(path: path, profiles: profiles)
  }

  /// Reads the file; nil when it does not exist. Refused (exit 78) when it
  /// holds a secret and other users can read it.
  package static func load(path: String) throws(FidoError) -> ConfigFile? {
    let bytes: [UInt8]
    do {
      bytes = try CoreFile.read(path: path)
    } catch {
      if access(path, F_OK) != 0 { return nil }
      throw .config("config file \(CoreText.quoted(path)): \(error.reason)")
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw .config("config file \(CoreText.quoted(path)): not valid UTF-8 text")
    }
    let file = try parse(text, path: path)
    for profile in file.profiles {
      try Config.refuseExposedSecret(in: profile.values, path: path, what: "config file")
    }
    return file
  }

  static func isProfileName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.count <= 64
      && name.unicodeScalars.allSatisfy {
        $0.isASCII
          && ($0.properties.isAlphabetic || ("0"..."9").contains($0)
            || "_-.".unicodeScalars.contains($0))
      }
  }

  static func isSettingKey(_ key: String) -> Bool {
    key == "MONGO_URI" || key == "MONGO_DB_NAME" || key == "NO_COLOR"
      || (key.hasPrefix("TWILIO_") || key.hasPrefix("FIDO_"))
        && key != "FIDO_PROFILE" && key != "FIDO_CONFIG" && key != "FIDO_ENV_FILE"
  }
}

extension String {
  fileprivate func trimmingASCIISpaces() -> String {
    let bytes = Array(utf8)
    var start = 0
    var end = bytes.count
    while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
    while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
    return String(decoding: bytes[start..<end], as: UTF8.self)
  }
}

extension CoreFile {
  /// Whether `path` is a regular file that users other than its owner can read.
  static func readableByOthers(path: String) -> Bool {
    var st = stat()
    guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return false }
    return st.st_mode & 0o044 != 0
  }
}
