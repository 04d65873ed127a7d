/// How results are rendered: the format plus what the terminal allows.
package struct RenderOptions: Sendable {
  package var format: OutputFormat
  /// Print only the `id` (or `transaction_id`) of each object, one per line.
  package var quiet: Bool
  /// ANSI colour in tables (bold headers); only when stdout is a terminal.
  package var color: Bool
  /// The terminal width; tables wider than this shorten their widest columns with `…`.
  package var width: Int?
  /// `--fields`: the fields to print, in this order (checked against the
  /// command's `OutSchema`); nil prints every field.
  package var fields: [String]?

  package init(
    format: OutputFormat = .table, quiet: Bool = false, color: Bool = false, width: Int? = nil,
    fields: [String]? = nil
  ) {
    self.format = format
    self.quiet = quiet
    self.color = color
    self.width = width
    self.fields = fields
  }
}
