internal import CMongoc

// The only place that turns `Document` into `bson_t` and back.
//
// Ownership (STYLE §2): Swift → C happens inside `withBSON { }`, which builds a
// heap `bson_t` and destroys it when the closure returns; C → Swift copies at
// once (`init(copying:)`), and the caller frees what it owns.
//
// BSON types without a `BSONValue` case are read lossily: JavaScript code and
// symbols become `.string`, undefined and DBPointer become `.null`. fido never
// writes them.

extension Document {
  /// Builds a `bson_t` holding this document, hands it to `body`, and destroys
  /// it afterwards. The pointer must not escape `body`.
  func withBSON<R, E: BSONFailure>(_ body: (OpaquePointer) throws(E) -> R) throws(E) -> R {
    let bson: OpaquePointer
    do { bson = try makeBSON() } catch { throw E(error) }
    defer { bson_destroy(bson) }
    return try body(bson)
  }

  /// A new heap `bson_t` holding this document; the caller owns it and must
  /// `bson_destroy` it.
  func makeBSON() throws(BSONError) -> OpaquePointer {
    guard let bson = bson_new() else {
      throw BSONError(kind: .encoding, message: "cannot allocate a BSON document")
    }
    do {
      try BSONEncoder.append(fields, to: bson)
    } catch {
      bson_destroy(bson)
      throw error
    }
    return bson
  }

  /// Copies a borrowed `bson_t` (a cursor document, a reply) into a value.
  init(copying bson: OpaquePointer) {
    self.init(fields: BSONDecoder.fields(of: bson))
  }

  /// Canonical Extended JSON (types explicit: `{"$numberLong": "5"}`), for
  /// diagnostics and tests.
  package var canonicalExtendedJSON: String {
    extendedJSON(relaxed: false)
  }

  /// Relaxed Extended JSON (plain numbers where lossless), for diagnostics.
  package var relaxedExtendedJSON: String {
    extendedJSON(relaxed: true)
  }

  private func extendedJSON(relaxed: Bool) -> String {
    do {
      return try withBSON { (bson) throws(BSONError) -> String in
        guard
          let text = relaxed
            ? bson_as_relaxed_extended_json(bson, nil) : bson_as_canonical_extended_json(bson, nil)
        else { return "" }
        defer { bson_free(text) }
        return String(cString: text)
      }
    } catch {
      return ""
    }
  }
}

extension BSONValue {
  /// A `bson_t` for an update argument: a document (`{"$set": …}`) as itself,
  /// an array (a pipeline) as an array-shaped document with keys "0", "1", …,
  /// which is how libmongoc recognises a pipeline.
  func withUpdateBSON<R, E: BSONFailure>(_ body: (OpaquePointer) throws(E) -> R) throws(E) -> R {
    switch self {
    case .document(let d):
      return try d.withBSON(body)
    case .array(let stages):
      let d = Document(stages.enumerated().map { (String($0.offset), $0.element) })
      return try d.withBSON(body)
    default:
      throw E(
        BSONError(
          kind: .argument,
          message: "an update must be a document or a pipeline (array of documents)"))
    }
  }
}

private enum BSONEncoder {
  static func append(_ fields: [(key: String, value: BSONValue)], to bson: OpaquePointer)
    throws(BSONError)
  {
    for field in fields {
      try append(field.value, key: field.key, to: bson)
    }
  }

