import FidoCore

/// One page of a list: the query asks for one item more than `--limit`, so
/// the command knows whether the list was cut, and which id the next page
/// starts after, without a second round trip.
final class ListPage {
  let limit: Int64
  private(set) var shown = 0
  private(set) var more = false
  private(set) var lastID: String?

  init(limit: Int64) { self.limit = limit }

  /// The limit to send: `--limit` plus one (0, all, stays 0).
  var queryLimit: Int64 {
    guard limit > 0 else { return 0 }
    let (next, overflow) = limit.addingReportingOverflow(1)
    return overflow ? limit : next
  }

  /// Documents of the page fido could not read (each warned about once).
  private(set) var unreadable = 0

  /// A document fido cannot read where an item would be: a warning on
  /// stderr naming it and its field, when it falls within the page (past
  /// `--limit` it only says there is more). `finishList` then exits 65.
  func skip(_ doc: UnreadableDocument, _ ctx: Context) {
    if limit > 0 && Int64(shown) >= limit {
      more = true
      return
    }
    unreadable += 1
    ctx.warn("\(doc.sentence); left out of this list")
  }

  /// Whether the item belongs to the page; the one past `--limit` only says there is more.
  func admit(id: String) -> Bool {
    if limit > 0 && Int64(shown) >= limit {
      more = true
      return false
    }
    shown += 1
    lastID = id
    return true
  }
}

extension Context {
  /// Ends a list: the renderer's `finish`, then, on a terminal's stderr, a
  /// hint when `--limit` cut the list (`next` says how to get the rest: the
  /// `--after` of the next page, or nil for `--limit 0`) and a note when a
  /// table list is empty. Nothing on stderr otherwise (scripts see only data).
  func finishList(
    _ out: OutputList, _ page: ListPage, what: String, pagesWithAfter: Bool = true
  ) throws(FidoError) {
    try out.finish()
    if page.unreadable > 0 {
      // The readable ones are printed; the rest was named on stderr.
      throw .invalidData(
        "\(plural(page.unreadable, "stored document")) could not be read and \(page.unreadable == 1 ? "was" : "were") left out of the list (see the warnings); fido shows no guessed value: see 'fido db check'"
      )
    }
    guard io.stderrIsTTY else { return }
    io.out.flush()  // the note comes after the rows
    if page.more {
      let next =
        pagesWithAfter && page.lastID != nil
        ? "next page: --after \(page.lastID!)" : "--limit 0 shows all"
      io.err.write("fido: showing \(page.shown) of more; \(next)\n")
    } else if page.shown == 0, try renderOptions().format == .table, !(try config().quiet) {
      io.err.write("fido: no \(what) found\n")
    }
  }

  /// One sentence for a person reading a log, on stderr (the result record
  /// stays on stdout).
  func summary(_ sentence: String) {
    io.out.flush()
    io.err.write("fido: \(sentence)\n")
  }
}

/// `1.2 s`, `35 ms`: how long something took, for summaries.
func elapsedText(ms: Int64) -> String {
  if ms < 1000 { return "\(max(ms, 0)) ms" }
  return "\(ms / 1000).\(ms % 1000 / 100) s"
}

/// `1 transaction`, `3 transactions`.
func plural(_ n: Int, _ one: String, _ many: String? = nil) -> String {
  "\(n) " + (n == 1 ? one : many ?? one + "s")
}
