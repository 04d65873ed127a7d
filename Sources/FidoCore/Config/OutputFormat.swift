/// The output formats of `-o/--output`.
package enum OutputFormat: String, CaseIterable, Sendable {
  /// Aligned columns for people; money as `GHS 1,234.50`.
  case table
  /// One JSON value (an array for lists), 2-space indented.
  case json
  /// One compact JSON object per line, streamed.
  case ndjson
  /// RFC 4180 with a header row (CRLF line ends), control characters escaped,
  /// formula-like cells prefixed with `'`.
  case csv
  /// Tab-separated, no header, `\t \n \r \\` and other control characters
  /// (`\u{1b}`) escaped: the plain format for `cut`/`awk`.
  case tsv
}