  static func append(_ value: BSONValue, key: String, to bson: OpaquePointer) throws(BSONError) {
    let keyLength = Int32(clamping: key.utf8.count)
    let ok: Bool = key.withCString { k in
      switch value {
      case .double(let v):
        return bson_append_double(bson, k, keyLength, v)
      case .string(let s):
        return s.withCString {
          bson_append_utf8(bson, k, keyLength, $0, Int32(clamping: s.utf8.count))
        }
      case .document(let d):
        return nested(in: bson, key: k, keyLength: keyLength, array: false) {
          child throws(BSONError) in
          try append(d.fields, to: child)
        }
      case .array(let items):
        return nested(in: bson, key: k, keyLength: keyLength, array: true) {
          child throws(BSONError) in
          for (i, item) in items.enumerated() {
            try append(item, key: String(i), to: child)
          }
        }
      case .binary(let subtype, let data):
        return data.withUnsafeBufferPointer { buf in
          bson_append_binary(
            bson, k, keyLength, bson_subtype_t(rawValue: UInt32(subtype)), buf.baseAddress,
            UInt32(clamping: buf.count))
        }
      case .objectID(let id):
        var oid = bson_oid_t()
        withUnsafeMutableBytes(of: &oid.bytes) { id.store(into: $0.baseAddress!) }
        return bson_append_oid(bson, k, keyLength, &oid)
      case .bool(let b):
        return bson_append_bool(bson, k, keyLength, b)
      case .date(let ms):
        return bson_append_date_time(bson, k, keyLength, ms)
      case .null:
        return bson_append_null(bson, k, keyLength)
      case .regex(let pattern, let options):
        return pattern.withCString { p in
          options.withCString { o in
            bson_append_regex_w_len(bson, k, keyLength, p, Int32(clamping: pattern.utf8.count), o)
          }
        }
      case .int32(let v):
        return bson_append_int32(bson, k, keyLength, v)
      case .timestamp(let seconds, let increment):
        return bson_append_timestamp(bson, k, keyLength, seconds, increment)
      case .int64(let v):
        return bson_append_int64(bson, k, keyLength, v)
      case .decimal128(let s):
        var dec = bson_decimal128_t()
        guard bson_decimal128_from_string(s, &dec) else { return false }
        return bson_append_decimal128(bson, k, keyLength, &dec)
      case .minKey:
        return bson_append_minkey(bson, k, keyLength)
      case .maxKey:
        return bson_append_maxkey(bson, k, keyLength)
      }
    }
    guard ok else {
      throw BSONError(
        kind: .encoding,
        message:
          "cannot encode field \"\(key)\" as BSON (a NUL in a key, an invalid Decimal128, or a document over 2 GB)"
      )
    }
  }

  /// Appends a sub-document or array through `*_begin`/`*_end`, so nested
  /// values are written in place without an intermediate copy.
  private static func nested(
    in bson: OpaquePointer, key: UnsafePointer<CChar>, keyLength: Int32, array: Bool,
    _ fill: (OpaquePointer) throws(BSONError) -> Void
  ) -> Bool {
    guard let child = fido_bson_child_storage_new() else { return false }
    defer { fido_bson_child_storage_free(child) }
    let begun =
      array
      ? bson_append_array_begin(bson, key, keyLength, child)
      : bson_append_document_begin(bson, key, keyLength, child)
    guard begun else { return false }
    var filled = true
    do { try fill(child) } catch { filled = false }
    let ended = array ? bson_append_array_end(bson, child) : bson_append_document_end(bson, child)
    return filled && ended
  }
}

private enum BSONDecoder {
  static func fields(of bson: OpaquePointer) -> [(key: String, value: BSONValue)] {
    guard let iter = fido_bson_iter_storage_new() else { return [] }
    defer { fido_bson_iter_storage_free(iter) }
    guard bson_iter_init(iter, bson) else { return [] }
    return fields(iterating: iter)
  }

  /// Reads the remaining fields of an iterator positioned before its first field.
  static func fields(iterating iter: OpaquePointer) -> [(key: String, value: BSONValue)] {
    var out: [(key: String, value: BSONValue)] = []
    while bson_iter_next(iter) {
      let key = string(bson_iter_key(iter), length: Int(bson_iter_key_len(iter)))
      if out.isEmpty { out.reserveCapacity(16) }
      out.append((key: key, value: value(at: iter)))
    }
    return out
  }

