/// What the store's writes throw on their way to `FidoStore.fail`: a driver
/// error, kept as it is (inside a transaction its labels decide a retry; a
/// duplicate key names its index), or an error fido reports as it is (a
/// user not found, a figure past the money limit). `fail` maps the first
/// kind, in one place.
enum StoreError: Error, MongoFailure {
  case mongo(MongoError)
  case fido(FidoError)

  init(_ error: MongoError) { self = .mongo(error) }

  var mongoError: MongoError? {
    if case .mongo(let error) = self { return error }
    return nil
  }
}

/// Driver calls inside a store write: their error kept unmapped.
func driver<T>(_ call: () throws(MongoError) -> T) throws(StoreError) -> T {
  do { return try call() } catch { throw .mongo(error) }
}

/// fido's own checks inside a store write (reading a document, a figure
/// past the money limit): their error reported as it is.
func checked<T>(_ call: () throws(FidoError) -> T) throws(StoreError) -> T {
  do { return try call() } catch { throw .fido(error) }
}