  static func value(at iter: OpaquePointer) -> BSONValue {
    switch bson_iter_type(iter) {
    case BSON_TYPE_DOUBLE:
      return .double(bson_iter_double(iter))
    case BSON_TYPE_UTF8:
      var length: UInt32 = 0
      let p = bson_iter_utf8(iter, &length)
      return .string(string(p, length: Int(length)))
    case BSON_TYPE_DOCUMENT:
      return .document(Document(fields: children(of: iter)))
    case BSON_TYPE_ARRAY:
      return .array(children(of: iter).map(\.value))
    case BSON_TYPE_BINARY:
      var subtype = bson_subtype_t(rawValue: 0)
      var length: UInt32 = 0
      var data: UnsafePointer<UInt8>? = nil
      bson_iter_binary(iter, &subtype, &length, &data)
      let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: Int(length))) } ?? []
      return .binary(subtype: UInt8(truncatingIfNeeded: subtype.rawValue), data: bytes)
    case BSON_TYPE_OID:
      guard let oid = bson_iter_oid(iter) else { return .null }
      return .objectID(ObjectID(rawBytes: UnsafeRawPointer(oid)))
    case BSON_TYPE_BOOL:
      return .bool(bson_iter_bool(iter))
    case BSON_TYPE_DATE_TIME:
      return .date(bson_iter_date_time(iter))
    case BSON_TYPE_NULL, BSON_TYPE_UNDEFINED, BSON_TYPE_DBPOINTER:
      return .null
    case BSON_TYPE_REGEX:
      var options: UnsafePointer<CChar>? = nil
      let pattern = bson_iter_regex(iter, &options)
      return .regex(
        pattern: pattern.map { String(cString: $0) } ?? "",
        options: options.map { String(cString: $0) } ?? "")
    case BSON_TYPE_INT32:
      return .int32(bson_iter_int32(iter))
    case BSON_TYPE_TIMESTAMP:
      var seconds: UInt32 = 0
      var increment: UInt32 = 0
      bson_iter_timestamp(iter, &seconds, &increment)
      return .timestamp(seconds: seconds, increment: increment)
    case BSON_TYPE_INT64:
      return .int64(bson_iter_int64(iter))
    case BSON_TYPE_DECIMAL128:
      var dec = bson_decimal128_t()
      guard bson_iter_decimal128(iter, &dec) else { return .null }
      // BSON_DECIMAL128_STRING is 43 bytes including the NUL.
      var buffer = [CChar](repeating: 0, count: 64)
      bson_decimal128_to_string(&dec, &buffer)
      return .decimal128(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    case BSON_TYPE_MINKEY:
      return .minKey
    case BSON_TYPE_MAXKEY:
      return .maxKey
    case BSON_TYPE_CODE:
      var length: UInt32 = 0
      return .string(string(bson_iter_code(iter, &length), length: Int(length)))
    case BSON_TYPE_SYMBOL:
      var length: UInt32 = 0
      return .string(string(bson_iter_symbol(iter, &length), length: Int(length)))
    case BSON_TYPE_CODEWSCOPE:
      var length: UInt32 = 0
      var scopeLength: UInt32 = 0
      var scope: UnsafePointer<UInt8>? = nil
      return .string(
        string(bson_iter_codewscope(iter, &length, &scopeLength, &scope), length: Int(length)))
    default:
      return .null
    }
  }

  private static func children(of iter: OpaquePointer) -> [(key: String, value: BSONValue)] {
    guard let child = fido_bson_iter_storage_new() else { return [] }
    defer { fido_bson_iter_storage_free(child) }
    guard bson_iter_recurse(iter, child) else { return [] }
    return fields(iterating: child)
  }

  private static func string(_ p: UnsafePointer<CChar>?, length: Int) -> String {
    guard let p else { return "" }
    return p.withMemoryRebound(to: UInt8.self, capacity: length) {
      String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
  }
}
